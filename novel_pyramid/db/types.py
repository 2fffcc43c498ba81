"""Column helpers shared by the models."""

import datetime
import uuid


def utcnow():
    """Naive UTC now: the legacy schema stores DATETIME without a zone, always in UTC."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def new_uuid():
    return str(uuid.uuid4())


def isoformat(value):
    """ISO 8601 UTC with a ``Z`` (docs/api.md, "Everywhere"), or None."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"
