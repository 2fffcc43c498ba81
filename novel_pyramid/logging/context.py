"""What every log line carries: the request or task id and the user, kept in context variables."""

import contextvars
import logging

request_id_var = contextvars.ContextVar("request_id", default=None)
task_id_var = contextvars.ContextVar("task_id", default=None)
user_id_var = contextvars.ContextVar("user_id", default=None)


class ContextFilter(logging.Filter):
    """Copies the context variables onto each record so formatters can print them."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        record.user_id = user_id_var.get()
        return True
