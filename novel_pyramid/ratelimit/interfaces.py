"""What a rate limiter and the store behind it must do."""

from zope.interface import Attribute, Interface


class IRateLimitStorage(Interface):
    """Counters shared by every web process (Redis), or kept in one process (memory)."""

    def increment(key, expire_at):
        """Add one to the counter ``key`` and return its new value.

        The counter may be forgotten once the clock passes ``expire_at`` (epoch
        seconds). Return ``None`` when the store cannot be reached: callers then
        let the request through (fail open) rather than refuse every user.
        """

    def clear(key):
        """Forget the counter ``key``."""


class IRateLimiter(Interface):
    """One named bucket: a rate, applied separately to each caller."""

    rate = Attribute("The ``Rate`` of this bucket; ``None`` when nothing is limited.")

    def hit(caller):
        """Count one request of ``caller`` and return a ``Decision``."""

    def clear(caller):
        """Forget ``caller``'s requests in the current window."""
