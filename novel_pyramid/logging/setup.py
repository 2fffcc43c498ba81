"""Configure the root logger once per process: JSON lines, or text in development."""

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from novel_pyramid.logging.context import install_record_factory

TEXT_FORMAT = "%(asctime)s %(levelname)-5s [%(name)s] [req=%(request_id)s user=%(user_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(user_id)s"


def configure_logging(level="info", fmt="text", stream=None):
    install_record_factory()
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                JSON_FIELDS,
                rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        # Replace ours from an earlier call and the plain console handler that
        # pserve's logging.basicConfig() installs, so each line is written once.
        if getattr(existing, "_novel_pyramid", False) or type(existing) is logging.StreamHandler:
            root.removeHandler(existing)
    handler._novel_pyramid = True
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
