"""Possible duplicates: the same person captured twice in a show (at two kiosks, or again the next
day), suggested so nobody has to copy a lead id to merge them (issue 17, item 13).

Two rules, both plain enough to explain on the page:
- the same e-mail address, ignoring case and surrounding spaces ("Lena@X.de" and "lena@x.de");
- the same first name, last name and company, ignoring case and accents (``central.search.fold``).

Both keys are defined once, in ``central.search`` (``email_key``, ``name_key``), and stored with
each lead when it is written.

Only live leads (not merged into another) are suggested; merging itself is ``leadedit.merge``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central.models import Lead
from central.search import email_key, name_key

SAME_EMAIL = "same e-mail address"
SAME_NAME = "same name and company"


@dataclass(frozen=True)
class Pair:
    """Two leads that look like one person; ``first`` was captured first."""
    first: Any
    second: Any
    reason: str


def _email_key(email: str | None) -> str:
    return email_key(email) or ""


def reason_for(a: Any, b: Any) -> str | None:
    """Why ``a`` and ``b`` may be the same person, or None."""
    if _email_key(a.email) and _email_key(a.email) == _email_key(b.email):
        return SAME_EMAIL
    key = name_key(a.first_name, a.last_name, a.company)
    if key is not None and key == name_key(b.first_name, b.last_name, b.company):
        return SAME_NAME
    return None


_COLUMNS = (Lead.id, Lead.show_id, Lead.email, Lead.first_name, Lead.last_name, Lead.company, Lead.tag,
            Lead.captured_at_corrected, Lead.staff)


def for_lead(s: Session, lead: Lead) -> list[Pair]:
    """Live leads of the same show that look like ``lead``, oldest first (``second`` is the other)."""
    if lead.merged_into:
        return []
    # the keys stored with every lead (0007_duplicate_keys) find the candidates; reason_for confirms
    tests = []
    email = email_key(lead.email)
    if email:
        tests.append(Lead.email_key == email)
    name = name_key(lead.first_name, lead.last_name, lead.company)
    if name is not None:
        tests.append(Lead.name_key == name)
    if not tests:
        return []
    rows = s.execute(select(*_COLUMNS).where(Lead.show_id == lead.show_id, Lead.id != lead.id,
                                             Lead.merged_into.is_(None), or_(*tests))
                     .order_by(Lead.captured_at_corrected).limit(200)).all()
    out = []
    for r in rows:
        why = reason_for(lead, r)
        if why:
            out.append(Pair(lead, r, why))
    return out


def in_show(s: Session, show_id: str, limit: int = 200) -> list[Pair]:
    """Every suggested pair in a show, the most recent captures first; a person captured three
    times gives two pairs, each against the first capture (merge them one by one).

    Grouped on the keys stored at write time (``leads.email_key``, ``leads.name_key``), read in
    capture order from one covering index; only the leads of the pairs shown are then read."""
    keys = s.execute(select(Lead.id, Lead.email_key, Lead.name_key)
                     .where(Lead.show_id == show_id, Lead.merged_into.is_(None))
                     .order_by(Lead.captured_at_corrected, Lead.id)).all()
    found = _pairs(keys, limit)
    wanted = sorted({p.first.id for p in found} | {p.second.id for p in found})
    rows: dict[str, Any] = {}
    for i in range(0, len(wanted), 500):
        rows.update((r.id, r) for r in s.execute(select(*_COLUMNS).where(Lead.id.in_(wanted[i:i + 500]))))
    return [Pair(rows[p.first.id], rows[p.second.id], p.reason) for p in found]


def _pairs(rows: Sequence[Any], limit: int | None = None) -> list[Pair]:
    """Pairs of ``rows`` (in capture order, each with ``email_key`` and ``name_key``), newest first:
    each lead whose e-mail, or else whose name key, an earlier lead had, paired with the first
    lead that had it. The first occurrences are found in one pass; the pairs are then made from the
    newest lead back, stopping at ``limit`` (a show of 100,000 leads may hold 70,000 pairs)."""
    first_by_email: dict[str, Any] = {}
    first_by_name: dict[str, Any] = {}
    for r in rows:
        if r.email_key:
            first_by_email.setdefault(r.email_key, r)
        if r.name_key is not None:
            first_by_name.setdefault(r.name_key, r)
    pairs: list[Pair] = []
    for r in reversed(rows):
        if limit is not None and len(pairs) >= limit:
            break
        email, name = r.email_key, r.name_key
        if email and first_by_email[email] is not r:
            pairs.append(Pair(first_by_email[email], r, SAME_EMAIL))
        elif name is not None and first_by_name[name] is not r:
            pairs.append(Pair(first_by_name[name], r, SAME_NAME))
    return pairs


def merge_fields(keep: dict[str, Any], other: dict[str, Any], fields: Iterable[str]) -> list[dict[str, Any]]:
    """The contact fields a merge can take from either side: each with both values and the side
    picked by default (this lead's value, or the other's where this one is empty). Fields equal on
    both sides, or empty on both, need no pick and are left out."""
    rows = []
    for f in fields:
        a, b = keep.get(f), other.get(f)
        if (a or None) == (b or None) or (not a and not b):
            continue
        rows.append({"field": f, "keep": a, "other": b, "default": "keep" if a else "other"})
    return rows
