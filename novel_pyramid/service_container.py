"""The container of one request's services, for pyramid_services: plain dicts instead of zope registries.

pyramid_services builds a wired ``ServiceContainer`` for every request that
finds a service. That container keeps the request and each service it made in
zope adapter registries of its own, one per context: building them costs a
fifth of the CPU of a request the cache answers. Here the factories are still
found in wired's process-wide registry (``register_service``,
``register_service_factory``), and only what one request made is kept, in dicts.
"""

from wired import ServiceRegistry
from zope.interface import Interface

_marker = object()


class RequestServices:
    """What pyramid_services asks of a container: ``register_singleton``, ``get`` and ``context``."""

    def __init__(self, registry, context=None, made=None, singletons=None):
        self._registry = registry
        self.context = context
        # (interface, name, id(context)) -> (context, service): the context is
        # kept so that its id is not reused while the container lives.
        self._made = {} if made is None else made
        self._singletons = {} if singletons is None else singletons

    def register_singleton(self, service, iface_or_type=Interface, *, context=None, name=""):
        if context is not None:
            raise NotImplementedError("services of a context are registered at configuration time")
        self._singletons[(iface_or_type, name)] = service

    def get(self, iface_or_type=Interface, *, context=_marker, name="", default=_marker):
        if context is _marker:
            context = self.context
        singleton = self._singletons.get((iface_or_type, name), _marker)
        if singleton is not _marker:
            return singleton
        key = (iface_or_type, name, id(context))
        made = self._made.get(key)
        if made is not None:
            return made[1]
        # Factories are registered for a context's class (or none), never for what an instance provides.
        factory = self._registry.find_factory(
            iface_or_type, context=None if context is None else type(context), name=name
        )
        if factory is None:
            if default is _marker:
                raise LookupError(f"no service registered for {iface_or_type!r}, name {name!r}")
            return default
        service = factory(self.bind(context))
        self._made[key] = (context, service)
        return service

    def bind(self, context):
        """The same container seen from ``context`` (what a factory receives as ``container``)."""
        if context is self.context:
            return self
        return RequestServices(self._registry, context, self._made, self._singletons)


class RequestServiceRegistry(ServiceRegistry):
    """wired's registry of factories, whose containers are ``RequestServices``."""

    def create_container(self, *, context=None):
        return RequestServices(self, context)
