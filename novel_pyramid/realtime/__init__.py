"""Live progress over Socket.IO (docs/realtime.md).

- ``interfaces``: ``IProgressPublisher``, what a task or a view calls after a job or coverage run changed.
- ``subjects``: what can be followed (jobs, coverage runs): events, rooms, states.
- ``progress``: the publisher (throttled; through Redis, or in-process without it).
- ``sockets``: the Socket.IO server and its join and leave handlers.
- ``streams``: the v2 Server-Sent Events streams, kept open in the realtime process.
- ``asgi``: the WSGI application and Socket.IO composed on one port.

Every process that includes this package can publish; only the processes
that serve ``asgi.make_asgi_app`` deliver.
"""

from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.tasks import blank_request


def publish_job_changed(registry, job_id):
    """Tell the job's followers it changed, from code that holds a registry but no request (a task)."""
    blank_request(registry).find_service(IProgressPublisher).job_changed(job_id)


def includeme(config):
    from novel_pyramid.coverage.events import CoverageRunChanged
    from novel_pyramid.jobs.events import JobChanged
    from novel_pyramid.realtime.progress import ProgressPublisher

    config.include("pyramid_services")
    publisher = ProgressPublisher.from_registry(config.registry)
    config.register_service(publisher, IProgressPublisher)
    # The jobs subsystem announces every committed change of a job (jobs.events).
    config.add_subscriber(lambda event: publisher.job_changed(event.job_id), JobChanged)
    config.add_subscriber(lambda event: publisher.coverage_run_changed(event.run_id), CoverageRunChanged)
