"""A publisher in a process of its own, as a Celery worker is: ``python -m tests.realtime.publish_from_worker``.

Arguments: the database URL, the Redis URL, the channel, then job ids. It builds
only what a worker has (database, ledger, realtime), publishes each job's state
through Redis with the write-only manager, and exits.
"""

import sys

from pyramid.config import Configurator

from novel_pyramid.config import load_settings
from novel_pyramid.realtime import publish_job_changed
from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.tasks import blank_request


def main(database_url, redis_url, channel, *job_ids):
    settings = load_settings(
        {
            "environment": "testing",
            "database_url": database_url,
            "redis_url": redis_url,
            "realtime.channel": channel,
            "realtime.throttle_ms": "0",
            "log.keep_handlers": True,
        },
        environ={},
    )
    config = Configurator(settings=settings)
    for include in ("pyramid_services", "novel_pyramid.db", "novel_pyramid.credits", "novel_pyramid.realtime"):
        config.include(include)
    config.commit()
    registry = config.registry
    for job_id in job_ids:
        publish_job_changed(registry, job_id)
    blank_request(registry).find_service(IProgressPublisher).flush()
    print("published", len(job_ids))


if __name__ == "__main__":
    main(*sys.argv[1:])
