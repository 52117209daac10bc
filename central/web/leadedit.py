"""Edits made in the review app. Each one is a new version of the lead record, exactly as the
record contract says (``version`` +1, a history entry with who and what), mirrored into the
``leads`` columns, kept in ``lead_versions`` and ``lead_history`` (source ``web``/``api``), and
queued in ``outbox`` for every CRM destination of the show so the CRM sees the correction.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.errors import CentralError, NotFound
from central.models import Lead, LeadHistory, LeadVersion, Outbox, Show
from central.search import SEARCH_FIELDS, keys_of
from central.web.models import Outcome, ReviewRevision
from sync.record.fields import OUTCOME_STATUSES, TAGS
from sync.record.fields import PERSON_FIELDS as CONTACT_FIELDS  # what the review page may edit
from sync.record.timestamps import iso
from sync.record.versioning import apply_paths, get_path, new_version
# Lead columns mirrored from record paths, so filters and sorting see edits at once.
COLUMN_OF = {"contact.first_name": "first_name", "contact.last_name": "last_name",
             "contact.company": "company", "contact.email": "email", "contact.country": "country",
             "score.override": "override", "score.tag": "tag", "score.discarded": "discarded",
             "score.discard_reason": "discard_reason"}


class EditError(CentralError):
    """An edit that cannot be made as asked (the message says why, for the page)."""


@dataclass
class EditResult:
    lead_id: str
    version: int
    changes: dict[str, dict[str, Any]]
    raised_to_hot: bool = False


def crm_destinations(show: Show | None) -> list[str]:
    """Names of the show's destinations other than central itself."""
    if show is None:
        return []
    dests = (show.config_json or {}).get("destinations") or []
    return [d["name"] for d in dests if isinstance(d, dict) and d.get("name") and d.get("kind") != "central"]


def load_lead(s: Session, lead_id: str, *, for_update: bool = True) -> Lead:
    q = select(Lead).where(Lead.id == lead_id)
    if for_update and s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    lead = s.scalar(q)
    if lead is None:
        raise NotFound(f"lead {lead_id} not found")
    return lead


def apply_changes(s: Session, lead: Lead, new_values: dict[str, Any], *, actor: str, source: str,
                  now: datetime, note: str | None = None) -> EditResult | None:
    """Make one new version of ``lead`` with ``{record.path: value}``; None when nothing changes."""
    record = copy.deepcopy(lead.record_json or {})
    changes = apply_paths(record, new_values)
    if not changes:
        return None
    from sync.merge import resolve
    resolve(record, list(changes))        # a person set these fields: their two-way conflicts are settled
    old_tag = lead.tag
    version = new_version(record, changes, actor=actor, at=now, note=note, previous=int(lead.version))["version"]
    record.pop("sync", None)
    lead.record_json = record
    lead.version = version
    lead.updated_at = now
    for path, col in COLUMN_OF.items():
        if path in changes:
            setattr(lead, col, changes[path]["new"])
    if "contact.email" in changes and isinstance(lead.email, str):
        lead.email = lead.email.strip().lower() or None
    if any(p.startswith("contact.") for p in changes):
        for col, value in keys_of({k: getattr(lead, k) for k in SEARCH_FIELDS}).items():
            setattr(lead, col, value)
    s.add(LeadVersion(lead_id=lead.id, version=version, device_id=None, record_json=record, received_at=now))
    hist_changes = dict(changes)
    if note:
        hist_changes["_note"] = {"old": None, "new": note}
    s.add(LeadHistory(lead_id=lead.id, version=version, at=now, actor=actor, source=source,
                      changes_json=hist_changes))
    for dest in crm_destinations(s.get(Show, lead.show_id)):
        s.add(Outbox(lead_id=lead.id, destination=dest, version=version, payload_json=record,
                     state="pending", attempts=0, created_at=now, next_attempt_at=now))
    bump_revision(s, lead.show_id)
    return EditResult(lead.id, version, changes, raised_to_hot=(old_tag != "hot" and lead.tag == "hot"))


def bump_revision(s: Session, show_id: str) -> None:
    """Count one more review change of the show (see ``ReviewRevision``)."""
    done = s.execute(update(ReviewRevision).where(ReviewRevision.show_id == show_id)
                     .values(rev=ReviewRevision.rev + 1))
    if done.rowcount == 0:
        try:
            with s.begin_nested():
                s.add(ReviewRevision(show_id=show_id, rev=1))
        except IntegrityError:  # created by a concurrent edit: count on it
            s.execute(update(ReviewRevision).where(ReviewRevision.show_id == show_id)
                      .values(rev=ReviewRevision.rev + 1))


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def edit_contact(s: Session, lead_id: str, fields: dict[str, Any], *, actor: str, source: str,
                 now: datetime) -> EditResult | None:
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise EditError(f"unknown contact field(s): {', '.join(sorted(unknown))}")
    email = _clean(fields.get("email"))
    if email is not None and ("@" not in email or " " in email or len(email) > 320):
        raise EditError(f"email: expected an address like name@example.com, got {email!r}")
    lead = load_lead(s, lead_id)
    return apply_changes(s, lead, {f"contact.{k}": _clean(v) for k, v in fields.items()},
                         actor=actor, source=source, now=now)


def set_notes(s: Session, lead_id: str, notes: str, *, actor: str, source: str, now: datetime) -> EditResult | None:
    if len(notes) > 10_000:
        raise EditError("notes: at most 10,000 characters")
    lead = load_lead(s, lead_id)
    return apply_changes(s, lead, {"notes": notes.replace("\r\n", "\n")}, actor=actor, source=source, now=now)


def set_override(s: Session, lead_id: str, tag: str | None, *, actor: str, source: str,
                 now: datetime) -> EditResult | None:
    """Override the tag (kept beside the computed tag); ``None`` or the computed tag clears it."""
    if tag is not None and tag not in TAGS:
        raise EditError(f"tag: expected one of {', '.join(TAGS)} or none, got {tag!r}")
    lead = load_lead(s, lead_id)
    computed = lead.computed_tag or get_path(lead.record_json or {}, "score.computed_tag") or lead.tag
    override = None if tag in (None, computed) else tag
    return apply_changes(s, lead, {"score.override": override, "score.tag": override or computed},
                         actor=actor, source=source, now=now)


def discard(s: Session, lead_id: str, reason: str, *, actor: str, source: str, now: datetime) -> EditResult | None:
    reason = (reason or "").strip()
    if not reason:
        raise EditError("discard: a reason is required (sales will read it)")
    lead = load_lead(s, lead_id)
    return apply_changes(s, lead, {"score.discarded": True, "score.discard_reason": reason[:500]},
                         actor=actor, source=source, now=now)


def reinstate(s: Session, lead_id: str, *, actor: str, source: str, now: datetime) -> EditResult | None:
    lead = load_lead(s, lead_id)
    return apply_changes(s, lead, {"score.discarded": False, "score.discard_reason": None},
                         actor=actor, source=source, now=now)


def merge(s: Session, keep_id: str, other_id: str, *, actor: str, source: str, now: datetime,
          picks: Mapping[str, str] | None = None) -> tuple[EditResult | None, EditResult | None]:
    """Merge ``other`` into ``keep`` (same person captured twice): ``keep`` gains the contact
    fields it lacks, both sets of notes and the other's outcome if it has none; ``other`` is
    marked merged (kept for the audit trail, hidden from the lead table). ``picks`` maps a contact
    field to "keep" or "other", the side whose value the merged lead takes (the review page's
    radio buttons); a field not picked keeps this lead's value, or takes the other's if empty.
    Both leads get a new version (sync.record.versioning), so the kiosks and CRMs hear of it."""
    if keep_id == other_id:
        raise EditError("merge: pick two different leads")
    keep, other = load_lead(s, keep_id), load_lead(s, other_id)
    if keep.show_id != other.show_id:
        raise EditError("merge: both leads must belong to the same show")
    if keep.merged_into or other.merged_into:
        raise EditError("merge: one of the leads is already merged into another")
    kr, orr = keep.record_json or {}, other.record_json or {}
    changes: dict[str, Any] = {}
    picks = dict(picks or {})
    unknown = sorted(set(picks) - set(CONTACT_FIELDS))
    bad = sorted(f for f, side in picks.items() if side not in ("keep", "other"))
    if unknown or bad:
        raise EditError(f"merge: cannot pick {', '.join(unknown + bad)} (contact fields, 'keep' or 'other')")
    for f in CONTACT_FIELDS:
        mine, theirs = get_path(kr, f"contact.{f}"), get_path(orr, f"contact.{f}")
        side = picks.get(f) or ("keep" if mine else "other")
        if side == "other" and theirs and theirs != mine:
            changes[f"contact.{f}"] = theirs
    onotes = (orr.get("notes") or "").strip()
    if onotes and onotes not in (kr.get("notes") or ""):
        changes["notes"] = ((kr.get("notes") or "").rstrip() + "\n" + onotes).strip()
    changes["merged_from"] = sorted(set((kr.get("merged_from") or []) + [other.id]))
    r1 = apply_changes(s, keep, changes, actor=actor, source=source, now=now, note=f"merged {other.id} into this lead")
    r2 = apply_changes(s, other, {"merged_into": keep.id}, actor=actor, source=source, now=now,
                       note=f"merged into {keep.id}")
    other.merged_into = keep.id
    out_other = s.get(Outcome, other.id)
    if out_other is not None and s.get(Outcome, keep.id) is None:
        s.add(Outcome(lead_id=keep.id, show_id=keep.show_id, status=out_other.status, stage=out_other.stage,
                      reason=out_other.reason, reported_at=out_other.reported_at, reported_by=out_other.reported_by))
    return r1, r2


def set_outcome(s: Session, lead_id: str, status: str, *, stage: str | None = None, reason: str | None = None,
                actor: str, source: str, now: datetime, lead: Lead | None = None,
                amount: Decimal | float | str | None = None, currency: str | None = None,
                close_date: date | None = None) -> EditResult | None:
    """Record what sales made of a lead. ``discarded`` needs a reason, ``active`` a stage; the deal's
    amount (with its currency) and close date travel with it when the CRM knows them."""
    status = (status or "").strip().lower()
    stage, reason = _clean(stage), _clean(reason)
    if status not in OUTCOME_STATUSES:
        raise EditError(f"status: expected one of {', '.join(OUTCOME_STATUSES)}, got {status!r}")
    if status == "discarded" and not reason:
        raise EditError("status discarded: a reason is required")
    if status == "active" and not stage:
        raise EditError("status active: a stage is required (for example 'proposal')")
    if status != "active":
        stage = None
    value = None if amount is None or amount == "" else Decimal(str(amount)).quantize(Decimal("0.01"))
    if value is not None and (value < 0 or value > Decimal("1e13")):
        raise EditError(f"amount: expected 0 to 10,000,000,000,000, got {amount}")
    currency = (currency or "").strip().upper() or None
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise EditError(f"currency: expected a 3-letter code like EUR, got {currency!r}")
    lead = lead or load_lead(s, lead_id)
    if lead.merged_into:
        lead = load_lead(s, lead.merged_into)
    outcome: dict[str, Any] = {"status": status, "stage": stage, "reason": reason, "at": iso(now)}
    if value is not None or currency or close_date:
        outcome.update(amount=None if value is None else str(value), currency=currency,
                       close_date=close_date.isoformat() if close_date else None)
    current = (lead.record_json or {}).get("outcome") or {}
    keys = ("status", "stage", "reason", "amount", "currency", "close_date")
    if all(current.get(k) == outcome.get(k) for k in keys):
        return None
    res = apply_changes(s, lead, {"outcome": outcome}, actor=actor, source=source, now=now)
    row = s.get(Outcome, lead.id)
    src = source if not source.startswith("crm:") else source[:64]
    if row is None:
        s.add(Outcome(lead_id=lead.id, show_id=lead.show_id, status=status, stage=stage, reason=reason,
                      reported_at=now, reported_by=actor, amount=value, currency=currency, close_date=close_date,
                      source=src))
    else:
        row.status, row.stage, row.reason, row.reported_at, row.reported_by = status, stage, reason, now, actor
        row.amount, row.currency, row.close_date, row.source = value, currency, close_date, src
    return res


def history(s: Session, lead_id: str) -> Iterable[LeadHistory]:
    return s.scalars(select(LeadHistory).where(LeadHistory.lead_id == lead_id)
                     .order_by(LeadHistory.at.desc(), LeadHistory.id.desc()))
