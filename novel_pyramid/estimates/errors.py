"""The estimates subsystem's domain error."""

from novel_pyramid.errors import Conflict


class EstimateNotAccepted(Conflict):
    """A confirmation that no recent estimate of this server stands for; nothing was reserved.

    ``reason``: ``unknown`` (no estimate of that amount and preference was given
    to this user), ``expired`` (it is older than the validity), ``outdated`` (the
    prices changed since).
    """

    code = "estimate_not_accepted"

    def __init__(self, message, reason):
        self.reason = reason
        super().__init__(message, extra={"reason": reason})
