"""A tiny plugin, included through ``novel_pyramid.includes``, whose views fail on purpose."""

from pyramid.view import view_config

from novel_pyramid.accounts.models import User
from novel_pyramid.errors import Conflict


@view_config(route_name="test.write_then_crash", renderer="json")
def write_then_crash(request):
    request.dbsession.add(User(email="ghost@example.com", is_active=True))
    request.dbsession.flush()
    raise RuntimeError("boom: secret=hunter2")


@view_config(route_name="test.write_then_refuse", renderer="json")
def write_then_refuse(request):
    request.dbsession.add(User(email="ghost@example.com", is_active=True))
    request.dbsession.flush()
    raise Conflict("Refused after writing")


def includeme(config):
    config.add_route("test.write_then_crash", "/test/write-then-crash")
    config.add_route("test.write_then_refuse", "/test/write-then-refuse")
    config.scan(__name__)
