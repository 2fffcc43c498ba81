"""The queue depth a scrape reports (``metrics.IQueueDepth``): task messages waiting in the Redis broker."""

import logging

from zope.interface import implementer

from novel_pyramid.metrics.interfaces import IQueueDepth
from novel_pyramid.redisconn import OUTAGES, CircuitOpen, redis_connections

log = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue's messages in one list per priority
# step: the queue's own name (priority 0), then the name, a separator and the step.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)
REDIS_SCHEMES = ("redis://", "rediss://")


def queue_keys(queue):
    return [queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]


@implementer(IQueueDepth)
class RedisQueueDepth:
    """``LLEN`` of the default queue's lists in one round trip, under the broker's breaker and short time-outs."""

    def __init__(self, celery_app, connections, broker_url):
        self.app = celery_app
        self.connections = connections
        self.broker_url = broker_url

    @classmethod
    def from_registry(cls, registry):
        """The reader for ``registry``'s broker, or None when tasks do not go through a Redis broker."""
        settings = registry.settings
        url = settings["celery.broker_url"]
        if settings["celery.task_always_eager"] or not url or not url.startswith(REDIS_SCHEMES):
            return None
        return cls(registry["celery.app"], redis_connections(registry), url)

    def depths(self):
        queue = self.app.conf.task_default_queue
        try:
            with self.connections.breaker(self.broker_url).guard(OUTAGES):
                pipeline = self.connections.client(self.broker_url).pipeline(transaction=False)
                for key in queue_keys(queue):
                    pipeline.llen(key)
                counts = pipeline.execute()
        except (CircuitOpen, *OUTAGES) as error:
            log.debug("Queue depth not read: %s", error)
            return {}
        return {queue: sum(counts)}
