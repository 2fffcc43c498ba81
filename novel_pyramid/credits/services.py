"""``CreditService``: the credits ledger's one writer (``ICreditService``).

Concurrency. Every write to a user's month first takes the row lock of its
``credit_balances`` row with an UPDATE, the one statement that locks on both
dialects (SQLite ignores SELECT ... FOR UPDATE, and its driver would not even
begin the transaction before a SELECT). A reservation is a single conditional
decrement, ``balance = balance - n WHERE balance >= n``: on PostgreSQL a
competing reservation waits for the row, then re-checks the condition against
the committed balance (READ COMMITTED), so twenty at once never overdraw and
none needs a retry, as SERIALIZABLE would; SQLite serialises the writers. The
month's row is created with INSERT ... ON CONFLICT DO NOTHING, and whoever
creates it writes the grant: a racing first request waits for the winner's
row and writes nothing. Partial unique indexes (``credits.models``) back these
rules in the database itself.

Rounds. A job's credits are billed in rounds: ``reserve`` opens round 1,
``settle`` or ``refund`` closes it, and a retried job whose round has closed
opens the next with ``reserve_again``. Settling, refunding and reading a
settlement always apply to the job's newest round; each round's entries
(reserve, then final or refund) add up to what that round cost.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from zope.interface import implementer

from novel_pyramid.credits.errors import InsufficientCredits
from novel_pyramid.credits.interfaces import ICreditService, IPriceTable, ITokenCounter
from novel_pyramid.credits.models import CLOSING_REASONS, FIRST_ROUND, CreditBalance, CreditEntry, Reason
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import Conflict, NotFound
from novel_pyramid.metrics.record import count_credits_after_commit


def month_of(moment):
    return f"{moment.year:04d}-{moment.month:02d}"


def next_reset_after(moment):
    """Midnight (UTC) of the first day of the month after ``moment``'s: when the next grant is due."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime.datetime(year, month, 1)


@dataclass(frozen=True)
class CreditSummary:
    """A month's figures; ``balance = granted + adjusted - used + refunded``.

    ``used`` is what jobs took (reservations, and charges beyond them);
    ``refunded`` what they gave back (refunds, and reservations beyond the cost).
    """

    balance: int
    granted: int
    used: int
    refunded: int
    adjusted: int
    month: str
    next_reset: datetime.datetime


@dataclass(frozen=True)
class Estimate:
    model: str
    model_preference: str
    estimated_tokens: int
    estimated_credits: int
    pricing_rate: object
    pricing_version: str
    estimation_method: str
    current_balance: int

    @property
    def allowed(self):
        return self.estimated_credits <= self.current_balance


@dataclass(frozen=True)
class Settlement:
    """A job's credits: reserved, and once ``closed`` what it cost.

    ``adjustment`` is the closing entry's delta: credits given back (+) or
    charged beyond the reservation (-); a refund gives back the whole reservation.
    """

    job_id: str
    user_id: int
    month: str
    reserved: int
    closed: bool
    refunded: bool = False
    adjustment: int = 0
    round: int = FIRST_ROUND

    @property
    def actual_credits(self):
        """What the job cost; None while it is open."""
        return self.reserved - self.adjustment if self.closed else None


@implementer(ICreditService)
@dataclass
class CreditService:
    db: Session
    prices: IPriceTable
    counter: ITokenCounter
    monthly_grant: int
    clock: Callable[[], datetime.datetime] = utcnow

    @classmethod
    def create_service(cls, context, request):
        return cls(
            request.dbsession,
            request.find_service(IPriceTable),
            request.find_service(ITokenCounter),
            request.registry.settings["credits.monthly_grant"],
        )

    # -- reading ----------------------------------------------------------------------------

    def summary(self, user_id):
        now = self.clock()
        month = month_of(now)
        self._open_month(user_id, month)
        gains = func.sum(case((CreditEntry.delta_credits > 0, CreditEntry.delta_credits), else_=0))
        rows = self.db.execute(
            select(CreditEntry.reason, func.sum(CreditEntry.delta_credits), gains)
            .where(CreditEntry.user_id == user_id, CreditEntry.month == month)
            .group_by(CreditEntry.reason)
        ).all()
        total = {reason: int(delta) for reason, delta, _ in rows}
        given_back = {reason: int(gain) for reason, _, gain in rows}
        final_given_back = given_back.get(Reason.JOB_FINAL, 0)
        final_charged = total.get(Reason.JOB_FINAL, 0) - final_given_back
        return CreditSummary(
            balance=sum(total.values()),
            granted=total.get(Reason.MONTHLY_GRANT, 0),
            used=-(total.get(Reason.JOB_RESERVE, 0) + final_charged),
            refunded=total.get(Reason.JOB_REFUND, 0) + final_given_back,
            adjusted=total.get(Reason.ADMIN_ADJUSTMENT, 0),
            month=month,
            next_reset=next_reset_after(now),
        )

    def balance(self, user_id):
        month = month_of(self.clock())
        self._open_month(user_id, month)
        return self._balance_of(user_id, month)

    def entries(self, user_id, month=None, limit=100, before_id=None):
        query = select(CreditEntry).where(CreditEntry.user_id == user_id)
        if month is not None:
            query = query.where(CreditEntry.month == month)
        if before_id is not None:
            query = query.where(CreditEntry.id < before_id)
        found = self.db.scalars(query.order_by(CreditEntry.id.desc()).limit(limit + 1)).all()
        return found[:limit], len(found) > limit

    def estimate(self, user_id, text, model_preference):
        model = self.prices.model_for(model_preference)
        rate = self.prices.rate_of(model)
        tokens, method = self.counter.measure(text, model)
        return Estimate(
            model=model,
            model_preference=model_preference,
            estimated_tokens=tokens,
            estimated_credits=self.prices.credits_for(tokens, rate),
            pricing_rate=rate,
            pricing_version=self.prices.version,
            estimation_method=method,
            current_balance=self.balance(user_id),
        )

    def settlement_of(self, job_id):
        reservation = self._current_reservation(job_id)
        if reservation is None:
            return None
        return self._settlement(reservation, self._closing_of(reservation))

    # -- writing ----------------------------------------------------------------------------

    def reserve(self, user_id, credits, job_id, description=None):
        if credits < 0:
            raise ValueError("a reservation cannot be negative")
        month = month_of(self.clock())
        self._open_month(user_id, month)
        if self._current_reservation(job_id) is not None:
            raise Conflict("Credits are already reserved for this job.")
        self._take(user_id, month, credits)
        return self._append(
            user_id, month, -credits, Reason.JOB_RESERVE, job_id=job_id, description=description or "Job reservation"
        )

    def reserve_again(self, job_id, credits, description=None):
        if credits < 0:
            raise ValueError("a reservation cannot be negative")
        previous = self._reservation(job_id)
        user_id, month = previous.user_id, month_of(self.clock())
        self._open_month(user_id, month)
        # Two retries at once queue here; the second then sees the first's round.
        self._lock(user_id, month)
        previous = self._current_reservation(job_id)
        if self._closing_of(previous) is None:
            raise Conflict("Credits are still reserved for this job: a new round opens once the last one is settled.")
        self._take(user_id, month, credits)
        return self._append(
            user_id,
            month,
            -credits,
            Reason.JOB_RESERVE,
            job_id=job_id,
            description=description or "Job reservation for a retry",
            billing_round=previous.round + 1,
        )

    def settle(self, job_id, actual_credits):
        if actual_credits < 0:
            raise ValueError("a cost cannot be negative")
        reservation = self._reservation(job_id)
        balance = self._lock(reservation.user_id, reservation.month)
        closing = self._closing_of(reservation)
        if closing is None:
            reserved = -reservation.delta_credits
            # A cost over the reservation is charged only as far as the balance goes.
            charged = min(actual_credits, reserved + balance)
            description = f"Job cost {charged} credits, {reserved} reserved"
            if charged < actual_credits:
                description += f"; {actual_credits - charged} beyond the balance not charged"
            closing = self._close(reservation, balance, reserved - charged, Reason.JOB_FINAL, description)
        return self._settlement(reservation, closing)

    def settle_tokens(self, job_id, model, tokens):
        if tokens < 0:
            raise ValueError("a token count cannot be negative")
        try:
            rate = self.prices.rate_of(model)
        except KeyError:
            # Prices changed under a running job: it costs what it reserved, neither more nor less.
            return self.settle(job_id, -self._reservation(job_id).delta_credits)
        return self.settle(job_id, self.prices.credits_for(tokens, rate))

    def refund(self, job_id):
        reservation = self._reservation(job_id)
        balance = self._lock(reservation.user_id, reservation.month)
        closing = self._closing_of(reservation)
        if closing is None:
            reserved = -reservation.delta_credits
            closing = self._close(reservation, balance, reserved, Reason.JOB_REFUND, "Job refunded in full")
        return self._settlement(reservation, closing)

    def adjust(self, user_id, delta_credits, description):
        month = month_of(self.clock())
        self._open_month(user_id, month)
        balance = self._lock(user_id, month)
        if balance + delta_credits < 0:
            raise InsufficientCredits(-delta_credits, balance)
        self._set_balance(user_id, month, balance + delta_credits)
        return self._append(user_id, month, delta_credits, Reason.ADMIN_ADJUSTMENT, description=description)

    # -- the month's row --------------------------------------------------------------------

    def _open_month(self, user_id, month):
        """Create the user's row of ``month`` with its grant, unless it exists; once, even under a race."""
        exists = self.db.scalar(
            select(CreditBalance.balance).where(CreditBalance.user_id == user_id, CreditBalance.month == month)
        )
        if exists is not None:
            return
        insert = postgresql.insert if self.db.get_bind().dialect.name == "postgresql" else sqlite.insert
        created = self.db.execute(
            insert(CreditBalance)
            .values(user_id=user_id, month=month, balance=self.monthly_grant)
            .on_conflict_do_nothing(index_elements=["user_id", "month"])
            .returning(CreditBalance.user_id)
        ).first()
        if created is not None:
            self._append(user_id, month, self.monthly_grant, Reason.MONTHLY_GRANT, description=f"Grant of {month}")

    def _lock(self, user_id, month):
        """The month's balance, its row locked until the transaction ends (an UPDATE locks on both dialects)."""
        return self.db.execute(
            update(CreditBalance)
            .where(CreditBalance.user_id == user_id, CreditBalance.month == month)
            .values(balance=CreditBalance.balance)
            .returning(CreditBalance.balance)
            .execution_options(synchronize_session=False)
        ).scalar_one()

    def _take(self, user_id, month, credits):
        """Take ``credits`` from the month's balance in one statement if it covers them, else refuse."""
        taken = self.db.execute(
            update(CreditBalance)
            .where(CreditBalance.user_id == user_id, CreditBalance.month == month, CreditBalance.balance >= credits)
            .values(balance=CreditBalance.balance - credits)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            raise InsufficientCredits(credits, self._balance_of(user_id, month))

    def _balance_of(self, user_id, month):
        return self.db.scalar(
            select(CreditBalance.balance).where(CreditBalance.user_id == user_id, CreditBalance.month == month)
        )

    def _set_balance(self, user_id, month, balance):
        self.db.execute(
            update(CreditBalance)
            .where(CreditBalance.user_id == user_id, CreditBalance.month == month)
            .values(balance=balance)
            .execution_options(synchronize_session=False)
        )

    # -- entries ----------------------------------------------------------------------------

    def _append(self, user_id, month, delta, reason, job_id=None, description=None, billing_round=FIRST_ROUND):
        entry = CreditEntry(
            user_id=user_id,
            month=month,
            delta_credits=delta,
            reason=reason,
            job_id=job_id,
            round=billing_round,
            pricing_version=self.prices.version,
            description=description,
            created_at=self.clock(),
        )
        self.db.add(entry)
        self.db.flush()
        count_credits_after_commit(self.db, reason, delta)
        return entry

    def _current_reservation(self, job_id):
        """The reservation of the job's newest round, or None."""
        return self.db.scalar(
            select(CreditEntry)
            .where(CreditEntry.job_id == job_id, CreditEntry.reason == Reason.JOB_RESERVE)
            .order_by(CreditEntry.round.desc())
            .limit(1)
        )

    def _closing_of(self, reservation):
        """The entry that closed ``reservation``'s round, or None while it is open."""
        return self.db.scalar(
            select(CreditEntry).where(
                CreditEntry.job_id == reservation.job_id,
                CreditEntry.round == reservation.round,
                CreditEntry.reason.in_(CLOSING_REASONS),
            )
        )

    def _reservation(self, job_id):
        reservation = self._current_reservation(job_id)
        if reservation is None:
            raise NotFound("This job reserved no credits.")
        return reservation

    def _close(self, reservation, balance, delta, reason, description):
        # Closing entries land in the reservation's month, where they net out:
        # a job that ends after the month turned never feeds the new month.
        self._set_balance(reservation.user_id, reservation.month, balance + delta)
        entry = CreditEntry(
            user_id=reservation.user_id,
            month=reservation.month,
            delta_credits=delta,
            reason=reason,
            job_id=reservation.job_id,
            round=reservation.round,
            pricing_version=reservation.pricing_version,
            description=description,
            created_at=self.clock(),
        )
        self.db.add(entry)
        self.db.flush()
        count_credits_after_commit(self.db, reason, delta)
        return entry

    @staticmethod
    def _settlement(reservation, closing):
        return Settlement(
            job_id=reservation.job_id,
            user_id=reservation.user_id,
            month=reservation.month,
            reserved=-reservation.delta_credits,
            closed=closing is not None,
            refunded=closing is not None and closing.reason == Reason.JOB_REFUND,
            adjustment=closing.delta_credits if closing is not None else 0,
            round=reservation.round,
        )
