"""The CRM pull: for every show destination of kind hubspot or salesforce, read back what became of
the leads pushed there (``sync.crm_read``) and record it as the lead's outcome, exactly like an
import or a sales edit (a new lead version, ``source`` ``crm:<destination>``).

Incremental: each (show, destination) keeps ``crm_pulls.last_pull_at``; a run asks for records
changed since then (minus an overlap, so a record saved while the last run was reading is not
lost) and moves the mark only after the run succeeded. Runs from the outbox worker every
``PULL_EVERY_S`` (``pull_due``), from the *Pull from CRMs* button on the import page, and from
``leadkiosk central outcomes pull``. A stage nobody mapped is counted and left alone: the import
page's mapping for the show applies here too, so mapping it once there settles it."""
from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from sqlalchemy import select

from central.db import Database
from central.models import Lead, Show
from central.web import outcome_vocab as vocab
from central.web.amounts import AmountError, parse_amount
from central.web.models import CrmPull, Outcome, OutcomeMapping

log = logging.getLogger(__name__)
PULL_EVERY_S = 900.0
OVERLAP = timedelta(minutes=5)
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass
class PullResult:
    show_id: str
    destination: str
    kind: str
    read: int = 0
    updated: int = 0
    unchanged: int = 0
    unmatched: int = 0
    unknown: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"show_id": self.show_id, "destination": self.destination, "kind": self.kind, "read": self.read,
                "updated": self.updated, "unchanged": self.unchanged, "unmatched": self.unmatched,
                "unknown": self.unknown, "requests": self.requests, "error": self.error}

    def summary(self) -> str:
        if self.error:
            return f"failed: {self.error}"
        unk = f", unmapped stages {self.unknown}" if self.unknown else ""
        return (f"{self.read} changed records read, {self.updated} outcomes updated, {self.unchanged} unchanged, "
                f"{self.unmatched} not leads of this show{unk} ({self.requests} API requests)")


def outcome_of_fact(f: Any, learned: Mapping[str, Mapping[str, str]]) -> tuple[str | None, str | None, str | None]:
    """``(status, stage text, unknown value)`` for a CRM fact: the deal/opportunity decides when
    there is one (its CRM won/closed flags settle custom stage names), else the lead status."""
    if f.stage:
        out = vocab.outcome_of(f.stage, dict(learned.get("stage") or {}))
        if out is None and f.closed is not None:
            out = vocab.WON if f.won else (vocab.LOST if f.closed else vocab.ACTIVE)
        if out is None:
            return None, None, f.stage
        if out != vocab.NONE:
            return out, f.stage, None
    if f.lead_status:
        out = vocab.outcome_of(f.lead_status, dict(learned.get("lead_status") or {}))
        if out is None:
            return None, None, f.lead_status
        if out != vocab.NONE:
            return out, f.lead_status, None
    return None, None, None


def _reader(transport: Any) -> Any:
    from sync.crm_read import HubSpotReader, SalesforceReader
    return HubSpotReader(transport) if transport.__class__.__name__.startswith("HubSpot") else SalesforceReader(transport)


def crm_destinations(config: Any) -> list[dict]:
    return [d for d in ((config or {}).get("destinations") or [])
            if isinstance(d, dict) and d.get("kind") in ("hubspot", "salesforce")]


def pull_show(db: Database, show_id: str, *, now: datetime | None = None, env: Mapping[str, str] | None = None,
              build: Callable[..., list] | None = None, reader: Callable[[Any], Any] | None = None) -> list[PullResult]:
    """Pull every CRM destination of one show once."""
    from sync.config import build_transports, parse_destinations
    from sync.errors import SyncError
    now = now or datetime.now(timezone.utc)
    with db.session() as s:
        show = s.get(Show, show_id)
        entries = crm_destinations(show.config_json if show else None)
        m = s.get(OutcomeMapping, show_id)
        learned = (m.mapping_json or {}).get("values") or {} if m else {}
        marks = {p.destination: p.last_pull_at for p in s.scalars(select(CrmPull).where(CrmPull.show_id == show_id))}
        currency = None
        from central.web.models import ReportSettings
        rs = s.get(ReportSettings, show_id)
        currency = rs.currency if rs else None
    results = []
    for entry in entries:
        res = PullResult(show_id, str(entry.get("name")), str(entry.get("kind")))
        results.append(res)
        try:
            spec = parse_destinations([entry], source=f"show {show_id} destinations")
            transport = (build or build_transports)(spec, Path(tempfile.gettempdir()), env=env)[0]
            if transport.__class__.__name__ == "UnavailableTransport":
                raise SyncError(getattr(transport, "reason", "destination not configured"))
            rd = (reader or _reader)(transport)
            since = (marks.get(res.destination) or EPOCH)
            since = (since if since.tzinfo else since.replace(tzinfo=timezone.utc)) - OVERLAP
            facts = rd.changed_since(since)
            res.requests = getattr(rd, "requests", 0)
            _record(db, show_id, res, facts, learned, currency, now)
        except SyncError as exc:
            res.error = str(exc)
        except Exception as exc:  # noqa: BLE001  (a CRM answer we did not foresee must not stop the others)
            log.exception("crm pull %s/%s failed", show_id, res.destination)
            res.error = f"{type(exc).__name__}: {exc}"
        with db.session(write=True) as s:
            row = s.get(CrmPull, (show_id, res.destination)) or CrmPull(show_id=show_id, destination=res.destination,
                                                                       updated=0)
            row.last_run_at, row.last_error = now, res.error
            if res.error is None:
                row.last_pull_at = now
                row.updated = (row.updated or 0) + res.updated
            s.add(row)
    return results


def _record(db: Database, show_id: str, res: PullResult, facts: list[Any], learned: Mapping[str, Any],
            currency: str | None, now: datetime) -> None:
    from central.web import leadedit
    res.read = len(facts)
    actor = f"crm:{res.destination}"
    with db.session(write=True) as s:
        ids = sorted({f.lead_id for f in facts})
        leads: dict[str, Any] = {}
        for i in range(0, len(ids), 500):
            for lid, sid, merged in s.execute(select(Lead.id, Lead.show_id, Lead.merged_into)
                                              .where(Lead.id.in_(ids[i:i + 500]))):
                if sid == show_id:
                    leads[lid] = merged or lid
        for f in facts:
            target = leads.get(f.lead_id)
            if target is None:
                res.unmatched += 1
                continue
            status, stage, unknown = outcome_of_fact(f, learned)
            if unknown is not None:
                res.unknown[unknown] = res.unknown.get(unknown, 0) + 1
                continue
            if status is None:
                res.unchanged += 1
                continue
            amount, cur = None, f.currency or currency
            if f.amount not in (None, ""):
                try:
                    a = parse_amount(str(f.amount), decimal_mark=".")
                    amount, cur = a.amount, a.currency or cur
                except AmountError:
                    amount = None
            close = None
            try:
                close = date.fromisoformat(f.close_date[:10]) if f.close_date else None
            except ValueError:
                close = None
            reason = f"{res.kind}: {stage}" if status == vocab.DISCARDED else None
            if status == vocab.DISCARDED:
                o = s.get(Outcome, target)
                reason = o.reason if o is not None and o.status == vocab.DISCARDED and o.reason else reason
            try:
                with s.begin_nested():
                    r = leadedit.set_outcome(s, target, status, stage=stage, reason=reason, amount=amount,
                                             currency=cur if amount is not None else None, close_date=close,
                                             actor=actor, source=actor, now=now)
            except leadedit.EditError as exc:
                res.unknown[f"{stage}: {exc}"] = res.unknown.get(f"{stage}: {exc}", 0) + 1
                continue
            if r is None:
                res.unchanged += 1
            else:
                res.updated += 1


def pull_due(db: Database, *, now: datetime | None = None, every_s: float = PULL_EVERY_S,
             env: Mapping[str, str] | None = None) -> list[PullResult]:
    """Pull the shows whose CRM destinations were not pulled in the last ``every_s`` seconds
    (called by the outbox worker on each pass; a no-op for shows without a CRM)."""
    now = now or datetime.now(timezone.utc)
    with db.session() as s:
        shows = [(sid, cfg) for sid, cfg in s.execute(select(Show.id, Show.config_json)) if crm_destinations(cfg)]
        runs = {(p.show_id, p.destination): p.last_run_at for p in s.scalars(select(CrmPull))}
    out = []
    for sid, cfg in shows:
        last = [runs.get((sid, str(d.get("name")))) for d in crm_destinations(cfg)]
        due = any(t is None or (now - (t if t.tzinfo else t.replace(tzinfo=timezone.utc))).total_seconds() >= every_s
                  for t in last)
        if due:
            out += pull_show(db, sid, now=now, env=env)
    return out
