"""Lead ingest: one batch of lead versions from one device, stored in one transaction.

The rules (the kiosk marks a lead sent on stored, duplicate and stale):
- stored: this version is new and now the latest; duplicate: this exact version is already here
  (a re-send after a lost response); stale: a newer version is here (older never overwrites newer);
- conflict: the id belongs to another device; rejected: malformed, with the reason.
- A lead that arrives hot or warm, is raised, or gets new notes is routed (``central.sales.alerts``:
  reps' dials, routing rules, default owner) and its alerts are queued in the same transaction;
  UNIQUE(lead, kind, recipient, event) makes a second enqueue a no-op, so sales hear once.

Why bulk statements: the target is thousands of leads per second from a fleet, so a batch costs one
SELECT for the ids it names and one multi-row INSERT per table, not a round trip per lead.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import JSON, Connection, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from central.clock import ClockSample, correct, load_anchors, record_sample
from central.db import Database, json_dumps
from central.devices import AuthDevice
from central.errors import DatabaseUnavailable
from central.leadcheck import CheckedLead, Malformed, check_lead
from central.models import Device, Lead, LeadHistory, LeadVersion, Notification, Show
from central.notify.worker import Claimed
from central.sales.alerts import AlertLead, plan, rank_of, write_assignments
from central.settings import Settings
from central.timeutil import parse_iso

if TYPE_CHECKING:
    from central.notify.worker import NotificationWorker

MAX_RACE_RETRIES = 3


class _Race(Exception):
    """Another request changed one of our leads between our SELECT and our write: redo the batch."""


@dataclass
class BatchOutcome:
    results: list[dict[str, Any]]
    notifications: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _history_rows(lead: CheckedLead, after_version: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for entry in lead.record.get("history") or []:
        v = entry.get("version")
        if isinstance(v, bool) or not isinstance(v, int) or v <= after_version or v > lead.version:
            continue
        try:
            at = parse_iso(entry.get("at"))
        except ValueError:
            at = now
        actor = entry.get("actor")
        changes = entry.get("changes")
        rows.append({"lead_id": lead.id, "version": v, "at": at, "source": "kiosk",
                     "actor": actor[:200] if isinstance(actor, str) else None,
                     "changes_json": changes if isinstance(changes, dict) else {}})
    return rows


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Many rows at once. On PostgreSQL through COPY, several times faster than a pipelined
    executemany (one statement per row) or a multi-row VALUES (the driver's query parsing
    dominates); a duplicate key still raises IntegrityError, as an INSERT would."""
    if conn.dialect.name != "postgresql" or len(rows) < 8:
        conn.execute(insert(table), rows)
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    json_cols = {c.name for c in columns if isinstance(c.type, JSON)}
    names = ", ".join(f'"{c.name}"' for c in columns)
    import psycopg
    raw = conn.connection.driver_connection
    try:
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json_dumps(row[c.name]) if c.name in json_cols else row[c.name] for c in columns])
    except psycopg.errors.UniqueViolation as exc:
        raise IntegrityError(f"COPY into {table.name}", None, exc) from None


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """INSERT ... ON CONFLICT DO NOTHING, one row at a time (hot leads are few) so RETURNING
    tells exactly which rows are new; returns them with their ids."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    ids = []
    for row in rows:
        new = conn.execute(dialect_insert(table).values(**row).on_conflict_do_nothing()
                           .returning(table.c.id)).scalar()
        if new is not None:
            ids.append((row, new))
    return ids


class _Unopened(dict):  # type: ignore[type-arg]
    """A sealed lead central could not open (kept as the raw dict for its id/version)."""

    def __init__(self, raw: dict[str, Any], reason: str) -> None:
        super().__init__(raw)
        self.reason = reason


def _unseal(db: Database, device: AuthDevice, raw_leads: list[Any]) -> list[Any]:
    """Leads from a locked kiosk carry their personal data sealed to central's key for that
    device (sync/sealed_record.py): opened here, so everything after ingest sees the clear record
    exactly as from an unlocked kiosk."""
    if not any(isinstance(r, dict) and isinstance(r.get("sealed"), dict) for r in raw_leads):
        return raw_leads
    from central.device_keys import central_private_key
    from sync.sealed_record import SealedRecordError, open_for_central

    with db.begin() as conn:
        key = central_private_key(conn, device.id)
    out: list[Any] = []
    for raw in raw_leads:
        if not (isinstance(raw, dict) and isinstance(raw.get("sealed"), dict)):
            out.append(raw)
        elif key is None:
            out.append(_Unopened(raw, "sealed personal data, but this device never asked for its central key"))
        else:
            try:
                out.append(open_for_central(raw, key))
            except SealedRecordError as exc:
                out.append(_Unopened(raw, f"sealed personal data: {exc}"))
    return out


@functools.lru_cache(maxsize=32)
def _kinds_of(form_yaml: str) -> dict[str, str]:
    from forms import FormError, load_form_text
    try:
        return {q.id: q.kind for q in load_form_text(form_yaml, source="<show form>").questions}
    except FormError:
        return {}


def answer_kinds(db: Database, show_id: str) -> dict[str, str]:
    """Question id -> kind from the show's current form (parsed once per form text), so ingest
    can refuse an answer of the wrong shape; {} when the show has no form."""
    with db.begin() as conn:
        form_yaml = conn.execute(select(Show.form_yaml).where(Show.id == show_id)).scalar()
    return _kinds_of(form_yaml) if form_yaml else {}


def ingest_batch(db: Database, device: AuthDevice, raw_leads: list[Any], settings: Settings, *,
                 now: datetime, clock: ClockSample | None = None, strict_unicode: bool = False,
                 worker: "NotificationWorker | None" = None,
                 first: Callable[[Connection], None] | None = None) -> BatchOutcome:
    """``first`` runs at the start of the write transaction (the API's replay check), so it
    commits or rolls back with the batch. With an in-process ``worker``, new notifications are
    leased to it in the same transaction and handed over after the commit."""
    checked: list[CheckedLead | None] = []
    results: list[dict[str, Any]] = []
    raw_leads = _unseal(db, device, raw_leads)
    kinds = answer_kinds(db, device.show_id)
    for raw in raw_leads:
        try:
            if isinstance(raw, _Unopened):
                raise Malformed(raw.reason)
            lead = check_lead(raw, device_show_id=device.show_id, product_question=settings.product_interest_question,
                              follow_up_question=settings.follow_up_question, strict_unicode=strict_unicode,
                              answer_kinds=kinds)
            checked.append(lead)
            results.append({"id": lead.id, "version": lead.version, "status": None, "reason": None})
        except Malformed as exc:
            checked.append(None)
            rid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
            rver = raw.get("version") if isinstance(raw, dict) and type(raw.get("version")) is int else None
            results.append({"id": rid[:100] if rid else None, "version": rver, "status": "rejected", "reason": str(exc)})
    # A batch with a hot lead goes ahead of plain batches waiting for SQLite's single writer.
    urgent = any(c is not None and c.hot for c in checked)
    for attempt in range(MAX_RACE_RETRIES + 1):
        try:
            with db.write(priority=urgent) as conn:
                if first is not None:
                    first(conn)
                enqueued = _store(conn, device, checked, results, settings, now, clock, worker is not None)
            break
        except (_Race, IntegrityError):
            if attempt == MAX_RACE_RETRIES:
                raise DatabaseUnavailable("too many concurrent writes to the same leads; retry the batch") from None
    if enqueued and worker is not None:
        worker.submit(enqueued)
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return BatchOutcome(results=results, notifications=len(enqueued), counts=counts)


def _merge_reason(record: dict[str, Any]) -> str:
    conflicts = [c.get("field") for c in record.get("conflicts") or [] if isinstance(c, dict)]
    return (f"merged with central edits into version {record.get('version')}"
            + (f"; both sides changed {', '.join(map(str, conflicts))}: kept as a conflict for a person to pick"
               if conflicts else ""))


def _merge(conn: Connection, device: AuthDevice, lead: CheckedLead, current: int, settings: Settings,
           now: datetime, pending: dict[str, dict[str, Any]]) -> "CheckedLead | dict[str, Any]":
    """The kiosk's version merged with the current central one (a new CheckedLead to store), or
    the current record when this kiosk version was merged already (a re-send after a lost answer).
    ``pending``: records merged earlier in this batch, not written yet (they are the current ones)."""
    from sync.merge import merge_records, touched
    from sync.record.timestamps import iso
    from sync.record.versioning import new_version
    cur = pending.get(lead.id) or conn.execute(select(Lead.record_json).where(Lead.id == lead.id)).scalar() or {}
    for h in cur.get("history") or []:
        if isinstance(h, dict) and h.get("merged_kiosk_version") == lead.version and h.get("device") == device.id:
            return cur
    base_v = lead.record.get("base_version")
    q = select(LeadVersion.record_json).where(LeadVersion.lead_id == lead.id)
    if isinstance(base_v, int) and not isinstance(base_v, bool):
        base = conn.execute(q.where(LeadVersion.version == base_v)).scalar()
    else:  # an older kiosk that does not say: the last version it sent that central has
        base = conn.execute(q.where(LeadVersion.device_id == device.id, LeadVersion.version <= lead.version)
                            .order_by(LeadVersion.version.desc()).limit(1)).scalar()
    at = iso(now)   # the record's one timestamp format (sync.record.timestamps)
    after = base_v if isinstance(base_v, int) else int((base or {}).get("version") or 0)
    merged, _new = merge_records(base, lead.record, cur, at=at,
                                 kiosk_touched=touched(lead.record.get("history"), after),
                                 central_touched=touched(cur.get("history"), after))
    version = max(current, lead.version) + 1
    changes = {}
    for path in ("notes", "contact", "answers", "score", "outcome", "staff", "consent"):
        if merged.get(path) != cur.get(path):
            changes[path] = {"old": cur.get(path), "new": merged.get(path)}
    merged.pop("base_version", None)
    if not changes and merged.get("conflicts") == cur.get("conflicts"):
        return cur                        # nothing of the kiosk's is missing from central's version
    kiosk_entries = [h for h in lead.record.get("history") or []
                     if isinstance(h, dict) and isinstance(h.get("version"), int) and h["version"] > (base_v or 0)]
    merged["history"] = list(merged.get("history") or [])
    # the record package's version rule (bump, updated_at, history entry), plus what the merge adds
    new_version(merged, changes, actor=f"merge of kiosk {device.name} v{lead.version}", at=now,
                previous=version - 1).update(merged_kiosk_version=lead.version, device=device.id,
                                             kiosk_history=kiosk_entries)
    return check_lead(merged, device_show_id=device.show_id, product_question=settings.product_interest_question,
                      follow_up_question=settings.follow_up_question)


def _store(conn: Connection, device: AuthDevice, checked: list[CheckedLead | None], results: list[dict[str, Any]],
           settings: Settings, now: datetime, clock: ClockSample | None, preclaim: bool) -> list:
    anchors: dict[str, float] = {}
    offset = device.clock_offset_s
    need_clock = clock is not None or any(c is not None and not c.clock["synchronised"] for c in checked)
    if need_clock:
        anchors = load_anchors(conn, device.id)
        if clock is not None:
            measured = record_sample(conn, device.id, clock, now, anchors)
            offset = measured if measured is not None else offset
    ids = list({c.id for c in checked if c is not None})
    state: dict[str, tuple[str, int, bool]] = {}
    ranks: dict[str, int] = {}
    old_notes: dict[str, str] = {}
    central_edit: set[str] = set()   # current version made centrally (review app: lead_versions.device_id NULL)
    for chunk in range(0, len(ids), 500):
        for row in conn.execute(
                select(Lead.id, Lead.device_id, Lead.version, Lead.tag, Lead.discarded,
                       Lead.record_json["notes"].as_string().label("notes"),
                       LeadVersion.version.label("v_row"), LeadVersion.device_id.label("v_device"))
                .outerjoin(LeadVersion, and_(LeadVersion.lead_id == Lead.id, LeadVersion.version == Lead.version))
                .where(Lead.id.in_(ids[chunk:chunk + 500]))):
            state[row.id] = (row.device_id, row.version, row.tag == "hot" and not row.discarded)
            ranks[row.id] = rank_of(row.tag, row.discarded)
            old_notes[row.id] = (row.notes or "").strip()
            if row.v_row is not None and row.v_device is None:
                central_edit.add(row.id)
    original = dict(state)
    inserts: dict[str, dict[str, Any]] = {}
    updates: dict[str, dict[str, Any]] = {}
    versions: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    candidates: list[AlertLead] = []
    merged_now: dict[str, dict[str, Any]] = {}
    for lead, result in zip(checked, results):
        if lead is None:
            continue
        prev = state.get(lead.id)
        if prev is not None and prev[0] != device.id:
            result.update(status="conflict", reason="lead id belongs to another kiosk")
            continue
        if prev is not None and lead.version == prev[1] and lead.id not in central_edit:
            result["status"] = "duplicate"
            continue
        if prev is not None and lead.version < prev[1] and lead.id not in central_edit:
            result.update(status="stale", reason=f"version {prev[1]} is already stored")
            continue
        version_device: str | None = device.id
        status = "stored"
        if lead.id in central_edit and not (lead.record.get("base_version") == prev[1] and lead.version > prev[1]):
            # The kiosk never saw the current (central) version: merge field by field against
            # the version both started from; a same-field edit is kept as a conflict. Nothing dropped.
            merged = _merge(conn, device, lead, prev[1], settings, now, merged_now)
            if isinstance(merged, dict):          # this kiosk version was merged before (lost response)
                result.update(status="merged", merged_version=merged["version"], record=merged,
                              reason=_merge_reason(merged))
                continue
            lead, version_device, status = merged, None, "merged"
        corrected, method = correct(lead.captured_at, lead.clock, anchors, offset)
        row = {"id": lead.id, "show_id": device.show_id, "device_id": device.id, "version": lead.version,
               "captured_at": lead.captured_at, "captured_at_corrected": corrected, "clock_method": method,
               "record_json": lead.record, "received_at": now, "updated_at": now, **lead.columns}
        if lead.id in inserts or prev is None:
            inserts[lead.id] = row
        else:
            updates[lead.id] = row
        versions.append({"lead_id": lead.id, "version": lead.version, "device_id": version_device,
                         "record_json": lead.record, "received_at": now})
        history.extend(_history_rows(lead, prev[1] if prev else 0, now))
        score = lead.record.get("score") or {}
        rank = rank_of(score.get("tag"), bool(score.get("discarded")))
        prev_rank = ranks.get(lead.id) if prev is not None else None
        notes = lead.record.get("notes")
        notes = notes.strip() if isinstance(notes, str) else ""
        notes_changed = prev is not None and bool(notes) and notes != old_notes.get(lead.id, "")
        old_notes[lead.id] = notes
        if rank >= 0 and (prev_rank is None or rank > prev_rank or notes_changed):
            candidates.append(AlertLead(id=lead.id, show_id=device.show_id, version=lead.version, record=lead.record,
                                        country=lead.columns.get("country"), kiosk=device.name,
                                        prev_rank=prev_rank, notes_changed=notes_changed))
        ranks[lead.id] = rank
        state[lead.id] = (device.id, lead.version, lead.hot)
        if status == "merged":
            central_edit.add(lead.id)
            merged_now[lead.id] = lead.record
            result.update(status="merged", merged_version=lead.version, record=lead.record,
                          reason=_merge_reason(lead.record))
        else:
            central_edit.discard(lead.id)
            result["status"] = "stored"
    if inserts:
        bulk_insert(conn, Lead.__table__, list(inserts.values()))
    for lead_id, row in updates.items():
        old_version = original[lead_id][1]
        done = conn.execute(update(Lead).where(Lead.id == lead_id, Lead.version == old_version,
                                               Lead.device_id == device.id)
                            .values(**{k: v for k, v in row.items() if k not in ("id", "received_at")}))
        if done.rowcount != 1:
            raise _Race(lead_id)
    if versions:
        bulk_insert(conn, LeadVersion.__table__, versions)
    if history:
        bulk_insert(conn, LeadHistory.__table__, history)
    claimed: list[Claimed] = []
    planned = plan(conn, settings, candidates, now) if candidates else None
    notes = planned.notifications if planned else []
    if planned:
        write_assignments(conn, planned.assignments)
    if notes:
        if preclaim:  # leased to this process's worker; another takes over if the lease runs out
            for n in notes:
                if n["next_attempt_at"] <= now:   # not the ones waiting for a rep's quiet hours to end
                    n.update(state="sending", attempts=1, lease_until=now + timedelta(seconds=settings.lease_s))
        inserted = _insert_ignore(conn, Notification.__table__, notes)
        if preclaim:
            claimed = [Claimed(nid, row["kind"], row["recipient"], row["payload_json"], 1)
                       for row, nid in inserted if row["state"] == "sending"]
        if conn.dialect.name == "postgresql":  # wakes a notify-worker process at commit
            conn.exec_driver_sql("NOTIFY leadkiosk_notifications")
    conn.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now, last_ingest_at=now))
    return claimed if preclaim else [None] * len(notes)  # type: ignore[list-item]

