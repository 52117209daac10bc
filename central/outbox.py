"""Delivery of the CRM outbox: lead versions made centrally (review app edits, outcomes) pushed to
the show's CRM destinations.

Why the kiosk's transports (``sync.config.build_transports``): a HubSpot contact or Salesforce lead
must look the same whichever side sent the version, with the same idempotency keys, so a kiosk
re-send and a central push of one version never make two records. Rows are claimed like
notifications (state ``sending`` with ``next_attempt_at`` as the lease end), retried with capped
backoff; a row whose lead already has a newer row for the same destination is marked
``superseded`` instead of being sent (the newer record carries the change).
"""
from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Mapping

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from central.db import Database
from central.models import Lead, Outbox, Show
from central.notify.worker import backoff_s
from central.settings import Settings

log = logging.getLogger("central.outbox")


def _due(now):  # type: ignore[no-untyped-def]
    return or_(and_(Outbox.state.in_(("pending", "retry")), Outbox.next_attempt_at <= now),
               and_(Outbox.state == "sending", Outbox.next_attempt_at < now))


class OutboxWorker:
    def __init__(self, db: Database, settings: Settings, env: Mapping[str, str] | None = None,
                 build: Callable[..., list] | None = None):
        self.db = db
        self.settings = settings
        self.env = env
        self._build = build
        self._transports: dict[tuple[str, str, str], Any] = {}
        self._secrets_dir = Path(tempfile.mkdtemp(prefix="leadkiosk-outbox-"))  # no central.json: env only
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _transport(self, show_id: str, destination: str) -> Any:
        """The transport for a show's destination, or a string saying why there is none."""
        from sync.config import build_transports, parse_destinations
        from sync.errors import SyncError
        with self.db.begin() as conn:
            config = conn.execute(select(Show.config_json).where(Show.id == show_id)).scalar()
        entries = (config or {}).get("destinations") or []
        digest = hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()
        key = (show_id, destination, digest)
        if key in self._transports:
            return self._transports[key]
        try:
            specs = [s for s in parse_destinations(entries, source=f"show {show_id} destinations")
                     if s.name == destination]
        except SyncError as exc:
            return f"show {show_id}: {exc}"
        if not specs:
            return f"show {show_id} has no destination named {destination!r}"
        if specs[0].kind == "central":
            return f"{destination} is the central system itself, not a CRM"
        transport = (self._build or build_transports)(specs, self._secrets_dir, env=self.env)[0]
        self._transports[key] = transport
        return transport

    def run_once(self, limit: int = 50) -> int:
        now = self.settings.clock()
        with self.db.begin() as conn:
            ids = [r[0] for r in conn.execute(select(Outbox.id).where(_due(now)).order_by(Outbox.id).limit(limit))]
        return sum(self._deliver(i) for i in ids if not self._stop.is_set())

    def _finish(self, oid: int, **values: Any) -> None:
        with self.db.write(priority=True) as conn:
            conn.execute(update(Outbox).where(Outbox.id == oid).values(**values))

    def _deliver(self, oid: int) -> int:
        from sync.errors import AuthError, DestinationConfigError, PermanentError, SyncError, TransientError
        now = self.settings.clock()
        newer = aliased(Outbox)
        with self.db.write(priority=True) as conn:
            row = conn.execute(
                update(Outbox).where(Outbox.id == oid, _due(now))
                .values(state="sending", attempts=Outbox.attempts + 1,
                        next_attempt_at=now + timedelta(seconds=self.settings.lease_s))
                .returning(Outbox.lead_id, Outbox.destination, Outbox.version, Outbox.payload_json,
                           Outbox.attempts)).first()
            if row is None:
                return 0
            superseded = conn.execute(select(exists().where(
                newer.lead_id == row.lead_id, newer.destination == row.destination,
                newer.version > row.version))).scalar()
            show_id = (row.payload_json or {}).get("show_id") or conn.execute(
                select(Lead.show_id).where(Lead.id == row.lead_id)).scalar()
        if superseded:
            self._finish(oid, state="superseded", last_error=None)
            return 0
        transport = self._transport(str(show_id), row.destination)
        retry_at = lambda s: self.settings.clock() + timedelta(seconds=s)  # noqa: E731
        if isinstance(transport, str):
            self._finish(oid, state="parked", last_error=transport)
            return 0
        try:
            results = transport.send([row.payload_json])
        except TransientError as exc:
            delay = max(backoff_s(self.settings, row.attempts), exc.retry_after or 0)
            self._finish(oid, state="retry", last_error=str(exc)[:2000], next_attempt_at=retry_at(delay))
            return 0
        except PermanentError as exc:
            self._finish(oid, state="parked", last_error=str(exc)[:2000])
            return 0
        except (AuthError, DestinationConfigError, SyncError) as exc:  # credentials: wait long, then try again
            self._finish(oid, state="retry", last_error=str(exc)[:2000],
                         next_attempt_at=retry_at(self.settings.retry_max_s))
            return 0
        outcome = results[0].outcome if results else "retry"
        if outcome == "sent":
            self._finish(oid, state="sent", sent_at=self.settings.clock(), last_error=None)
            return 1
        if outcome == "parked":
            self._finish(oid, state="parked", last_error=(results[0].error or "refused")[:2000])
            return 0
        self._finish(oid, state="retry", last_error=results[0].error if results else None,
                     next_attempt_at=retry_at(backoff_s(self.settings, row.attempts)))
        return 0

    def pull_outcomes(self) -> None:
        """Read outcomes back from the shows' CRMs when due (the review app's CRM pull, issue 16);
        absent without the review app."""
        try:
            from central.web.crm_pull import pull_due
        except ImportError:
            return
        pull_due(self.db, now=self.settings.clock(), env=self.env)

    def run_forever(self, interval_s: float = 2.0) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a CRM or database hiccup must not end the thread
                log.exception("outbox pass failed; retrying")
            try:
                self.pull_outcomes()
            except Exception:
                log.exception("CRM outcome pull failed; retrying at the next pass")
            self._stop.wait(interval_s)

    def start(self) -> "OutboxWorker":
        self._thread = threading.Thread(target=self.run_forever, name="leadkiosk-outbox", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        for t in self._transports.values():
            try:
                t.close()
            except Exception:
                pass
