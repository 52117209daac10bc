"""The outbox worker: drains every destination's queue from the lead store, hot leads first.

Why threads inside the kiosk process (one per destination) rather than a separate service: the
kiosk is one process on a Pi with one TinyDB store, and TinyDB has no cross-process locking, so a
second process would need its own locking protocol on the same files; a thread shares the store
object (and its lock) and is woken in microseconds by ``trigger()`` right after a save, which is
what keeps a hot lead's trip to central under 2 s. ``bench/sync_bench.py`` measures the wake-up
path. The CLI (``leadkiosk sync``) runs the same worker in the foreground for operators.

One thread per destination so a slow or rate-limited CRM never delays the central system, and
one request in flight per destination so an older version of a lead can never overtake a newer
one on the way out.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from sync.backoff import Backoff
from sync.errors import AuthError, DestinationConfigError, PermanentError, StoreRefused, SyncError, TransientError
from sync.http import deadline as http_deadline
from sync.record.timestamps import iso
from sync.storeport import SyncStore
from sync.transports.base import ItemResult, PullsUpdates, Transport

log = logging.getLogger("leadkiosk.sync")

IDLE_POLL_S = 30.0
MIN_BATCH = 25
AUTH_MIN_DELAY_S = 60.0
# Pages of central's edits fetched back to back in one pull (central's page is 500 leads): bounded,
# so a central that always says ``more`` cannot hold the sync loop; the rest comes next pull.
MAX_PULL_PAGES = 20


def deliverable_by(kind: str) -> Callable[[dict], bool]:
    """Which lead versions a destination can take now. A locked kiosk's leads carry personal data
    sealed (sync/sealed_record.py): central gets the box sealed to its own key and opens it; a CRM
    needs the clear contact, so for it they wait (pending, no attempt counted) until the kiosk is
    unlocked, or central forwards them."""
    if kind == "central":
        return lambda lead: not isinstance(lead.get("sealed"), dict) or bool(lead["sealed"].get("central"))
    return lambda lead: not isinstance(lead.get("sealed"), dict)


def utc_iso(ts: float | None = None) -> str:
    return iso(datetime.fromtimestamp(time.time() if ts is None else ts, tz=timezone.utc))


@dataclass
class _Lane:
    """Runtime state of one destination (the durable per-lead state lives in the store)."""

    transport: Transport
    backoff: Backoff
    state: str = "idle"     # idle | sending | backoff | auth_error | error | not_configured | stopped
    attempt: int = 0                    # consecutive failed requests
    next_attempt_mono: float = 0.0
    retry_after_floor: bool = False     # the current wait was asked for by the server
    last_error: str | None = None
    last_error_at: float | None = None
    last_success_at: float | None = None
    sent: int = 0
    parked: int = 0
    failed_requests: int = 0
    requests: int = 0
    retry_later: dict[str, tuple[int, float, int]] = field(default_factory=dict)  # id -> (version, due, attempts)
    wake: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    last_config_at: float = 0.0
    last_heartbeat_at: float = 0.0
    last_pull_at: float = 0.0
    pull_since: str | None = None
    pull_loaded: bool = False           # pull_since read from the store's durable mark
    restored: bool = False
    config_etag: str | None = None
    config_error: str | None = None
    inflight: tuple[list[dict], Future] | None = None  # the request on the wire and its batch
    closing: bool = False                     # removed by reconfigure() or worker stopping
    batch_size: int = 0                       # current batch size (AIMD below transport.max_batch)
    replacement: Transport | None = None      # new settings, swapped in between requests
    net: ThreadPoolExecutor | None = None     # the one thread that talks to this destination

    @property
    def name(self) -> str:
        return self.transport.name


class SyncWorker:
    """Delivers every saved lead version to every configured destination exactly once.

    ``store`` is a :class:`sync.storeport.SyncStore` (``kiosk.store.LeadStore``); ``destinations``
    are transports from ``sync.config``. Call ``trigger()`` after every save (and from the "sync now" button) so hot leads leave at once.
    """

    def __init__(self, store: SyncStore, destinations: Sequence[Transport], *,
                 backoff: Callable[[], Backoff] | None = None, idle_poll_s: float = IDLE_POLL_S,
                 on_config: Callable[[dict], None] | None = None, config_interval_s: float = 300.0,
                 heartbeat_interval_s: float = 60.0, store_lock: threading.RLock | None = None,
                 clock: Callable[[], float] = time.time):
        names = [d.name for d in destinations]
        if len(set(names)) != len(names):
            raise SyncError(f"destination names must be unique, got {names}")
        self.store = store
        self.idle_poll_s = idle_poll_s
        self.on_config = on_config
        self.config_interval_s = config_interval_s
        self.heartbeat_interval_s = heartbeat_interval_s
        self.pull_interval_s = 30.0   # central's edits reach the booth within this (and at every sync --once)
        self.clock = clock
        self._store_lock = store_lock or threading.RLock()
        self._make_backoff = backoff or (lambda: Backoff(base_s=0.5, cap_s=60.0))
        self.lanes = {d.name: _Lane(transport=d, backoff=self._make_backoff()) for d in destinations}
        for lane in list(self.lanes.values()):
            reason = getattr(lane.transport, "reason", None)  # config.UnavailableTransport
            if reason:
                lane.state, lane.last_error = "not_configured", reason
        self._stop = threading.Event()
        self._running = False

    # -- public API ------------------------------------------------------------------------
    def start(self) -> None:
        """Start one daemon thread per destination (idempotent)."""
        if self._running:
            return
        self._stop.clear()
        self._running = True
        for lane in list(self.lanes.values()):
            lane.thread = threading.Thread(target=self._run_lane, args=(lane,),
                                           name=f"sync-{lane.name}", daemon=True)
            lane.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the request in flight (a request is never abandoned half-way by us)."""
        self._stop.set()
        for lane in list(self.lanes.values()):
            lane.wake.set()
        deadline = time.monotonic() + timeout
        for lane in list(self.lanes.values()):
            if lane.thread is not None:
                lane.thread.join(max(0.0, deadline - time.monotonic()))
                lane.thread = None
            lane.state = "stopped"
        self._running = False
        for lane in list(self.lanes.values()):
            if lane.net is not None:
                lane.net.shutdown(wait=True)
                lane.net = None
            try:
                lane.transport.close()
            except Exception:  # closing a pool must not hide the real shutdown
                log.debug("closing %s failed", lane.name, exc_info=True)

    def trigger(self, destination: str | None = None) -> None:
        """"Sync now", also called after every save: wake the destinations at once. An
        exponential-backoff wait is cut short (the network may be back; staff asked); a wait the
        server asked for (Retry-After) is still honoured."""
        for lane in list(self.lanes.values()):
            if destination and lane.name != destination:
                continue
            if not lane.retry_after_floor:
                lane.next_attempt_mono = 0.0
            lane.wake.set()

    def reconfigure(self, destinations: Sequence[Transport]) -> None:
        """Apply a changed ``destinations:`` list (a config pulled from central) without a
        restart: new destinations get a lane, removed ones finish their request in flight and
        go, changed ones take the new transport between two requests."""
        new = {d.name: d for d in destinations}
        for name in [n for n in self.lanes if n not in new]:
            lane = self.lanes.pop(name)
            lane.closing = True
            lane.wake.set()
            if lane.thread is not None and lane.thread is not threading.current_thread():
                lane.thread.join(30)
            if lane.net is not None:
                lane.net.shutdown(wait=True)
            lane.transport.close()
        for name, transport in new.items():
            lane = self.lanes.get(name)
            if lane is None:
                lane = self.lanes[name] = _Lane(transport=transport, backoff=self._make_backoff())
                reason = getattr(transport, "reason", None)
                if reason:
                    lane.state, lane.last_error = "not_configured", reason
                if self._running:
                    lane.thread = threading.Thread(target=self._run_lane, args=(lane,),
                                                   name=f"sync-{name}", daemon=True)
                    lane.thread.start()
            elif getattr(transport, "spec_key", None) is None or \
                    getattr(transport, "spec_key", None) != getattr(lane.transport, "spec_key", None):
                lane.replacement = transport
                lane.wake.set()
            else:  # unchanged: keep the running transport (token, rate-limit window)
                transport.close()

    def status(self) -> dict:
        """For the staff area and ``leadkiosk sync status --json``: the store's durable counts
        merged with each destination's live state."""
        with self._store_lock:
            durable = self.store.sync_status(list(self.lanes)) or {}
        out: dict[str, Any] = {"running": self._running, "destinations": {}}
        last_ok = None
        for name, lane in list(self.lanes.items()):
            d = dict(durable.get(name) or {})
            if "pending" not in d:  # the store has never seen this destination: everything waits
                with self._store_lock:
                    d["pending"] = len(self.store.pending(name))
            for key in ("pending", "sent", "failed", "parked"):
                d.setdefault(key, 0)
            d.setdefault("last_success_at", None)
            if lane.last_success_at and (not d["last_success_at"] or utc_iso(lane.last_success_at) > d["last_success_at"]):
                d["last_success_at"] = utc_iso(lane.last_success_at)
            d.update({
                "kind": lane.transport.kind,
                "state": lane.state,
                "last_error": lane.last_error or d.get("last_error"),
                "last_error_at": utc_iso(lane.last_error_at) if lane.last_error_at else None,
                "next_attempt_in_s": round(max(0.0, lane.next_attempt_mono - time.monotonic()), 1)
                if lane.state in ("backoff", "auth_error", "error", "not_configured") else None,
                "requests": lane.requests,
                "failed_requests": lane.failed_requests,
            })
            if lane.config_error:
                d["config_error"] = lane.config_error
            out["destinations"][name] = d
            if d["last_success_at"] and (last_ok is None or d["last_success_at"] > last_ok):
                last_ok = d["last_success_at"]
        out["last_sync_at"] = last_ok
        return out

    def parked(self, limit: int = 50) -> dict[str, list[dict]]:
        """The leads each destination refused, with the reason, so staff can fix and re-save
        them (an edit makes the new version pending again). Newest capture first; reads every
        lead, so it is for the staff screen and the CLI, not for a status poll."""
        out: dict[str, list[dict]] = {name: [] for name in self.lanes}
        with self._store_lock:
            leads = self.store.find()
        for lead in leads:
            for name, entry in (lead.get("sync") or {}).items():
                if name in out and entry.get("state") == "parked" and len(out[name]) < limit \
                        and entry.get("attempt_version", entry.get("version")) == lead.get("version"):
                    c = lead.get("contact") or {}
                    out[name].append({"id": lead["id"], "version": lead.get("version"),
                                      "who": " ".join(x for x in (c.get("first_name"), c.get("last_name")) if x)
                                      or c.get("email") or c.get("registration_id"),
                                      "error": entry.get("last_error"), "at": entry.get("last_attempt_at")})
        return out

    def run_once(self, max_wait_s: float = 10.0, max_attempts: int = 3) -> dict:
        """Drain what can be sent now, in the caller's thread (``leadkiosk sync --once``, tests).
        A failing destination is retried at most ``max_attempts`` times and never waits longer
        than ``max_wait_s`` in total, so the command always ends."""
        deadline = time.monotonic() + max_wait_s
        with http_deadline(deadline):   # a request in flight is cut at the deadline too
            return self._run_once(deadline, max_attempts)

    def _run_once(self, deadline: float, max_attempts: int) -> dict:
        if not self._running:
            self._stop.clear()  # a stopped worker can still be drained by hand
        for lane in list(self.lanes.values()):
            lane.next_attempt_mono = 0.0
            failures = 0
            while not self._stop.is_set():
                outcome = self._step(lane)
                if outcome == "idle":
                    break
                if outcome == "more":
                    continue
                failures += 1
                wait = lane.next_attempt_mono - time.monotonic()
                if failures >= max_attempts or time.monotonic() + max(0.0, wait) > deadline:
                    break
                if wait > 0:
                    time.sleep(wait)
            self._housekeeping(lane)
        return self.status()

    # -- the lane loop ---------------------------------------------------------------------
    def _run_lane(self, lane: _Lane) -> None:
        try:
            self._lane_loop(lane)
        finally:
            try:
                self._finish_inflight(lane)
            except Exception:
                log.exception("sync lane %s: recording the last answer failed", lane.name)

    def _lane_loop(self, lane: _Lane) -> None:
        while not self._stop.is_set() and not lane.closing:
            lane.wake.clear()
            try:
                wait = self._cycle(lane)
            except Exception as exc:  # a bug or a store error must not kill sync for good
                log.exception("sync lane %s crashed a cycle", lane.name)
                lane.state, lane.last_error, lane.last_error_at = "error", f"internal: {exc!r}", self.clock()
                wait = 5.0
            if wait > 0:
                lane.wake.wait(wait)

    def _cycle(self, lane: _Lane) -> float:
        now = time.monotonic()
        if now < lane.next_attempt_mono:
            return lane.next_attempt_mono - now
        outcome = self._step(lane)
        if outcome == "more":
            return 0.0
        if outcome == "idle":
            self._housekeeping(lane)
            due = [d for (_, d, _) in lane.retry_later.values()]
            wait = self.idle_poll_s
            if due:
                wait = min(wait, max(0.05, min(due) - time.monotonic()))
            return wait
        return max(0.0, lane.next_attempt_mono - time.monotonic())

    def _fetch(self, lane: _Lane, exclude: set[str] | frozenset[str] = frozenset()) -> list[dict]:
        size = self._batch_size(lane)
        now = time.monotonic()
        with self._store_lock:
            leads = self.store.pending(lane.name, limit=size + len(lane.retry_later) + len(exclude),
                                       accept=deliverable_by(lane.transport.kind))
        batch = []
        for lead in leads:
            if lead["id"] in exclude:
                continue
            held = lane.retry_later.get(lead["id"])
            if held and held[0] == lead["version"] and held[1] > now:
                continue
            batch.append(lead)
            if len(batch) >= size:
                break
        return batch

    def _step(self, lane: _Lane) -> str:
        """One request (or a few, when a refused batch is halved). Returns ``idle`` (nothing to
        send), ``more`` (sent; maybe more waiting) or ``wait`` (backing off).

        Pipelined for long queues: once a full batch's answer is in, the next batch is read and
        put on the wire *before* this batch's results are written to the store, so the store's
        fsync and the destination's work overlap. Still at most one request in flight per
        destination, and the next batch never holds a lead of the batch being marked."""
        if lane.inflight is None and lane.replacement is not None:
            old, lane.transport, lane.replacement = lane.transport, lane.replacement, None
            old.close()
            reason = getattr(lane.transport, "reason", None)
            lane.state, lane.last_error = ("not_configured", reason) if reason else ("idle", None)
            lane.attempt, lane.next_attempt_mono, lane.retry_after_floor = 0, 0.0, False
        if lane.inflight is None:
            batch = self._fetch(lane)
            if not batch:
                if lane.attempt == 0 and lane.state != "not_configured":
                    lane.state = "idle"
                return "idle"
            lane.state = "sending"
            lane.inflight = (batch, self._submit(lane, batch))
        batch, future = lane.inflight
        lane.inflight = None
        try:
            results = future.result()
        except TransientError as exc:
            # a flaky link loses big requests first: halve (down to MIN_BATCH), grow back on success
            lane.batch_size = max(min(MIN_BATCH, lane.transport.max_batch), len(batch) // 2)
            self._failed(lane, batch, str(exc), exc.retry_after, "backoff")
            return "wait"
        except AuthError as exc:
            self._failed(lane, batch, str(exc), None, "auth_error")
            return "wait"
        except PermanentError as exc:  # not the leads' fault (wrong URL, 404/405): pause, park nothing
            self._failed(lane, batch, str(exc), None, "error")
            return "wait"
        except DestinationConfigError as exc:  # not enrolled / secret missing: nothing was sent
            lane.state, lane.last_error, lane.last_error_at = "not_configured", str(exc), self.clock()
            lane.next_attempt_mono = time.monotonic() + max(self.idle_poll_s, 1.0)
            return "wait"
        if len(batch) >= self._batch_size(lane):
            lane.batch_size = min(lane.transport.max_batch, self._batch_size(lane) * 2)
        if len(batch) >= self._batch_size(lane) and not self._stop.is_set() and not lane.closing:
            try:
                nxt = self._fetch(lane, exclude={l["id"] for l in batch})
            except Exception:  # a store hiccup only costs the overlap; the next step reads again
                log.debug("read-ahead for %s failed", lane.name, exc_info=True)
                nxt = []
            if nxt:
                lane.inflight = (nxt, self._submit(lane, nxt))
        self._apply(lane, results)
        lane.attempt = 0
        lane.retry_after_floor = False
        lane.next_attempt_mono = 0.0
        return "more"

    @staticmethod
    def _batch_size(lane: _Lane) -> int:
        """The transport's ceiling, or less after transient failures (each halves it, down to
        MIN_BATCH) until full batches go through again (each doubles it back): on show Wi-Fi a
        big request is the one that gets cut, on a good link a long queue wants the biggest."""
        ceiling = max(1, lane.transport.max_batch)
        return min(ceiling, lane.batch_size) if lane.batch_size > 0 else ceiling

    def _submit(self, lane: _Lane, batch: list[dict]) -> Future:
        if lane.net is None:
            lane.net = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sync-{lane.name}-net")
        return lane.net.submit(self._send_isolating, lane, batch)

    def _finish_inflight(self, lane: _Lane) -> None:
        """On stop: wait for the request already on the wire and record its answer, so a lead
        central stored is not left looking unsent (it would only be re-sent as a duplicate)."""
        lane.closing = True  # no further read-ahead
        while lane.inflight is not None:
            self._step(lane)

    def _send_isolating(self, lane: _Lane, batch: list[dict]) -> list[ItemResult]:
        """Send; when the destination refuses the whole request (400/413/422), halve the batch
        until the lead it objects to is alone, then park just that lead."""
        lane.requests += 1
        try:
            results = lane.transport.send(batch)
        except PermanentError as exc:
            if not exc.splittable:
                raise
            if exc.status == 413:  # the destination's size limit: stay below it from now on
                lane.batch_size = max(1, len(batch) // 2)
            if len(batch) == 1:
                lead = batch[0]
                return [ItemResult(lead["id"], lead["version"], "parked", str(exc))]
            mid = len(batch) // 2
            return self._send_isolating(lane, batch[:mid]) + self._send_isolating(lane, batch[mid:])
        known = {(r.lead_id, r.version) for r in results}
        for lead in batch:  # silence is never success
            if (lead["id"], lead["version"]) not in known:
                results.append(ItemResult(lead["id"], lead["version"], "retry", "no result from destination"))
        return results

    def _apply(self, lane: _Lane, results: list[ItemResult]) -> None:
        now = self.clock()
        marks = []
        for r in results:
            if r.outcome == "sent" and r.record is not None:
                # the destination merged this version with its own edits: that is the lead now
                try:
                    self.store.take_remote(r.record, lane.name, base_version=r.version)
                except (StoreRefused, ValueError) as exc:   # locked kiosk, odd record: ask again later
                    delay = lane.backoff.delay(1)
                    marks.append((r.lead_id, lane.name, r.version, "failed", f"cannot take central's merge: {exc}",
                                  utc_iso(now + delay)))
                    continue
                lane.retry_later.pop(r.lead_id, None)
                lane.sent += 1
            elif r.outcome == "sent":
                marks.append((r.lead_id, lane.name, r.version, "sent", None, None))
                lane.retry_later.pop(r.lead_id, None)
                lane.sent += 1
            elif r.outcome == "parked":
                marks.append((r.lead_id, lane.name, r.version, "parked", r.error, None))
                lane.retry_later.pop(r.lead_id, None)
                lane.parked += 1
                log.warning("sync %s parked lead %s v%s: %s", lane.name, r.lead_id, r.version, r.error)
            elif r.outcome == "deferred":
                continue
            else:
                prev = lane.retry_later.get(r.lead_id)
                attempts = (prev[2] + 1) if prev and prev[0] == r.version else 1
                delay = lane.backoff.delay(attempts)
                lane.retry_later[r.lead_id] = (r.version, time.monotonic() + delay, attempts)
                marks.append((r.lead_id, lane.name, r.version, "failed", r.error, utc_iso(now + delay)))
        self._mark(marks)
        if any(r.outcome == "sent" for r in results):
            lane.last_success_at = now
        errors = [r.error for r in results if r.outcome != "sent" and r.error]
        if errors:
            lane.last_error, lane.last_error_at = errors[-1], now

    def _failed(self, lane: _Lane, batch: list[dict], error: str, retry_after: float | None, state: str) -> None:
        lane.failed_requests += 1
        lane.attempt += 1
        delay = lane.backoff.delay(lane.attempt, retry_after)
        if state in ("auth_error", "error"):
            delay = max(delay, AUTH_MIN_DELAY_S if lane.backoff.cap_s >= AUTH_MIN_DELAY_S else lane.backoff.cap_s)
        lane.retry_after_floor = retry_after is not None
        lane.next_attempt_mono = time.monotonic() + delay
        now = self.clock()
        # the failures are recorded before the lane says so: a status read in between must not show
        # "backoff" with nothing failed (the staff area would show a red state and no reason)
        self._mark([(l["id"], lane.name, l["version"], "failed", error, utc_iso(now + delay)) for l in batch])
        lane.last_error, lane.last_error_at = error, now
        lane.state = state
        log.info("sync %s: %s (retry in %.1fs)", lane.name, error, delay)

    def _mark(self, marks: list[tuple]) -> None:
        """Record outcomes durably; one call per batch when the store offers it."""
        if not marks:
            return
        with self._store_lock:
            self.store.mark_sync_many(marks)

    # -- central housekeeping: config pull and heartbeat -------------------------------------
    def _pull(self, lane: _Lane, transport: PullsUpdates) -> None:
        """Central's edits of this kiosk's leads become local versions (store.take_remote merges
        them with staff edits made here meanwhile). Where the pull got to is kept by the store
        (a file beside it), moved only once every record it covers is taken: a restart neither
        pulls applied edits again nor skips one made while the kiosk was down."""
        if not lane.pull_loaded:
            lane.pull_since, lane.pull_loaded = self.store.pull_mark(lane.name), True
        for _page in range(MAX_PULL_PAGES):   # ``more``: the next page now, not a pull interval later
            try:
                records, until, more = transport.pull_updates(lane.pull_since)
            except SyncError as exc:
                log.info("lead updates from %s failed: %s", lane.name, exc)
                break
            ok = True
            for record in records:
                try:
                    if self.store.get(str(record.get("id"))) is not None:
                        self.store.take_remote(record, lane.name)
                except (StoreRefused, ValueError) as exc:
                    ok = False   # a locked kiosk: ask again from the same point next time
                    log.info("central's version of lead %s not taken yet: %s", record.get("id"), exc)
            if not ok:
                break
            if until != lane.pull_since:
                try:
                    self.store.set_pull_mark(lane.name, until)
                except (StoreRefused, ValueError) as exc:   # disk trouble, odd mark: this process still moves on
                    log.warning("pull mark of %s not saved (a restart pulls again from the last one): %s",
                                lane.name, exc)
                lane.pull_since = until
            elif more:
                break   # a mark that does not move would fetch the same page again
            if not more:
                break
        if self.store.damage and not lane.restored:
            self._restore(lane, transport)

    def _restore(self, lane: _Lane, transport: PullsUpdates) -> None:
        """The store found damage: leads central already holds that are missing here are fetched
        back (once per process) and the recovery report says so."""
        records: list[dict] = []
        since: str | None = None
        try:
            for _page in range(MAX_PULL_PAGES):
                page = transport.pull_updates(since, everything=True)
                records += page.records
                if not page.more or page.until == since:
                    break
                since = page.until
        except SyncError as exc:
            log.warning("restoring lost leads from %s failed (next sync retries): %s", lane.name, exc)
            return
        restored = []
        for record in records:
            try:
                if self.store.get(str(record.get("id"))) is None:
                    rec = {k: v for k, v in record.items() if k not in ("sync", "base_version")}
                    self.store.save(rec)
                    self.store.mark_sync(rec["id"], lane.name, int(rec["version"]), "sent")
                    restored.append(rec["id"])
            except (StoreRefused, ValueError, KeyError, TypeError) as exc:
                log.warning("lead %s from %s not restored: %s", record.get("id"), lane.name, exc)
        lane.restored = True
        if restored:
            self.store.note_recovery(f"restored {len(restored)} lead(s) from {lane.name} after the damage: "
                                     f"{', '.join(restored)}")

    def _housekeeping(self, lane: _Lane) -> None:
        transport = lane.transport
        if lane.transport.kind != "central" or lane.attempt:
            return
        now = time.monotonic()
        if self.on_config is not None and hasattr(transport, "pull_config") and (
                not lane.last_config_at or now - lane.last_config_at >= self.config_interval_s):
            lane.last_config_at = now
            try:
                data = transport.pull_config(lane.config_etag)  # type: ignore[attr-defined]
                if data is not None:
                    self.on_config(data)
                    lane.config_etag = data.get("etag")
                lane.config_error = None
            except SyncError as exc:
                lane.config_error = f"config pull: {exc}"
                log.warning("%s", lane.config_error)
        if isinstance(transport, PullsUpdates) and (
                not lane.last_pull_at or now - lane.last_pull_at >= self.pull_interval_s):
            lane.last_pull_at = now
            self._pull(lane, transport)
        if hasattr(transport, "heartbeat") and (
                not lane.last_heartbeat_at or now - lane.last_heartbeat_at >= self.heartbeat_interval_s):
            lane.last_heartbeat_at = now
            try:
                st = self.status()
                pending = {n: int(d.get("pending", 0)) for n, d in st["destinations"].items()}
                transport.heartbeat(pending, st.get("last_sync_at"))  # type: ignore[attr-defined]
            except SyncError as exc:
                log.info("heartbeat to %s failed: %s", lane.name, exc)
