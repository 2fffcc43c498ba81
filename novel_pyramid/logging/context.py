"""What every log line carries: the request or task id and the user, kept in context variables."""

import contextvars
import logging

request_id_var = contextvars.ContextVar("request_id", default=None)
task_id_var = contextvars.ContextVar("task_id", default=None)
user_id_var = contextvars.ContextVar("user_id", default=None)


def install_record_factory():
    """Stamp the context onto every log record, whichever handler formats it.

    A record factory (rather than a handler filter) also reaches handlers that
    others install: pytest's, Celery's, a WSGI server's.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "_novel_pyramid", False):
        return

    def factory(*args, **kwargs):
        record = current(*args, **kwargs)
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        record.user_id = user_id_var.get()
        return record

    factory._novel_pyramid = True
    logging.setLogRecordFactory(factory)
