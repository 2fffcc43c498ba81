"""Names shared by the CRD, the manifest builders and the handlers."""

# The API group is under a domain the project controls, so it never collides
# with another vendor's resources in a shared cluster.
GROUP = "frenchnoveltool.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "NovelTool"
PLURAL = "noveltools"
SINGULAR = "noveltool"
SHORT_NAMES = ["nt"]

# The CRD's schema generation, in an annotation on the CRD: bumped whenever the
# schema changes, so an operator can tell a CRD older than the one it was built
# with (which would prune the new fields) from a newer one. A CRD without it is 1.
CRD_NAME = f"{PLURAL}.{GROUP}"
CRD_SCHEMA_ANNOTATION = f"{GROUP}/schema-generation"
CRD_SCHEMA_GENERATION = 3
FIELD_MANAGER = "novel-operator"

# Kopf keeps its own bookkeeping in annotations under our group instead of in
# `status`, so the status schema holds only what users read.
FINALIZER = f"{GROUP}/finalizer"

APP_NAME = "novel-pyramid"
MANAGED_BY = "novel-operator"
# On the children that run an image: that image's tag (not the chart's appVersion the NovelTool carries).
VERSION_LABEL = "app.kubernetes.io/version"

# Where the image keeps its files (fixed by the Dockerfile).
APP_DIR = "/app"
DEFAULT_INI = f"{APP_DIR}/production.ini"
# A production.ini given in the spec is mounted here and replaces the baked-in one.
CUSTOM_INI_DIR = "/etc/novel-pyramid"
CUSTOM_INI = f"{CUSTOM_INI_DIR}/production.ini"

WEB_PORT = 8080
# The realtime process (`[server:realtime]` of production.ini): Socket.IO and
# the event streams, and the whole REST API too, so the same health paths answer there.
REALTIME_PORT = 8081
READINESS_PATH = "/api/v1/health"
LIVENESS_PATH = "/api/v1/health/live"

WEB_COMMAND = ["pserve"]
REALTIME_SERVER_ARGS = ["--server-name", "realtime"]
WORKER_COMMAND = ["celery", "-A", "novel_pyramid.tasks.celery_app:app", "worker", "--loglevel=INFO"]
# The migration writes the resulting Alembic revision to the termination log so
# the operator can read it from the pod's `terminated.message`.
MIGRATION_COMMAND = ["novel-pyramid", "db", "upgrade", "--write-revision", "/dev/termination-log"]
MIGRATION_CONTAINER = "migrate"

# Annotation on pod templates: a change of configuration rolls the pods,
# because environment variables from a ConfigMap are read only at start.
CONFIG_CHECKSUM_ANNOTATION = f"{GROUP}/config-checksum"
# Annotations on the migration Job: which image it runs, the database revision
# it started from (part of its name, so that a rollback never reuses a Job of
# an earlier pass), and for a downgrade the revision it goes down to.
MIGRATION_IMAGE_ANNOTATION = f"{GROUP}/image"
MIGRATION_FROM_ANNOTATION = f"{GROUP}/from-revision"
MIGRATION_TARGET_ANNOTATION = f"{GROUP}/target-revision"
# The image has no `db downgrade` command: Alembic's, through the app's own
# configuration (DATABASE_URL wins over the INI, as for `db upgrade`); the
# revision reached goes to the termination log as the upgrade's does.
DOWNGRADE_SCRIPT = (
    "import sys\n"
    "from alembic import command\n"
    "from novel_pyramid.db.migrate import alembic_config, current_revision\n"
    "from novel_pyramid.scripts.db import database_url\n"
    "url = database_url(None)\n"
    "command.downgrade(alembic_config(url), sys.argv[1])\n"
    "revision = current_revision(url)\n"
    "print(revision)\n"
    "open('/dev/termination-log', 'w').write(f'{revision}\\n')\n"
)
ON_DOWNGRADE = ("refuse", "downgrade", "allowNewerSchema")
# Images and the revision each left, kept in the status to recognise a rollback.
MAX_MIGRATION_HISTORY = 10

# Secret references in the spec, mapped to the environment variables the app reads.
SECRET_ENV = {
    "databaseUrl": "DATABASE_URL",
    "redisUrl": "REDIS_URL",
    "celeryBrokerUrl": "CELERY_BROKER_URL",
    "geminiApiKey": "GEMINI_API_KEY",
    "jwtSecretKey": "JWT_SECRET_KEY",
    "secretKey": "SECRET_KEY",
    "googleClientId": "GOOGLE_CLIENT_ID",
    "googleClientSecret": "GOOGLE_CLIENT_SECRET",
}
REQUIRED_SECRETS = ("databaseUrl", "redisUrl", "jwtSecretKey", "secretKey")

# Non-secret settings in the spec, mapped to the environment variables the app
# reads; they go to the ConfigMap.
SETTINGS_ENV = {
    "geminiModel": "GEMINI_MODEL",
    "geminiBaseUrl": "GEMINI_BASE_URL",
    "normalizer": "NOVEL_NORMALIZER",
    "jwtAccessTokenExpiresHours": "JWT_ACCESS_TOKEN_EXPIRES_HOURS",
    "jwtRefreshTokenExpiresDays": "JWT_REFRESH_TOKEN_EXPIRES_DAYS",
    "googleCertsUrl": "GOOGLE_CERTS_URL",
    "googleTokenUrl": "GOOGLE_TOKEN_URL",
    "googleApiEndpoint": "GOOGLE_API_ENDPOINT",
    "corsOrigins": "CORS_ORIGINS",
    "maxFileSize": "MAX_FILE_SIZE",
    "ratelimitEnabled": "RATELIMIT_ENABLED",
    "logLevel": "LOG_LEVEL",
    "logFormat": "LOG_FORMAT",
}

DEFAULT_QUEUE = "celery"

# Most worker-count recommendations kept in the status for scale-down
# stabilisation; the CRD's maxItems, so the status stays small.
MAX_RECOMMENDATIONS = 16
