"""Outcome CSV import: sales export a sheet from their CRM, we match each row to a lead by lead id
or e-mail, show a preview, and only then apply. Rows that do not match are listed with the reason,
never silently dropped.

Accepted columns (case and spacing ignored): ``lead_id`` (or ``id``, ``leadkiosk_id``), ``email``,
``status`` (or ``outcome``), ``stage``, ``reason``. Status words are normalised:
``won``/``closed won`` -> ``closed_won`` and so on.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.models import Lead
from central.web.models import Outcome
from sync.record.fields import OUTCOME_STATUSES

MAX_ROWS = 50_000
MAX_BYTES = 10 * 1024 * 1024
ALIASES = {"lead_id": "lead_id", "id": "lead_id", "leadkiosk_id": "lead_id", "lead": "lead_id",
           "email": "email", "e-mail": "email", "mail": "email",
           "status": "status", "outcome": "status", "stage": "stage", "reason": "reason",
           "discard_reason": "reason", "notes": "reason"}
STATUS_WORDS = {"closed_won": "closed_won", "won": "closed_won", "closed won": "closed_won", "closed-won": "closed_won",
                "closed_lost": "closed_lost", "lost": "closed_lost", "closed lost": "closed_lost", "closed-lost": "closed_lost",
                "discarded": "discarded", "discard": "discarded", "disqualified": "discarded",
                "active": "active", "open": "active", "in progress": "active"}


class ImportFormatError(ValueError):
    """The file itself cannot be read as an outcome sheet (message names what is missing)."""


@dataclass
class ImportRow:
    line: int
    lead_id: str | None
    email: str | None
    status: str | None
    stage: str | None
    reason: str | None
    matched_id: str | None = None
    matched_name: str = ""
    problem: str | None = None
    current: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.matched_id is not None


@dataclass
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def matched(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def unmatched(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFormatError(f"file too large: {len(data)} bytes, at most {MAX_BYTES}")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ImportFormatError("file is not text (expected a CSV in UTF-8)")


def parse(text: str) -> list[ImportRow]:
    """Read the sheet; each row keeps its line number for the report."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError("the file is empty (expected a header row: lead_id or email, status, stage, reason)") from None
    cols = {}
    for i, h in enumerate(header):
        key = ALIASES.get(h.strip().lower().replace(" ", "_")) or ALIASES.get(h.strip().lower())
        if key and key not in cols:
            cols[key] = i
    if "status" not in cols:
        raise ImportFormatError(f"no status column in header {header!r} (expected one named status or outcome)")
    if "lead_id" not in cols and "email" not in cols:
        raise ImportFormatError(f"no lead_id or email column in header {header!r}")
    rows = []
    for n, rec in enumerate(reader, start=2):
        if not any(c.strip() for c in rec):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFormatError(f"more than {MAX_ROWS} rows: split the file")
        get = lambda k: (rec[cols[k]].strip() if k in cols and cols[k] < len(rec) else "") or None  # noqa: E731
        raw_status = get("status")
        status = STATUS_WORDS.get((raw_status or "").strip().lower().replace("_", " ")) or \
            STATUS_WORDS.get((raw_status or "").strip().lower())
        row = ImportRow(n, get("lead_id"), (get("email") or "").lower() or None, status, get("stage"), get("reason"))
        if raw_status is None:
            row.problem = "no status"
        elif status is None:
            row.problem = f"unknown status {raw_status!r} (expected {', '.join(OUTCOME_STATUSES)})"
        elif status == "discarded" and not row.reason:
            row.problem = "status discarded needs a reason"
        elif status == "active" and not row.stage:
            row.problem = "status active needs a stage"
        elif not row.lead_id and not row.email:
            row.problem = "neither lead_id nor email given"
        rows.append(row)
    return rows


def match(s: Session, show_id: str | None, rows: Iterable[ImportRow]) -> ImportPlan:
    """Find each row's lead: by id first, else by e-mail (which must name exactly one lead)."""
    rows = list(rows)
    ids = {r.lead_id for r in rows if r.lead_id}
    emails = {r.email for r in rows if r.email and not r.lead_id}
    by_id: dict[str, tuple] = {}
    by_email: dict[str, list[tuple]] = {}
    base = select(Lead.id, Lead.show_id, Lead.email, Lead.first_name, Lead.last_name, Lead.company,
                  Lead.merged_into, Outcome.status).outerjoin(Outcome, Outcome.lead_id == Lead.id)
    ids_l, em_l = sorted(ids), sorted(emails)
    for i in range(0, len(ids_l), 500):
        for r in s.execute(base.where(Lead.id.in_(ids_l[i:i + 500]))):
            by_id[r.id] = r
    for i in range(0, len(em_l), 500):
        q = base.where(func.lower(Lead.email).in_(em_l[i:i + 500]), Lead.merged_into.is_(None))
        if show_id:
            q = q.where(Lead.show_id == show_id)
        for r in s.execute(q):
            by_email.setdefault((r.email or "").lower(), []).append(r)
    seen: dict[str, int] = {}
    for row in rows:
        if row.problem:
            continue
        hit = None
        if row.lead_id:
            hit = by_id.get(row.lead_id)
            if hit is None:
                row.problem = f"no lead with id {row.lead_id}"
            elif show_id and hit.show_id != show_id:
                row.problem = f"lead {row.lead_id} belongs to show {hit.show_id}, not {show_id}"
                hit = None
        else:
            cands = by_email.get(row.email or "", [])
            if not cands:
                row.problem = f"no lead with email {row.email}"
            elif len(cands) > 1:
                row.problem = f"email {row.email} matches {len(cands)} leads: give the lead_id"
            else:
                hit = cands[0]
        if hit is None:
            continue
        target = hit.merged_into or hit.id
        if target in seen:
            row.problem = f"same lead as line {seen[target]}"
            continue
        seen[target] = row.line
        row.matched_id = target
        row.matched_name = " ".join(x for x in (hit.first_name, hit.last_name) if x) + (f" ({hit.company})" if hit.company else "")
        row.current = hit.status
    return ImportPlan(rows)
