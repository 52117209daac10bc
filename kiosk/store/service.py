"""The LeadStore service: what the UI, sync and CLI call (contract in ARCHITECTURE.md).

Records live in one TinyDB table (``leads``) on a :class:`JournalStorage` (durable) or a
:class:`MemoryJournalStorage` (the in-memory twin). Queries run over the live in-memory state
with a small index rebuilt at open, so they stay fast at 10,000 leads without TinyDB's
per-query document copies. Every method returns private copies: callers may mutate them freely.
"""
from __future__ import annotations

import copy
import heapq
import logging
import pickle
import re
import threading
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from kiosk.errors import LockedError, StoreError
from kiosk.store.journal import JournalStorage, MemoryJournalStorage
from kiosk.store.pullmarks import FILE_NAME as PULL_MARKS_FILE
from kiosk.store.pullmarks import PullMarks
from kiosk.store.record import (EDITABLE_KEYS, SCHEMA_VERSION, SYNC_STATES, canonical_id, deep_merge, effective_tag,
                                iso, json_copy, migrate, parse_time, utc_now, validate)
from kiosk.store.retention import purged_copy, rescore_one, staff_discarded
from kiosk.store.sealing import NoSealer, Sealer
from kiosk.store.seen import DamageSeen, kept_files
from kiosk.store.table import JournalTable, LeadDB
from sync.record.delivery import apply_mark, is_pending
from sync.record.versioning import new_version, settle_tag
from sync.sealed_record import PERSONAL_TOP_KEYS, SealedRecordError, photo_note, split_personal

log = logging.getLogger("kiosk.store")

TABLE = "leads"


def _copy(doc: Any) -> Any:
    """Deep copy of JSON data; pickle is the fastest measured (about 2x json or deepcopy)."""
    return pickle.loads(pickle.dumps(doc, pickle.HIGHEST_PROTOCOL))


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _key(lead_id: str) -> str:
    """Lookups accept any spelling of a UUID (ids are stored in canonical form); other text is
    looked up as given and simply not found."""
    try:
        return canonical_id(lead_id)
    except StoreError:
        return str(lead_id)


def _set_path(record: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = record
    for part in parts[:-1]:
        if not isinstance(cur.get(part), dict):
            cur[part] = {}
        cur = cur[part]
    cur[parts[-1]] = copy.deepcopy(value)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for search: "müller" finds "Müller" and "Muller"."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _COMBINING.sub("", unicodedata.normalize("NFKD", folded))


def _time_key(value: Any) -> str:
    """Canonical UTC text for ordering; records made by new_lead are already canonical."""
    if isinstance(value, str) and len(value) == 24 and value[-1] == "Z" and value[10] == "T" and value[19] == ".":
        return value
    try:
        return iso(parse_time(value))
    except (StoreError, TypeError):
        return ""


def _norm_time(value: str | datetime | None) -> str | None:
    return None if value is None else iso(parse_time(value))


class LeadStore:
    """Lead records on a TinyDB database whose storage has ``commit``/``transaction``."""

    def __init__(self, db: LeadDB, clock: Callable[[], datetime] = utc_now, sealer: Sealer | None = None) -> None:
        """``clock`` stamps edits, sync marks and purges: tests pass a controlled one. ``sealer``
        seals personal data on the way in and opens it (when unlocked) on the way out; the
        default stores records as they are (see kiosk/store/sealing.py)."""
        self._clock = clock
        self._sealer: Sealer = sealer or NoSealer()
        self._seal_events: list[str] = []
        self._db = db
        self._storage = db.storage
        directory = self._storage.dir
        self._pull_marks = PullMarks(Path(directory) / PULL_MARKS_FILE if directory is not None else None,
                                     readonly=bool(self._storage.readonly), report=self._storage._event)
        self._seen = DamageSeen(None if directory is None else Path(directory),
                                readonly=bool(self._storage.readonly), report=self._storage._event)
        self._acknowledged = 0       # how many of ``damage`` staff have acknowledged in this run
        self._table: JournalTable = db.table(TABLE)  # type: ignore[assignment]
        self._lock = threading.RLock()
        self._by_id: dict[str, str] = {}
        self._keys: dict[str, tuple[str, str | None, str | None]] = {}
        self._by_reg: dict[str, set[str]] = {}
        self._by_email: dict[str, set[str]] = {}
        self._text: dict[str, str] = {}
        self._when: dict[str, str] = {}
        with self._storage.transaction():
            self._reindex(None)
            self._storage.on_change = self._reindex
            self._migrate_old_records()
            self._seal_clear_records()

    def _seal_clear_records(self) -> None:
        """Records written before this data directory had keys are sealed once, at open, in one
        durable change set; the journal is then compacted twice so neither the current nor the
        kept previous generation holds them in clear any more."""
        clear = {doc_id: self._sealer.seal(_copy(doc)) for doc_id, doc in self._live().items()
                 if self._sealer.needs_seal(doc)}
        if not clear:
            return
        try:
            self._replace(clear)
            self._storage.compact()
            self._storage.compact()
            log.info("lead store: sealed the personal data of %d older record(s)", len(clear))
        except StoreError as exc:
            log.warning("lead store: could not seal older records yet: %s", exc)

    @property
    def sealer(self) -> Sealer:
        return self._sealer

    def _out(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """A private copy for the caller: personal data in clear when the sealer is unlocked. A
        sealed box that does not open is damage: reported (``events``, log) and the sealed form
        returned, so the rest of the record (answers, score, sync) stays usable."""
        out = _copy(doc)
        try:
            return self._sealer.reveal(out)
        except SealedRecordError as exc:
            message = f"damaged sealed record: {exc}"
            if message not in self._seal_events:
                self._seal_events.append(message)
                log.error("lead store: %s", message)
            out["sealed"]["damage"] = str(exc)
            return out

    def _migrate_old_records(self) -> None:
        """The migration hook for older files: records of an older schema are brought up to date
        once, at open, in one durable change set. Where that cannot be written yet (read-only
        card) they are migrated again at the next open; records of a newer schema are left as
        they are (an older build must not rewrite what it does not understand)."""
        old: dict[str, dict[str, Any]] = {}
        for doc_id, doc in self._live().items():
            if doc.get("schema") != SCHEMA_VERSION:
                try:
                    old[doc_id] = migrate(doc)
                except StoreError as exc:
                    log.warning("lead store: %s", exc)
        if old:
            try:
                self._replace(old)
                log.info("lead store: migrated %d record(s) to schema %d", len(old), SCHEMA_VERSION)
            except StoreError as exc:
                log.warning("lead store: could not write migrated records yet: %s", exc)

    # --- index -------------------------------------------------------------------------------
    def _live(self) -> dict[str, dict[str, Any]]:
        return (self._storage.read() or {}).get(TABLE, {})

    def _reindex(self, changed: "set[tuple[str, str]] | None") -> None:
        self._table.clear_cache()  # another process changed the data under TinyDB's query cache
        live = self._live()
        if changed is None:
            self._by_id.clear(), self._keys.clear(), self._by_reg.clear(), self._by_email.clear()
            self._text.clear(), self._when.clear()
            for doc_id, doc in live.items():
                self._add_doc(doc_id, doc)
        else:
            for table, doc_id in changed:
                if table == TABLE:
                    self._index_doc(doc_id, live)

    def _index_doc(self, doc_id: str, live: Mapping[str, Any]) -> None:
        old = self._keys.pop(doc_id, None)
        if old:
            lead_id, reg, email = old
            if self._by_id.get(lead_id) == doc_id:
                del self._by_id[lead_id]
            if reg:
                self._by_reg.get(reg, set()).discard(doc_id)
            if email:
                self._by_email.get(email, set()).discard(doc_id)
            self._text.pop(doc_id, None)
            self._when.pop(doc_id, None)
        doc = live.get(doc_id)
        if doc is not None:
            self._add_doc(doc_id, doc)

    def _add_doc(self, doc_id: str, doc: Mapping[str, Any]) -> None:
        sealed = doc.get("sealed")
        if isinstance(sealed, dict):
            dedup = sealed.get("dedup") or {}
            reg, email = dedup.get("registration_id"), dedup.get("email")
        else:
            contact = doc.get("contact") or {}
            reg, email = self._sealer.dedup_keys(contact.get("registration_id"), contact.get("email"))
        self._keys[doc_id] = (doc.get("id"), reg, email)
        self._by_id[doc.get("id")] = doc_id
        if reg:
            self._by_reg.setdefault(reg, set()).add(doc_id)
        if email:
            self._by_email.setdefault(email, set()).add(doc_id)
        self._when[doc_id] = _time_key(doc.get("captured_at"))

    def _text_of(self, doc_id: str, doc: Mapping[str, Any]) -> str:
        """Folded "first last / last first / company", computed at the first text search (most
        opens never search, so the index build at open stays cheap)."""
        text = self._text.get(doc_id)
        if text is None:
            if isinstance(doc.get("sealed"), dict):  # searchable only once unlocked; never cached locked
                if self._sealer.locked:
                    return ""
                try:
                    doc = self._sealer.reveal(_copy(doc))
                except SealedRecordError:
                    return ""
                if isinstance(doc.get("sealed"), dict):
                    return ""
            contact = doc.get("contact") or {}
            first, last = contact.get("first_name") or "", contact.get("last_name") or ""
            text = self._text[doc_id] = _fold(f"{first} {last}\n{last} {first}\n{contact.get('company') or ''}")
        return text

    def _doc(self, lead_id: str) -> tuple[str, dict[str, Any]]:
        doc_id = self._by_id.get(_key(lead_id))
        doc = self._live().get(doc_id) if doc_id else None
        if doc is None:
            raise StoreError(f"no lead with id {lead_id!r} in this store")
        return doc_id, doc  # type: ignore[return-value]

    def _replace(self, docs: dict[str, dict[str, Any]]) -> None:
        if docs:
            self._table.replace_many({int(k): v for k, v in docs.items()})
            live = self._live()
            for doc_id in docs:
                self._index_doc(doc_id, live)

    # --- the API -----------------------------------------------------------------------------
    def save(self, lead: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new lead; returns only once it is durable. Saving the identical record again
        (a double tap) is a no-op; a different record with a known id must go through edit."""
        rec = migrate(json_copy(dict(lead)))
        if "id" in rec:
            rec["id"] = canonical_id(rec["id"])
        validate(rec)
        rec.setdefault("sync", {})
        rec.setdefault("history", [])
        rec.setdefault("purged", False)
        with self._lock, self._storage.transaction():
            doc_id = self._by_id.get(rec["id"])
            if doc_id is not None:
                existing = self._live()[doc_id]
                if self._same(existing, rec):
                    return json_copy(rec)
                raise StoreError(f"lead {rec['id']} is already saved (version {existing.get('version')}); "
                                 "use edit to change it")
            stored = self._sealer.seal(json_copy(rec))
            try:
                new_id = self._table.insert(stored)
            except ValueError:  # doc id taken by another process a moment ago: take the next
                self._table._next_id = None
                new_id = self._table.insert(stored)
            self._index_doc(str(new_id), self._live())
            return json_copy(rec)  # the caller's own data: in clear even when locked

    def _same(self, stored: Mapping[str, Any], clear: Mapping[str, Any]) -> bool:
        """Is ``clear`` the record already stored (a double tap)? Compared without opening it."""
        if not isinstance(stored.get("sealed"), dict):
            return dict(stored) == dict(clear)
        blanked, _ = split_personal(clear)
        rest = {k: v for k, v in stored.items() if k != "sealed"}
        return rest == blanked and self._sealer.same_personal(stored, clear)

    def get(self, lead_id: str) -> dict[str, Any] | None:
        with self._lock, self._storage.transaction():
            doc_id = self._by_id.get(_key(lead_id))
            doc = self._live().get(doc_id) if doc_id else None
            return self._out(doc) if doc is not None else None

    def edit(self, lead_id: str, changes: Mapping[str, Any], actor: str) -> dict[str, Any]:
        """Deep-merge ``changes``, bump the version and record old/new values with the actor.
        An edit that changes nothing returns the record as it was (no new version)."""
        bad = sorted(set(changes) - EDITABLE_KEYS)
        if bad:
            raise StoreError(f"cannot edit {', '.join(bad)}: editable fields are {', '.join(sorted(EDITABLE_KEYS))}")
        changes = json_copy(dict(changes))
        with self._lock, self._storage.transaction():
            doc_id, stored = self._doc(lead_id)
            cur = self._out(stored)
            personal = {k: changes[k] for k in PERSONAL_TOP_KEYS if k in changes}
            locked = isinstance(cur.get("sealed"), dict)
            if locked and personal:
                if cur["sealed"].get("damage"):
                    raise StoreError(f"lead {lead_id}: its sealed personal data is damaged and cannot be edited")
                if not isinstance(personal.get("contact", {}), dict):
                    raise LockedError(f"lead {lead_id}: the kiosk is locked; unlock it to change contact details or notes")
                changes = {k: v for k, v in changes.items() if k not in personal}
            new = _copy(cur)
            diff = deep_merge(new, changes)
            if "card_photo" in diff:   # its size in history, not the photo again
                diff["card_photo"] = {"old": photo_note(diff["card_photo"]["old"]),
                                      "new": photo_note(diff["card_photo"]["new"])}
            if locked and personal:  # sealed on top, unread: the old values stay sealed
                for path in ([f"contact.{k}" for k in personal.get("contact", {})] + (["notes"] if "notes" in personal else [])
                             + (["card_photo"] if personal.get("card_photo") is not None else [])):
                    diff[path] = {"sealed": True}
            settle_tag(new, diff)
            if not diff:
                return _copy(cur)
            from sync.merge import resolve
            resolve(new, list(diff))      # staff set these fields: their two-way conflicts are settled
            new_version(new, diff, actor=actor, at=self._clock(), previous=int(cur.get("version", 1)))
            if locked and personal:
                new["sealed"] = self._sealer.seal_change(cur["sealed"], personal, len(new["history"]) - 1)
                self._replace({doc_id: new})
                return new
            self._replace({doc_id: self._sealer.seal(_copy(new))})
            return new

    def take_remote(self, record: Mapping[str, Any], destination: str = "central",
                    base_version: int | None = None) -> dict[str, Any]:
        """Central's newer version of one of this kiosk's leads (its edits, or its merge of ours)
        becomes the local record; returns it.

        ``base_version`` is the local version central built on (default: the last version it
        confirmed). Staff edits made here after that version are merged field by field against
        it (sync.merge): different fields both survive, a same-field edit is kept in
        ``conflicts`` (shown in the staff area) and the result is a new local version, pending.
        Without local edits the remote version is taken as it is and counts as sent. A version
        not newer than what central already confirmed is ignored (a repeated answer)."""
        from sync.merge import merge_records, touched

        remote = json_copy(dict(record))
        remote["id"] = canonical_id(remote.get("id"))
        remote_v = remote.get("version")
        if not isinstance(remote_v, int) or isinstance(remote_v, bool) or remote_v < 1:
            raise StoreError(f"lead {remote['id']}: remote version must be a positive integer")
        with self._lock, self._storage.transaction():
            doc_id, stored = self._doc(remote["id"])
            cur = self._out(stored)
            if isinstance(cur.get("sealed"), dict):
                raise LockedError(f"lead {remote['id']}: the kiosk is locked; central's edits are taken once unlocked")
            entry = (cur.get("sync") or {}).get(destination) or {}
            confirmed = int(entry.get("sent_version") or 0)
            if remote_v <= confirmed:
                return cur
            base_v = confirmed if base_version is None else int(base_version)
            local_edits = [h for h in cur.get("history") or []
                           if isinstance(h, dict) and isinstance(h.get("version"), int) and h["version"] > base_v]
            keep = {k: cur[k] for k in ("captured_at", "clock", "sync", "purged") if k in cur}
            now_at = self._clock()
            now = iso(now_at)
            if not local_edits:
                new = {**remote, **keep, "version": remote_v}
            else:
                base = _copy(cur)            # the record as it was at base_v: undo later local edits
                for h in reversed(local_edits):
                    for path, change in (h.get("changes") or {}).items():
                        if isinstance(change, dict):
                            _set_path(base, path, change.get("old"))
                merged, _conflicts = merge_records(
                    base, cur, remote, at=now, kiosk_touched=touched(local_edits, base_v),
                    central_touched=touched(remote.get("history"), base_v))
                new = {**merged, **keep, "history": list(remote.get("history") or [])}
                entry = new_version(new, {p: c for h in local_edits for p, c in (h.get("changes") or {}).items()},
                                    actor="merge with central", at=now_at, previous=remote_v)
                entry["local_history"] = local_edits
            new.pop("base_version", None)
            new.setdefault("sync", {})
            apply_mark(new, destination, remote_v, "sent", None, None, now)
            self._replace({doc_id: self._sealer.seal(_copy(new))})
            return new

    def find(self, tag: str | None = None, discarded: bool | None = None, staff: str | None = None,
             since: str | datetime | None = None, until: str | datetime | None = None,
             text: str | None = None, show_id: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Leads matching every given filter, newest capture first. ``since`` is inclusive,
        ``until`` exclusive; ``text`` matches name and company, ignoring case and accents."""
        lo, hi = _norm_time(since), _norm_time(until)
        needle = _fold(text.strip()) if text else None
        with self._lock, self._storage.transaction():
            if self._sealer.locked and self._text:
                self._text.clear()  # names found while unlocked leave memory once locked
            live = self._live()
            hits = []
            for doc_id, doc in live.items():
                if tag is not None and effective_tag(doc) != tag:
                    continue
                if discarded is not None and bool((doc.get("score") or {}).get("discarded")) != discarded:
                    continue
                if staff is not None and doc.get("staff") != staff:
                    continue
                if show_id is not None and doc.get("show_id") != show_id:
                    continue
                when = self._when.get(doc_id, "")
                if (lo and when < lo) or (hi and when >= hi):
                    continue
                if needle and needle not in self._text_of(doc_id, doc):
                    continue
                hits.append(doc_id)
            when = self._when
            if limit is not None:  # a screen's page: no need to sort all 10,000
                hits = heapq.nlargest(limit, hits, key=lambda d: when.get(d, ""))
            else:
                hits.sort(key=lambda d: when.get(d, ""), reverse=True)
            return [self._out(live[d]) for d in hits]

    def count(self) -> int:
        with self._lock, self._storage.transaction():
            return len(self._live())

    def find_duplicate(self, registration_id: str | None = None, email: str | None = None,
                       show_id: str | None = None) -> dict[str, Any] | None:
        """The first capture of the same person (by registration id, else email), so the UI can say
        "already captured at 10:42 by Ana". Purged leads have no contact left and never match."""
        with self._lock, self._storage.transaction():
            live = self._live()
            ids: set[str] = set()
            reg_key, email_key = self._sealer.dedup_keys(registration_id, email)
            if reg_key:
                ids |= self._by_reg.get(reg_key, set())
            if email_key:
                ids |= self._by_email.get(email_key, set())
            docs = [live[d] for d in ids if d in live and not live[d].get("purged")
                    and (show_id is None or live[d].get("show_id") == show_id)]
            if not docs:
                return None
            return self._out(min(docs, key=lambda d: _time_key(d.get("captured_at"))))

    def pending(self, destination: str, limit: int | None = None,
                due_before: str | datetime | None = None,
                accept: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Lead versions still to deliver to ``destination``: hot first, then oldest capture.
        With ``due_before``, leads whose ``next_attempt_at`` is later are left out (backoff).
        ``accept`` sees each record as it would be returned (sealed while locked) and leaves out
        those the destination cannot take now, before ``limit`` counts."""
        due = _norm_time(due_before)
        with self._lock, self._storage.transaction():
            live = self._live()
            hits = []
            for doc_id, doc in live.items():
                if not is_pending(doc, destination):
                    continue
                if due:
                    nxt = ((doc.get("sync") or {}).get(destination) or {}).get("next_attempt_at")
                    if nxt and _time_key(nxt) > due:
                        continue
                hits.append((0 if effective_tag(doc) == "hot" else 1, self._when.get(doc_id, ""), doc_id))
            if accept is None:
                hits = heapq.nsmallest(limit, hits) if limit is not None else sorted(hits)
                return [self._out(live[d]) for _, _, d in hits]
            out = []
            for _, _, d in sorted(hits):
                rec = self._out(live[d])
                if accept(rec):
                    out.append(rec)
                    if limit is not None and len(out) >= limit:
                        break
            return out

    def mark_sync(self, lead_id: str, destination: str, version: int, state: str,
                  error: str | None = None, next_attempt_at: str | datetime | None = None) -> None:
        """Record a delivery attempt. Not an edit: the version and history stay as they are."""
        self.mark_sync_many([(lead_id, destination, version, state, error, next_attempt_at)])

    def mark_sync_many(self, marks: Iterable[tuple[str, str, int, str, str | None, str | datetime | None]]) -> None:
        """Several ``mark_sync`` calls as one durable change set (one fsync per sync batch).
        Each mark is ``(lead_id, destination, version, state, error, next_attempt_at)``; all or
        none are recorded, and an unknown lead or state refuses the whole batch."""
        marks = list(marks)
        for mark in marks:
            if mark[3] not in SYNC_STATES:
                raise StoreError(f"sync state {mark[3]!r} is not one of {', '.join(SYNC_STATES)}")
        with self._lock, self._storage.transaction():
            changed: dict[str, dict[str, Any]] = {}
            now = iso(self._clock())
            for lead_id, destination, version, state, error, next_attempt_at in marks:
                doc_id, cur = self._doc(lead_id)
                new = changed.get(doc_id) or _copy(cur)
                apply_mark(new, destination, int(version), state, error, _norm_time(next_attempt_at), now)
                changed[doc_id] = new
            self._replace(changed)

    def sync_status(self, destinations: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """Per destination: ``pending`` (every version still to deliver, failed ones included),
        ``sent``, ``failed``, ``parked``, ``last_success_at``, ``last_error``. Destinations given
        explicitly appear even before their first attempt."""
        with self._lock, self._storage.transaction():
            live = self._live()
            dests = set(destinations or ())
            for doc in live.values():
                dests.update((doc.get("sync") or {}).keys())
            out: dict[str, dict[str, Any]] = {}
            for dest in sorted(dests):
                st = {"pending": 0, "sent": 0, "failed": 0, "parked": 0, "last_success_at": None, "last_error": None}
                last_err_at = ""
                for doc in live.values():
                    entry = (doc.get("sync") or {}).get(dest) or {}
                    version = doc.get("version", 1)
                    if is_pending(doc, dest):
                        st["pending"] += 1
                        if entry.get("state") == "failed":
                            st["failed"] += 1
                    elif (entry.get("sent_version") or 0) >= version:
                        st["sent"] += 1
                    elif entry.get("state") == "parked":
                        st["parked"] += 1
                    if entry.get("sent_at") and (st["last_success_at"] or "") < entry["sent_at"]:
                        st["last_success_at"] = entry["sent_at"]
                    if entry.get("last_error") and (entry.get("last_attempt_at") or "") >= last_err_at:
                        last_err_at = entry.get("last_attempt_at") or ""
                        st["last_error"] = entry["last_error"]
                out[dest] = st
            return out

    def rescore(self, form: Any, show_id: str | None = None, actor: str = "rescore") -> int:
        """Score every lead made with ``form`` (same form id) again, keeping staff overrides and
        staff discards; changed leads get a new version. Returns how many changed. One durable
        change set for all of them, so a crash rescores all or none."""
        from forms import score as score_answers  # lazy: the CLI's --help must stay light

        changed: dict[str, dict[str, Any]] = {}
        with self._lock, self._storage.transaction():
            now = self._clock()
            for doc_id, doc in self._live().items():
                old = doc.get("score") or {}
                if old.get("form_id") not in (None, getattr(form, "id", None)):
                    continue
                if show_id is not None and doc.get("show_id") != show_id:
                    continue
                try:
                    result = rescore_one(score_answers, form, doc.get("answers") or {}, old.get("override"))
                except Exception as exc:  # forms raises its own errors; one bad lead must not stop the rest
                    log.warning("rescore: lead %s kept its score: %s", doc.get("id"), exc)
                    continue
                if old.get("discarded") and not result.get("discarded") and staff_discarded(doc):
                    result["discarded"], result["discard_reason"] = True, old.get("discard_reason")
                new = _copy(doc)
                diff = deep_merge(new.setdefault("score", {}), result, "score.")
                if not diff:
                    continue
                new_version(new, diff, actor=actor, at=now, previous=int(doc.get("version", 1)))
                changed[doc_id] = new
            self._replace(changed)
        return len(changed)

    def purge(self, retention_days: int = 30, destination: str = "central", now: datetime | None = None) -> int:
        """Remove contact details (and notes, and their traces in history) of leads that
        ``destination`` confirmed (this version) more than ``retention_days`` ago. The id, tag,
        scores and answers stay. Not an edit: purging must not make the lead pending again, or
        the empty record would overwrite central's copy."""
        if retention_days < 0:
            raise StoreError(f"retention_days must be >= 0, got {retention_days}")
        now = now or self._clock()
        cutoff = iso(now - timedelta(days=retention_days))
        stamp = iso(now)
        changed: dict[str, dict[str, Any]] = {}
        with self._lock, self._storage.transaction():
            for doc_id, doc in self._live().items():
                if doc.get("purged"):
                    continue
                entry = (doc.get("sync") or {}).get(destination) or {}
                if (entry.get("sent_version") or 0) < doc.get("version", 1) or not entry.get("sent_at"):
                    continue
                if _time_key(entry["sent_at"]) > cutoff:
                    continue
                new = purged_copy(doc, stamp)
                changed[doc_id] = new
            self._replace(changed)
        return len(changed)

    def compact(self) -> None:
        """Fold the journal into a new snapshot (a maintenance hook; saves do it when needed)."""
        self._storage.compact()

    def note_recovery(self, message: str) -> None:
        """Add a line to the recovery report (recovery.log), e.g. leads restored from central."""
        self._storage._event(message)

    def pull_mark(self, destination: str) -> str | None:
        """Where ``destination``'s pull of its own edits of these leads got to (the ``until`` of
        the last pull whose records were all taken); None: pull everything (first pull, or the
        mark file was unusable, which the recovery report then says)."""
        return self._pull_marks.get(destination)

    def set_pull_mark(self, destination: str, mark: str | None) -> None:
        """Remember the pull mark durably (a file beside the store, written atomically): a restarted
        kiosk neither pulls applied edits again nor skips one made while it was down."""
        self._pull_marks.set(destination, mark)

    @property
    def damage(self) -> list[str]:
        """Data lost or at risk found when the store was opened (a missing, emptied, replaced or
        cut journal, damaged lines with the lead ids they held). Non-empty means: say so loudly
        (commands exit non-zero, the kiosk shows a banner, sync status reports it)."""
        return list(self._storage.damage) + list(self._seal_events)

    @property
    def preserved(self) -> list[str]:
        """Where the damaged files were kept (full paths, ``*.damaged-<UTC time>``), for the staff
        screens; empty when nothing was left to keep (a deleted journal) or the store is read-only."""
        return list(dict.fromkeys(str(p) for p in self._storage.preserved))

    @property
    def location(self) -> str | None:
        """The store's folder on disk (None: the in-memory twin), where ``recovery.log`` is."""
        return None if self._storage.dir is None else str(self._storage.dir)

    @property
    def damage_kept_earlier(self) -> list[str]:
        """Damaged files kept by an earlier start that staff have not acknowledged (full paths):
        after a restart the store opens whole, and these keep the kiosk's banner up."""
        now = set(self.preserved)
        seen = self._seen.seen()
        return [str(p) for p in kept_files(self._storage.dir) if str(p) not in now and p.name not in seen]

    @property
    def unacknowledged_damage(self) -> list[str]:
        """``damage`` minus what staff acknowledged in this run, plus one line for damage kept by an
        earlier start and not acknowledged: what the kiosk's banner shows. Commands still use ``damage``."""
        out = self.damage[self._acknowledged:]
        earlier = self.damage_kept_earlier
        if earlier:
            out.append(f"damage found on an earlier start ({len(earlier)} damaged file(s) kept; see recovery.log)")
        return out

    def acknowledge_damage(self, actor: str) -> None:
        """Staff saw the damage report: the banner goes, here and after restarts (kept files by name in
        ``damage_seen.json``); the files themselves stay. Noted in the recovery report."""
        kept = [Path(p).name for p in self.preserved] + [Path(p).name for p in self.damage_kept_earlier]
        with self._lock:
            self._seen.acknowledge(kept)
            self._acknowledged = len(self.damage)
        self._storage._event(f"damage report acknowledged by {actor or 'staff'}"
                             + (f" (kept files: {', '.join(kept)})" if kept else ""))

    @property
    def lost_ids(self) -> list[str]:
        """Lead ids the damage named (where readable), for the report and the restore from central."""
        return list(self._storage.lost_ids)

    @property
    def events(self) -> list[str]:
        """Recovery events since open (damaged files moved aside, read-only periods, sealed
        records whose box does not open)."""
        return list(self._storage.events) + list(self._seal_events)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "LeadStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemoryLeadStore(LeadStore):
    """The in-memory twin: the same service over :class:`MemoryJournalStorage`."""

    def __init__(self, clock: Callable[[], datetime] = utc_now, sealer: Sealer | None = None) -> None:
        super().__init__(LeadDB(storage=MemoryJournalStorage), clock=clock, sealer=sealer)


def open_store(data_dir: str | Path, clock: Callable[[], datetime] = utc_now, sealer: Sealer | None = None,
               readonly: bool = False) -> LeadStore:
    """Open (creating if needed) the durable store in ``DATA/leads``; raises StoreError.

    Without ``sealer``, a data directory that has keys (``DATA/keys/kiosk.keys``) gets a locked
    ``kiosk.seal.KeySealer`` anyway: no caller can write personal data in clear by forgetting to
    pass one. ``kiosk/bootstrap.py`` passes the kiosk's own (the one the unlock screen opens)."""
    if sealer is None:
        from kiosk.seal import SealError, sealer_for
        try:
            sealer = sealer_for(data_dir)
        except SealError as exc:
            raise StoreError(f"cannot open the lead store: {exc}") from None
    return LeadStore(LeadDB(str(Path(data_dir) / "leads"), storage=JournalStorage, readonly=readonly,
                            clock=lambda: clock().timestamp()), clock=clock, sealer=sealer)
