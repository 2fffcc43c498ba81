"""The WSGI application of production.ini, for servers that take a ``module:callable`` (gunicorn, waitress-serve).

Settings come from production.ini overridden by the environment, as in production.
"""

import pathlib

from pyramid.paster import get_app

INI = pathlib.Path(__file__).resolve().parent.parent / "production.ini"

application = get_app(str(INI), "main")
