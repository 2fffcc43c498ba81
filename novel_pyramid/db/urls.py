"""Database URLs as the installed drivers can open them."""

import importlib.util

from sqlalchemy.engine import make_url


def with_installed_driver(url):
    """Return ``url`` with a PostgreSQL driver that is actually installed.

    SQLAlchemy 2.1 opens a bare ``postgresql://`` URL with psycopg 3, but the
    project depends on psycopg2; settings and Kubernetes secrets carry bare URLs.
    An explicit driver (``postgresql+psycopg://``) is always left as it is.
    """
    parsed = make_url(url)
    if parsed.drivername != "postgresql":
        return url
    if importlib.util.find_spec("psycopg") is not None:
        return url
    return parsed.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
