"""The notification worker: takes due rows from the durable queue and delivers them.

Why a lease instead of a lock held while sending: each row is claimed by an UPDATE that only
succeeds if the row is still due (pending, retry, or a 'sending' whose lease ran out), so several
server processes never deliver the same row at once, and a process that crashes mid-send leaves a
row that becomes due again when its lease ends. Failures retry with exponential backoff (capped);
nothing is ever dropped. The API wakes the worker when it enqueues, so a hot lead goes out within
one SMTP round trip rather than one poll interval.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, or_, select, update

from central.db import Database
from central.errors import NotificationError
from central.models import Notification
from central.notify.senders import deliver
from central.settings import Settings
from central.timeutil import iso, utcnow

log = logging.getLogger("central.notify")
NOTIFY_CHANNEL = "leadkiosk_notifications"


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    recipient: str
    payload: dict[str, Any]
    attempts: int


def backoff_s(settings: Settings, attempts: int) -> float:
    return min(settings.retry_max_s, settings.retry_base_s * (2 ** max(0, attempts - 1)))


def retry_notification(db: Database, notification_id: int, now: datetime | None = None) -> dict[str, Any] | None:
    """A person's "try again" for a failed (or waiting) row: due now, attempts counted afresh.
    Returns the row's new state, or None when there is no such row."""
    now = now or utcnow()
    with db.write(priority=True) as conn:
        row = conn.execute(update(Notification).where(Notification.id == notification_id,
                                                      Notification.state.in_(("failed", "retry", "pending")))
                           .values(state="pending", attempts=0, next_attempt_at=now, lease_until=None)
                           .returning(Notification.id, Notification.state, Notification.lead_id)).first()
        if row is None:
            found = conn.execute(select(Notification.id, Notification.state, Notification.lead_id)
                                 .where(Notification.id == notification_id)).first()
            return None if found is None else {"id": found.id, "state": found.state, "lead_id": found.lead_id}
    return {"id": row.id, "state": row.state, "lead_id": row.lead_id}


def list_notifications(db: Database, *, state: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The queue as the admin API, the admin page and ``central notifications`` show it."""
    q = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if state:
        q = q.where(Notification.state == state)
    with db.session() as s:
        return [{"id": n.id, "lead_id": n.lead_id, "kind": n.kind, "recipient": n.recipient, "state": n.state,
                 "attempts": n.attempts, "created_at": iso(n.created_at), "sent_at": iso(n.sent_at),
                 "next_attempt_at": iso(n.next_attempt_at), "last_error": n.last_error} for n in s.scalars(q)]


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return or_(and_(Notification.state.in_(("pending", "retry")), Notification.next_attempt_at <= now),
               and_(Notification.state == "sending", Notification.lease_until < now))


class NotificationWorker:
    def __init__(self, db: Database, settings: Settings,
                 deliver_fn: Callable[[Settings, str, str, int, dict], None] = deliver):
        self.db = db
        self.settings = settings
        self.deliver = deliver_fn
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._queue: queue.Queue[Claimed] = queue.Queue()

    def wake(self) -> None:
        self._wake.set()

    def submit(self, items: "list[Claimed]") -> None:
        """Rows the API enqueued already leased to this process (see ``ingest``): delivered
        without touching the database first, which on SQLite under load means without waiting
        for the write lock before the SMTP conversation."""
        for item in items:
            self._queue.put_nowait(item)
        self._wake.set()

    def drain(self) -> int:
        sent = 0
        while not self._stop.is_set():
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            sent += self.deliver_claimed(item)
        return sent

    def run_once(self, limit: int = 50) -> int:
        """Deliver what is due now; return how many were sent."""
        now = self.settings.clock()
        with self.db.begin() as conn:
            ids = [r[0] for r in conn.execute(select(Notification.id).where(_due(now))
                                              .order_by(Notification.next_attempt_at).limit(limit))]
        sent = 0
        for nid in ids:
            if self._stop.is_set():
                break
            sent += self._deliver_one(nid)
        return sent

    def _deliver_one(self, nid: int) -> int:
        now = self.settings.clock()
        with self.db.write(priority=True) as conn:
            row = conn.execute(
                update(Notification).where(Notification.id == nid, _due(now))
                .values(state="sending", lease_until=now + timedelta(seconds=self.settings.lease_s),
                        attempts=Notification.attempts + 1)
                .returning(Notification.kind, Notification.recipient, Notification.payload_json,
                           Notification.attempts)).first()
        if row is None:
            return 0  # another worker claimed it
        if row.attempts > self.settings.max_attempts:
            # Its lease ran out that often: the sender died mid-send each time (a payload that
            # kills the process?). Stop here rather than take the worker down forever.
            with self.db.write(priority=True) as conn:
                conn.execute(update(Notification).where(Notification.id == nid).values(
                    state="failed", lease_until=None, attempts=self.settings.max_attempts,
                    last_error=f"no outcome recorded after {self.settings.max_attempts} attempts (lease expired)"))
            return 0
        return self.deliver_claimed(Claimed(nid, row.kind, row.recipient, row.payload_json, row.attempts))

    def deliver_claimed(self, item: "Claimed") -> int:
        """Send a row this worker holds the lease of, then record the outcome.

        Any exception (not only ``NotificationError``: building the message from a hostile
        payload can raise anything) is written on the row with backoff, so a row never sits in
        ``sending`` with no error; after ``max_attempts`` it is ``failed`` and waits for a person
        (``leadkiosk central notifications --failed``, the admin page) instead of retrying forever."""
        nid = item.id
        try:
            self.deliver(self.settings, item.kind, item.recipient, nid, item.payload)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, see above
            error = str(exc) if isinstance(exc, NotificationError) else f"{type(exc).__name__}: {exc}"
            if item.attempts >= self.settings.max_attempts:
                log.error("notification %s to %s failed %s times; given up until retried: %s",
                          nid, item.recipient, item.attempts, error)
                values: dict[str, Any] = {"state": "failed"}
            else:
                delay = backoff_s(self.settings, item.attempts)
                log.warning("notification %s to %s failed (attempt %s), retry in %.0fs: %s",
                            nid, item.recipient, item.attempts, delay, error)
                values = {"state": "retry", "next_attempt_at": self.settings.clock() + timedelta(seconds=delay)}
            with self.db.write(priority=True) as conn:
                conn.execute(update(Notification).where(Notification.id == nid).values(
                    lease_until=None, last_error=error[:2000], **values))
            return 0
        with self.db.write(priority=True) as conn:
            conn.execute(update(Notification).where(Notification.id == nid).values(
                state="sent", sent_at=self.settings.clock(), lease_until=None, last_error=None))
        return 1

    def run_forever(self, listen: bool = False) -> None:
        """Deliver, then sleep until woken or the poll interval ends. ``listen`` (a worker in its
        own process on PostgreSQL) also wakes on ``NOTIFY leadkiosk_notifications``, which ingest
        sends in the transaction that enqueues, so no poll delay is added."""
        listener = self._listen() if listen and self.db.dialect == "postgresql" else None
        while not self._stop.is_set():
            try:
                self.drain()
                self.run_once()
            except Exception:  # the worker must outlive a database hiccup
                log.exception("notification worker pass failed; retrying")
            if listener is not None:
                try:
                    for _ in listener.notifies(timeout=self.settings.poll_interval_s, stop_after=1):
                        pass
                except Exception:
                    log.exception("LISTEN connection lost; reconnecting")
                    listener = self._listen()
                    self._wake.wait(self.settings.poll_interval_s)
            else:
                self._wake.wait(self.settings.poll_interval_s)
            self._wake.clear()

    def _listen(self):  # type: ignore[no-untyped-def]
        import psycopg
        url = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            conn = psycopg.connect(url, autocommit=True)
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            return conn
        except psycopg.Error:
            log.exception("cannot LISTEN; polling instead")
            return None

    def start(self) -> "NotificationWorker":
        self._thread = threading.Thread(target=self.run_forever, name="leadkiosk-notify", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
