"""Leases: the worker running a chunk or an extraction holds a lease on its row, renewed while it lives.

A claim writes a fresh ``lease_token`` and a ``lease_expires_at`` of now plus
``jobs.lease_seconds``, in the same conditional UPDATE that moves the row. The
process's heartbeat (``LeaseKeeper``) pushes the expiry forward every
``jobs.heartbeat_seconds`` for as long as the process lives. A worker that dies
(SIGKILL, a lost node) stops renewing: its lease expires within a lease length
and a sweeper (``recovery``) sends the work again, without waiting for the
broker's visibility timeout.

Every write of a result names the token it was claimed with (fencing): a
worker whose lease was taken over (it stalled past its lease, then woke up)
finds another token, or none, on the row and writes nothing. A delivery that
finds a live lease held by another worker leaves the row to that worker.

Lease times come from each process's clock (naive UTC, like every timestamp
here); a lease of tens of seconds tolerates the skew of NTP-synchronised hosts.
"""

import contextlib
import dataclasses
import datetime
import logging
import os
import threading
import time
import uuid

from sqlalchemy import or_, update
from zope.interface import implementer

from novel_pyramid.config import ConfigurationError
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.jobs.interfaces import ILeaseKeeper

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class LeaseTimings:
    """``jobs.lease_seconds``, ``jobs.heartbeat_seconds`` and ``jobs.sweep_seconds``."""

    lease_seconds: float = 20.0
    heartbeat_seconds: float = 5.0
    sweep_seconds: float = 5.0

    @classmethod
    def from_settings(cls, settings):
        timings = cls(
            settings["jobs.lease_seconds"], settings["jobs.heartbeat_seconds"], settings["jobs.sweep_seconds"]
        )
        if timings.heartbeat_seconds * 2 > timings.lease_seconds:
            raise ConfigurationError(
                "Setting jobs.heartbeat_seconds (JOBS_HEARTBEAT_SECONDS) must be at most half of "
                "jobs.lease_seconds (JOBS_LEASE_SECONDS), so that one late heartbeat does not lose a lease."
            )
        return timings

    def expiry(self, now):
        return now + datetime.timedelta(seconds=self.lease_seconds)


def new_token():
    return uuid.uuid4().hex


def unheld(model, now):
    """The rows no live lease holds: never leased, settled, revoked, or expired (a released lease ends at once)."""
    return or_(model.lease_expires_at.is_(None), model.lease_expires_at < now)


def lease_values(timings, token, now):
    """The columns a claim sets."""
    return {"lease_token": token, "lease_expires_at": timings.expiry(now)}


NO_LEASE = {"lease_token": None, "lease_expires_at": None}


@implementer(ILeaseKeeper)
class LeaseKeeper:
    """The heartbeat of one process: every heartbeat interval, it renews the leases the process's tasks hold.

    One thread per process, however many tasks it runs: a beat is one UPDATE
    per table for all the tokens held. The thread starts with the first lease
    held and ends once none is left, so an idle process (or a web process
    running tasks eagerly) keeps no thread. A forked child (prefork pool)
    inherits the object but not the thread; it starts its own.
    """

    def __init__(self, session_factory, timings):
        self.session_factory = session_factory
        self.timings = timings
        self._reset()

    def _reset(self):
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._held = {}  # token -> model
        self._thread = None

    @contextlib.contextmanager
    def holding(self, model, token):
        """Renew the lease ``token`` on a row of ``model`` until the block ends."""
        if self._pid != os.getpid():
            self._reset()  # a forked child: its parent's thread and leases are not its own
        with self._lock:
            self._held[token] = model
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held.pop(token, None)

    def release(self, model, token):
        """Let the lease expire now, so a sweeper sends the work again at once (best effort)."""
        try:
            with own_transaction(self.session_factory) as (_, db):
                db.execute(
                    update(model)
                    .where(model.lease_token == token)
                    .values(lease_expires_at=utcnow(), updated_at=model.updated_at)
                )
        except Exception:
            # The lease then ends on its own a lease length from the last heartbeat.
            log.warning("Could not release lease %s; it expires by itself", token, exc_info=True)

    def renew(self, held):
        """Push the expiry of the leases ``held`` ({token: model}) forward; return the tokens no row carries now."""
        now = utcnow()
        renewed = set()
        with own_transaction(self.session_factory) as (_, db):
            for model in set(held.values()):
                tokens = [token for token, owner in held.items() if owner is model]
                # updated_at is kept: a heartbeat changes nothing a reader of the row cares about.
                statement = (
                    update(model)
                    .where(model.lease_token.in_(tokens))
                    .values(lease_expires_at=self.timings.expiry(now), updated_at=model.updated_at)
                    .returning(model.lease_token)
                )
                renewed.update(db.scalars(statement))
        return set(held) - renewed

    def _beat(self):
        while True:
            time.sleep(self.timings.heartbeat_seconds)
            with self._lock:
                held = dict(self._held)
                if not held:
                    self._thread = None
                    return
            try:
                lost = self.renew(held)
            except Exception as error:
                # The database may be away for a moment; the lease is longer than two beats.
                log.warning("The lease heartbeat failed; trying again: %s", error)
                continue
            if lost:
                # Their work carries on here, but its results will not be written (fencing).
                log.warning("%d lease(s) were taken over by another worker: %s", len(lost), sorted(lost))
