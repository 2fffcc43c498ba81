# syntax=docker/dockerfile:1
#
# One image for the web service, the Celery workers and the migrations:
#   web:       pserve /app/production.ini                  (the default command)
#   worker:    celery -A novel_pyramid.tasks.celery_app:app worker --loglevel=INFO
#   migration: novel-pyramid db upgrade --write-revision /dev/termination-log
# The operator has its own target:  docker build --target operator -t novel-operator .
#
# Build stages hold the compilers; the final stages get only the virtualenvs,
# so no build tool ever reaches a running container.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# Only needed when a dependency has no wheel for this platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
WORKDIR /src
# setup.py reads README.md for the long description.
COPY setup.py README.md ./
COPY novel_pyramid ./novel_pyramid
RUN pip install . && pip check


FROM ${PYTHON_IMAGE} AS operator-build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
COPY operator /src/operator
RUN pip install /src/operator && pip check


FROM ${PYTHON_IMAGE} AS runtime-base
# A fixed uid/gid, matching runAsUser in the chart and the operator's manifests,
# so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
RUN groupadd --gid 10001 novel \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin novel
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1


FROM runtime-base AS operator
COPY --from=operator-build /venv /venv
USER 10001:10001
CMD ["kopf", "run", "--standalone", "--all-namespaces", "--liveness=http://0.0.0.0:8080/healthz", "-m", "novel_operator.main"]


# The last stage is what a plain `docker build .` produces: the application.
FROM runtime-base AS app
COPY --from=build /venv /venv
WORKDIR /app
COPY production.ini alembic.ini ./
COPY migrations ./migrations
ENV NOVEL_PYRAMID_INI=/app/production.ini \
    NOVEL_PYRAMID_MIGRATIONS=/app/migrations
USER 10001:10001
EXPOSE 8080
CMD ["pserve", "/app/production.ini"]
