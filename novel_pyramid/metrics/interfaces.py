"""What the metrics read at scrape time from the subsystems that know the facts."""

from zope.interface import Interface


class IQueueDepth(Interface):
    """The number of task messages waiting in the broker, read at each scrape (registered by ``tasks``).

    A scrape must stay quick: one round trip with the short Redis time-outs,
    and nothing (rather than an error) when the broker does not answer.
    """

    def depths():
        """``{queue name: messages waiting}``; ``{}`` when the broker cannot be read or keeps no queue."""
