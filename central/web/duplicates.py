"""Possible duplicates: the same person captured twice in a show (at two kiosks, or again the next
day), suggested so nobody has to copy a lead id to merge them (issue 17, item 13).

Two rules, both plain enough to explain on the page:
- the same e-mail address, ignoring case and surrounding spaces ("Lena@X.de" and "lena@x.de");
- the same first name, last name and company, ignoring case and accents (``central.search.fold``).

Only live leads (not merged into another) are suggested; merging itself is ``leadedit.merge``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central.models import Lead
from central.search import fold

SAME_EMAIL = "same e-mail address"
SAME_NAME = "same name and company"


@dataclass(frozen=True)
class Pair:
    """Two leads that look like one person; ``first`` was captured first."""
    first: Any
    second: Any
    reason: str


def _email_key(email: str | None) -> str:
    return (email or "").strip().lower()


def _name_key(row: Any) -> tuple[str, str, str] | None:
    parts = (fold(row.first_name or ""), fold(row.last_name or ""), fold(row.company or ""))
    return parts if all(p.strip() for p in parts) else None


def reason_for(a: Any, b: Any) -> str | None:
    """Why ``a`` and ``b`` may be the same person, or None."""
    if _email_key(a.email) and _email_key(a.email) == _email_key(b.email):
        return SAME_EMAIL
    key = _name_key(a)
    if key is not None and key == _name_key(b):
        return SAME_NAME
    return None


_COLUMNS = (Lead.id, Lead.show_id, Lead.email, Lead.first_name, Lead.last_name, Lead.company, Lead.tag,
            Lead.captured_at_corrected, Lead.staff, Lead.search_text)


def for_lead(s: Session, lead: Lead) -> list[Pair]:
    """Live leads of the same show that look like ``lead``, oldest first (``second`` is the other)."""
    if lead.merged_into:
        return []
    tests = []
    email = _email_key(lead.email)
    if email:
        tests.append(func.lower(func.trim(Lead.email)) == email)
    if _name_key(lead) is not None:   # narrowed in SQL by last name (any case), confirmed folded below
        tests.append(func.lower(Lead.last_name) == (lead.last_name or "").strip().lower())
        tests.append(Lead.search_text.contains(fold(lead.last_name or ""), autoescape=True))
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
    times gives two pairs, each against the first capture (merge them one by one)."""
    rows = s.execute(select(*_COLUMNS).where(Lead.show_id == show_id, Lead.merged_into.is_(None))
                     .order_by(Lead.captured_at_corrected, Lead.id)).all()
    return _pairs(rows)[:limit]


def _stored_name_key(row: Any) -> str | None:
    """The folded "first last company" already stored in ``search_text`` (central/search.py: the
    four fields folded, joined by spaces, the e-mail last and without spaces), so a show of 100,000
    leads is grouped without folding 300,000 strings per page view."""
    if not ((row.first_name or "").strip() and (row.last_name or "").strip() and (row.company or "").strip()):
        return None
    text = row.search_text or ""
    return text.rsplit(" ", 1)[0] if (row.email or "").strip() else text


def _pairs(rows: Iterable[Any]) -> list[Pair]:
    first_by_email: dict[str, Any] = {}
    first_by_name: dict[str, Any] = {}
    pairs: list[Pair] = []
    for r in rows:
        email, name = _email_key(r.email), _stored_name_key(r)
        if email and email in first_by_email:
            pairs.append(Pair(first_by_email[email], r, SAME_EMAIL))
        elif name is not None and name in first_by_name:
            pairs.append(Pair(first_by_name[name], r, SAME_NAME))
        if email:
            first_by_email.setdefault(email, r)
        if name is not None:
            first_by_name.setdefault(name, r)
    pairs.reverse()
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
