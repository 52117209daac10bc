"""Outcome import: a CRM export (read by ``outcome_files``) is mapped column by column to our fields
(proposed from the column names and values, the show's last mapping and the CRMs' vocabularies in
``outcome_vocab``), every row is matched to a lead, and the preview says exactly what would change
before anything does. Rows that cannot be used are listed with the reason, never dropped silently.

Counts (the ``--json`` of ``leadkiosk central outcomes import`` and the page): ``rows`` = data rows;
``matched`` = rows naming one lead with a usable outcome, split into ``updated`` (the outcome,
amount, currency or close date differ from what is stored) and ``unchanged``; ``unmatched`` = the
key names no lead of the show; ``rejected`` = the row itself is unusable (no key, a stage nobody
mapped, a bad amount or date, the same lead twice). rows = matched + unmatched + rejected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.models import Lead
from central.web import outcome_vocab as vocab
from central.web.amounts import AmountError, decimal_mark_of, parse_amount
from central.web.models import Outcome, OutcomeMapping
from central.web.outcome_files import ImportFormatError, Table, read_table

__all__ = ["ImportFormatError", "Mapping", "ImportRow", "ImportPlan", "propose", "plan", "apply", "read_table",
           "load_mapping", "save_mapping", "parse_map_args"]

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass
class Mapping:
    """Which column feeds which field, and what the show's own stage values mean."""

    columns: dict[str, str] = field(default_factory=dict)           # field -> column name
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # status field -> {norm value: outcome}

    def to_json(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "values": {k: dict(v) for k, v in self.values.items()}}

    @classmethod
    def from_json(cls, data: Any) -> "Mapping":
        if not isinstance(data, dict):
            return cls()
        cols = {str(k): str(v) for k, v in (data.get("columns") or {}).items() if k in vocab.FIELDS and v}
        vals = {str(f): {str(k): str(v) for k, v in (m or {}).items() if v in vocab.OUTCOMES}
                for f, m in (data.get("values") or {}).items() if f in vocab.STATUS_FIELDS and isinstance(m, dict)}
        return cls(cols, vals)


def propose(table: Table, saved: Mapping | None = None, overrides: dict[str, str] | None = None) -> Mapping:
    """The mapping to show first: the user's explicit choices, else the show's last mapping where
    its columns still exist, else what the column names (and, for ids, the values) suggest."""
    m = Mapping(values={k: dict(v) for k, v in (saved.values if saved else {}).items()})
    taken: set[str] = set()
    for f, col in (overrides or {}).items():
        if col in table.columns or col == "":
            m.columns[f] = col
            taken.add(col)
    if saved:
        for f, col in saved.columns.items():
            if f not in m.columns and col in table.columns and col not in taken:
                m.columns[f] = col
                taken.add(col)
    for i, col in enumerate(table.columns):
        f = vocab.field_of(col)
        if f is None or f in m.columns or col in taken:
            continue
        if f == "lead_id" and not _looks_like_ids(table, i):
            continue  # a CRM's own "Lead ID" (00Q..., 12345) is not ours
        m.columns[f] = col
        taken.add(col)
    m.columns = {k: v for k, v in m.columns.items() if v}
    return m


def _looks_like_ids(table: Table, i: int) -> bool:
    vals = [r[i].strip() for r in table.rows[:200] if i < len(r) and r[i].strip()]
    return bool(vals) and sum(1 for v in vals if UUID.match(v)) * 2 >= len(vals)


def parse_map_args(table: Table, maps: Iterable[str], map_values: Iterable[str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """``COLUMN=FIELD`` and ``FIELD:VALUE=OUTCOME`` (command line); raises ImportFormatError listing every problem."""
    problems, cols, vals = [], {}, {}
    for m in maps:
        col, sep, f = m.rpartition("=")
        if not sep or f not in vocab.FIELDS:
            problems.append(f"--map {m!r}: expected COLUMN=FIELD, FIELD one of {', '.join(vocab.FIELDS)}")
        elif col not in table.columns:
            problems.append(f"--map {m!r}: no column {col!r} (columns: {', '.join(table.columns)})")
        else:
            cols[f] = col
    for m in map_values:
        left, sep, out = m.rpartition("=")
        f, sep2, value = left.partition(":")
        outcome = vocab.outcome_of(out) if out not in vocab.OUTCOMES else out
        if not sep or not sep2 or f not in vocab.STATUS_FIELDS or outcome is None:
            problems.append(f"--map-value {m!r}: expected FIELD:VALUE=OUTCOME, FIELD one of "
                            f"{', '.join(vocab.STATUS_FIELDS)}, OUTCOME one of {', '.join(vocab.OUTCOMES)}")
        else:
            vals.setdefault(f, {})[vocab.norm(value)] = outcome
    if problems:
        raise ImportFormatError("; ".join(problems))
    return cols, vals


@dataclass
class ImportRow:
    line: int
    key: str = ""
    key_field: str = ""
    status: str | None = None
    stage: str | None = None
    reason: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    close_date: date | None = None
    matched_id: str | None = None
    matched_name: str = ""
    result: str = ""          # updated | unchanged | unmatched | rejected
    problem: str | None = None
    current: str | None = None

    @property
    def ok(self) -> bool:
        return self.result in ("updated", "unchanged")


@dataclass
class ImportPlan:
    table: Table
    mapping: Mapping
    rows: list[ImportRow] = field(default_factory=list)
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)   # status field -> {raw value: rows}
    problems: list[str] = field(default_factory=list)                  # mapping problems (no key, no status)

    def _n(self, *results: str) -> int:
        return sum(1 for r in self.rows if r.result in results)

    def counts(self) -> dict[str, int]:
        return {"rows": len(self.rows), "matched": self._n("updated", "unchanged"), "updated": self._n("updated"),
                "unchanged": self._n("unchanged"), "unmatched": self._n("unmatched"), "rejected": self._n("rejected")}

    @property
    def matched(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def updates(self) -> list[ImportRow]:
        return [r for r in self.rows if r.result == "updated"]

    @property
    def unmatched(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]


def _date_order(values: Iterable[str]) -> str:
    """``"dmy"`` or ``"mdy"`` for a column's slashed dates (a day above 12 tells; US order otherwise,
    the default of Salesforce and HubSpot exports in English)."""
    for v in values:
        m = re.match(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", v or "")
        if m and int(m.group(1)) > 12:
            return "dmy"
        if m and int(m.group(2)) > 12:
            return "mdy"
    return "mdy"


def parse_date(text: str, order: str = "mdy") -> date:
    t = (text or "").strip()
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", t)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})", t)   # German: always day first
        if m:
            return date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = re.match(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})", t)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
            return date(y, b, a) if order == "dmy" else date(y, a, b)
        return datetime.fromisoformat(t).date()
    except ValueError:
        raise ValueError(f"expected a date like 2026-12-31, 12/31/2026 or 31.12.2026, got {text!r}") from None


def _year(y: str) -> int:
    return int(y) + 2000 if len(y) == 2 else int(y)


def plan(s: Session, show_id: str, table: Table, mapping: Mapping, default_currency: str | None = None) -> ImportPlan:
    """Read every row through the mapping and match it to the show's leads; changes nothing."""
    p = ImportPlan(table, mapping)
    idx = {f: table.columns.index(c) for f, c in mapping.columns.items() if c in table.columns}
    keys = [f for f in vocab.MATCH_KEYS if f in idx]
    if not keys:
        p.problems.append("choose the column that identifies the lead: leadkiosk id, e-mail or registration id")
    if not any(f in idx for f in vocab.STATUS_FIELDS):
        p.problems.append("choose the column holding the deal stage or the lead status")
    get = lambda rec, f: (rec[idx[f]].strip() if f in idx and idx[f] < len(rec) else "")  # noqa: E731
    mark = decimal_mark_of(get(r, "amount") for r in table.rows[:2000]) if "amount" in idx else None
    order = _date_order(get(r, "close_date") for r in table.rows[:2000]) if "close_date" in idx else "mdy"
    for n, rec in enumerate(table.rows, start=2):
        row = ImportRow(n)
        p.rows.append(row)
        if p.problems:
            row.result, row.problem = "rejected", "mapping incomplete"
            continue
        for f in keys:
            v = get(rec, f)
            if v:
                row.key, row.key_field = (v.lower() if f == "email" else v), f
                break
        status = None
        for f in vocab.STATUS_FIELDS:
            raw = get(rec, f)
            if not raw:
                continue
            out = vocab.outcome_of(raw, mapping.values.get(f))
            if out is None:
                p.unknown.setdefault(f, {})
                p.unknown[f][raw] = p.unknown[f].get(raw, 0) + 1
                row.problem = f"{mapping.columns[f]} {raw!r} is not mapped to an outcome"
                break
            if out != vocab.NONE:
                status, row.stage = out, raw
                if out == vocab.DISCARDED:
                    row.reason = get(rec, "reason") or f"{mapping.columns[f]}: {raw}"
                break
        if row.problem is None and status is not None:
            row.status = status
            row.reason = row.reason or get(rec, "reason") or None
            if status != vocab.ACTIVE:
                row.stage = None  # only an active outcome keeps its stage (the record's rule)
            try:
                if get(rec, "amount"):
                    a = parse_amount(get(rec, "amount"), decimal_mark=mark)
                    row.amount, row.currency = a.amount, a.currency
                cur = get(rec, "currency").upper()
                if cur:
                    if not re.fullmatch(r"[A-Z]{3}", cur):
                        raise AmountError(f"currency: expected a 3-letter code like EUR, got {cur!r}")
                    row.currency = cur
                if row.amount is not None and row.currency is None:
                    row.currency = default_currency
                if get(rec, "close_date"):
                    row.close_date = parse_date(get(rec, "close_date"), order)
            except (AmountError, ValueError) as exc:
                row.problem = str(exc)
        if row.problem is None and not row.key:
            row.problem = "no " + " / ".join(mapping.columns[f] for f in keys) + " in this row"
        if row.problem:
            row.result = "rejected"
        elif status is None:
            row.result = "nothing"   # no outcome yet: resolved to unchanged once matched
    _match(s, show_id, p)
    return p


def _match(s: Session, show_id: str, p: ImportPlan) -> None:
    todo = [r for r in p.rows if r.result in ("", "nothing")]
    base = select(Lead.id, Lead.email, Lead.first_name, Lead.last_name, Lead.company, Lead.merged_into,
                  Lead.record_json["contact"]["registration_id"].as_string().label("reg"))
    found: dict[tuple[str, str], list[Any]] = {}
    want = {(r.key_field, r.key) for r in todo}
    if len(want) > 1000 or any(r.key_field == "registration_id" for r in todo):
        # a big export: one pass over the show's leads (its index) beats thousands of IN lookups
        # on lower(email), which no index serves
        for hit in s.execute(base.where(Lead.show_id == show_id)):
            for key in (("lead_id", hit.id), ("email", (hit.email or "").lower()), ("registration_id", hit.reg or "")):
                if key in want:
                    found.setdefault(key, []).append(hit)
    else:
        for f, col in (("lead_id", Lead.id), ("email", func.lower(Lead.email))):
            vals = sorted({r.key for r in todo if r.key_field == f})
            for i in range(0, len(vals), 500):
                for hit in s.execute(base.where(col.in_(vals[i:i + 500]), Lead.show_id == show_id)):
                    k = hit.id if f == "lead_id" else (hit.email or "").lower()
                    found.setdefault((f, k), []).append(hit)
    targets = {h.merged_into or h.id for hits in found.values() for h in hits}
    current = {o.lead_id: o for o in s.scalars(select(Outcome).where(Outcome.lead_id.in_(list(targets))))} if targets else {}
    if len(targets) > 900:  # IN lists that long: read the show's outcomes once instead
        current = {o.lead_id: o for o in s.scalars(select(Outcome).where(Outcome.show_id == show_id))}
    seen: dict[str, int] = {}
    for r in todo:
        hits = [h for h in found.get((r.key_field, r.key), []) if r.key_field == "lead_id" or not h.merged_into]
        if r.key_field == "lead_id":
            hits = found.get((r.key_field, r.key), [])
        if not hits:
            r.result, r.problem = "unmatched", f"no lead of this show with {r.key_field.replace('_', ' ')} {r.key}"
            continue
        if len(hits) > 1:
            r.result, r.problem = "rejected", f"{r.key} matches {len(hits)} leads: give the leadkiosk id"
            continue
        h = hits[0]
        target = h.merged_into or h.id
        if target in seen:
            r.result, r.problem = "rejected", f"same lead as line {seen[target]}"
            continue
        seen[target] = r.line
        r.matched_id = target
        r.matched_name = " ".join(x for x in (h.first_name, h.last_name) if x) + (f" ({h.company})" if h.company else "")
        o = current.get(target)
        r.current = o.status if o else None
        if r.result == "nothing" or (o is not None and same_outcome(o, r)):
            r.result = "unchanged"
        else:
            r.result = "updated"


def same_outcome(o: Outcome, r: ImportRow) -> bool:
    """Nothing to write: the stored outcome already says what the row says."""
    amt = lambda v: None if v is None else Decimal(v).quantize(Decimal("0.01"))  # noqa: E731
    return ((o.status, o.stage, o.reason, amt(o.amount), o.currency, o.close_date)
            == (r.status, r.stage, r.reason, amt(r.amount), r.currency, r.close_date))


def apply(s: Session, p: ImportPlan, *, actor: str, source: str, now: datetime) -> dict[str, int]:
    """Write the plan's updates (each a new lead version, as any outcome edit); return the counts."""
    from central.web import leadedit
    for r in p.updates:
        try:
            with s.begin_nested():
                res = leadedit.set_outcome(s, r.matched_id or "", r.status or "", stage=r.stage, reason=r.reason,
                                           amount=r.amount, currency=r.currency, close_date=r.close_date,
                                           actor=actor, source=source, now=now)
            if res is None:
                r.result = "unchanged"
        except leadedit.EditError as exc:
            r.result, r.problem = "rejected", str(exc)
    return p.counts()


def load_mapping(s: Session, show_id: str) -> Mapping | None:
    row = s.get(OutcomeMapping, show_id)
    return Mapping.from_json(row.mapping_json) if row is not None else None


def save_mapping(s: Session, show_id: str, mapping: Mapping, *, actor: str, now: datetime) -> None:
    """Remember the mapping for the show's next import (values mapped once stay mapped)."""
    row = s.get(OutcomeMapping, show_id)
    if row is None:
        s.add(OutcomeMapping(show_id=show_id, mapping_json=mapping.to_json(), updated_at=now, updated_by=actor))
    else:
        row.mapping_json, row.updated_at, row.updated_by = mapping.to_json(), now, actor
