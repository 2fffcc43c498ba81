"""The credits subsystem's services: the ledger's one writer, the price table, the token counter."""

from zope.interface import Attribute, Interface


class ICreditService(Interface):
    """The credits ledger of each user: the one writer of ``credit_entries`` and ``credit_balances``.

    Every write joins the caller's transaction; none commits apart from it. The
    month's grant is written lazily by the first call that needs the month's
    balance, once per user and month however many calls race for it. Writers
    of one user's month queue on its balance row, so no balance goes below zero.
    Months are calendar months in UTC ("2026-12").
    """

    def summary(user_id):
        """The current month's ``CreditSummary``: balance, granted, used, refunded, adjusted, month, next_reset."""

    def balance(user_id):
        """The current month's balance of ``user_id``."""

    def entries(user_id, month=None, limit=100, before_id=None):
        """``(entries, more)``: the user's ledger entries, newest first, of ``month`` or of every month.

        ``before_id`` starts the page after that entry (a page cursor); ``more``
        says whether older entries follow.
        """

    def estimate(user_id, text, model_preference):
        """An ``Estimate`` of what normalising ``text`` would cost, with the balance and whether it suffices."""

    def reserve(user_id, credits, job_id, description=None):
        """Take ``credits`` from the current month's balance for ``job_id`` (a ``job_reserve`` entry).

        Raises ``InsufficientCredits`` (402), writing nothing, when the balance is
        short; ``Conflict`` when the job already holds a reservation.
        """

    def reserve_again(job_id, credits, description=None):
        """Open the job's next billing round: take ``credits`` for a retry of a job whose last round has closed.

        The round's entries land in the current month. Raises ``NotFound`` when the
        job never reserved, ``Conflict`` while its last round is still open, and
        ``InsufficientCredits`` (402, nothing written) when the balance is short.
        Settling, refunding and ``settlement_of`` then apply to the new round.
        """

    def settle(job_id, actual_credits):
        """Close the job's current round at what it cost: a ``job_final`` entry of the difference.

        Credits reserved beyond ``actual_credits`` are given back; a cost over the
        reservation is charged as far as the balance goes, never below zero.
        Idempotent: a job already settled or refunded writes nothing. Returns the
        ``Settlement``; ``NotFound`` when the job reserved nothing.
        """

    def settle_tokens(job_id, model, tokens):
        """``settle`` the job's current round at what ``tokens`` (read and written) of ``model`` cost.

        The tokens are the ones the worker counted (the model's usage metadata,
        the offline normaliser's own count). A model the price table no longer
        prices settles at the reservation.
        """

    def refund(job_id):
        """Give a failed or cancelled job's whole reservation back (a ``job_refund`` entry).

        Idempotent like ``settle``, whose result a settled job keeps.
        """

    def settlement_of(job_id):
        """The ``Settlement`` of the job's current round (``closed`` False while open); None if it never reserved."""

    def adjust(user_id, delta_credits, description):
        """An administrator's change of the current month's balance (``admin_adjustment``).

        A negative change larger than the balance raises ``InsufficientCredits``.
        """


class IPriceTable(Interface):
    """The versioned price table of the settings (``credits.prices``), process-wide."""

    version = Attribute("The pricing version every entry and estimate records.")

    def model_for(preference):
        """The model a ``model_preference`` (balanced, quality, speed) stands for."""

    def rate_of(model):
        """Credits per 1,000 tokens of ``model`` (a ``Decimal``)."""

    def credits_for(tokens, rate):
        """What ``tokens`` cost at ``rate``, rounded up to a whole credit."""


class ITokenCounter(Interface):
    """Counts the tokens normalising a text will use, for estimates."""

    method = Attribute("How it counts, as the estimate reports it: 'heuristic' or 'api'.")

    def count(text, model):
        """Tokens (read and written) that normalising ``text`` with ``model`` is expected to use."""

    def measure(text, model):
        """``TokenCount(tokens, method)``: ``count``, and how this one was counted (an API counter may fall back)."""
