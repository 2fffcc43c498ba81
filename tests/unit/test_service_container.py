"""The per-request service container keeps pyramid_services' behaviour: one service per request and context."""

import pytest
from pyramid.config import Configurator
from zope.interface import Interface

from novel_pyramid.service_container import RequestServiceRegistry
from novel_pyramid.tasks import blank_request


class IThing(Interface):
    pass


class IShared(Interface):
    pass


class Root:
    pass


@pytest.fixture
def registry():
    config = Configurator()
    config.include("pyramid_services")
    config.set_service_registry(RequestServiceRegistry())
    config.register_service(object(), IShared)
    config.register_service_factory(lambda context, request: ("any", context, request), IThing)
    config.register_service_factory(lambda context, request: ("root", context, request), IThing, context=Root)
    config.commit()
    return config.registry


def test_a_factory_runs_once_per_request_and_gets_the_request(registry):
    request = blank_request(registry)
    thing = request.find_service(IThing, context=None)
    assert thing == ("any", None, request)
    assert request.find_service(IThing, context=None) is thing
    assert blank_request(registry).find_service(IThing, context=None) is not thing


def test_a_registered_instance_is_the_same_for_every_request(registry):
    assert blank_request(registry).find_service(IShared) is blank_request(registry).find_service(IShared)


def test_a_factory_registered_for_a_context_class_serves_that_context(registry):
    request, root = blank_request(registry), Root()
    assert request.find_service(IThing, context=root) == ("root", root, request)
    assert request.find_service(IThing, context=Root()) is not request.find_service(IThing, context=root)


def test_an_unregistered_service_is_a_lookup_error(registry):
    class IMissing(Interface):
        pass

    with pytest.raises(LookupError):
        blank_request(registry).find_service(IMissing)
