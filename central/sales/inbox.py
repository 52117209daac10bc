"""The sales inbox: a rep's leads (hot first, then newest), and what they do with one: *Accept*
(claim it, so colleagues see who has it), *Contacted* (the first contact, its time and channel:
time to first contact is stored per lead), *Not a fit* (an outcome with the reason).

Used by the phone pages and by the review API alike, so a script and a rep's thumb take the same
path. Each action is one transaction; the claim row is locked (PostgreSQL) or written behind
SQLite's write gate, so two reps pressing Accept at once give one winner and one clear message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from central.errors import CentralError, NotFound
from central.models import Device, Lead
from central.sales.dials import CHANNELS
from central.sales.models import LeadAssignment, LeadClaim
from central.timeutil import iso


class InboxError(CentralError):
    """An inbox action that cannot be done as asked (the message says why, for the rep)."""


@dataclass
class InboxItem:
    lead_id: str
    show_id: str
    tag: str
    score: int | None
    name: str
    company: str | None
    title: str | None
    country: str | None
    email: str | None
    phone: str | None
    reasons: list[str]
    consent: bool | None
    captured_at: datetime
    kiosk: str | None
    reason: str                # why it is mine: dial | rule | default
    claimed_by: str | None
    first_contact_at: datetime | None
    first_contact_channel: str | None
    first_contact_s: float | None
    not_fit_reason: str | None

    @property
    def tel(self) -> str | None:
        from central.notify.alert import tel_href
        return tel_href(self.phone)

    @property
    def mailto(self) -> str | None:
        from central.notify.alert import mail_href
        return mail_href(self.email)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k in ("captured_at", "first_contact_at"):
            d[k] = iso(d[k])
        return d




def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def my_leads(s: Session, rep: str, *, limit: int = 200, show_id: str | None = None) -> list[InboxItem]:
    """The rep's assigned leads, hot first then newest; merged duplicates and discarded leads left out."""
    rank = case((Lead.tag == "hot", 0), (Lead.tag == "warm", 1), else_=2)
    q = (select(Lead, LeadAssignment.reason, LeadClaim, Device.name)
         .join(Lead, Lead.id == LeadAssignment.lead_id)
         .outerjoin(LeadClaim, LeadClaim.lead_id == Lead.id)
         .outerjoin(Device, Device.id == Lead.device_id)
         .where(func.lower(LeadAssignment.rep) == rep.strip().lower(), Lead.merged_into.is_(None),
                Lead.discarded.is_(False))
         .order_by(rank, Lead.captured_at_corrected.desc(), Lead.id).limit(limit))
    if show_id:
        q = q.where(Lead.show_id == show_id)
    out = []
    for lead, reason, claim, kiosk in s.execute(q):
        rec = lead.record_json or {}
        c = rec.get("contact") or {}
        consent = rec.get("consent") if isinstance(rec.get("consent"), dict) else {}
        name = " ".join(str(x) for x in (c.get("first_name"), c.get("last_name")) if x) or c.get("email") or "unknown visitor"
        out.append(InboxItem(
            lead_id=lead.id, show_id=lead.show_id, tag=lead.tag, score=lead.score, name=name,
            company=c.get("company"), title=c.get("title"), country=c.get("country"), email=c.get("email"),
            phone=c.get("phone"), reasons=list((rec.get("score") or {}).get("reasons") or []),
            consent=consent.get("given"), captured_at=_aware(lead.captured_at_corrected), kiosk=kiosk,
            reason=reason, claimed_by=claim.claimed_by if claim else None,
            first_contact_at=claim.first_contact_at if claim else None,
            first_contact_channel=claim.first_contact_channel if claim else None,
            first_contact_s=claim.first_contact_s if claim else None,
            not_fit_reason=claim.not_fit_reason if claim else None))
    return out


def _lead_and_claim(s: Session, lead_id: str) -> tuple[Lead, LeadClaim]:
    lead = s.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} not found")
    if lead.merged_into:
        lead = s.get(Lead, lead.merged_into) or lead
    q = select(LeadClaim).where(LeadClaim.lead_id == lead.id)
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    claim = s.scalar(q)
    if claim is None:
        claim = LeadClaim(lead_id=lead.id, show_id=lead.show_id)
        s.add(claim)
    return lead, claim


def accept(s: Session, lead_id: str, rep: str, now: datetime) -> LeadClaim:
    """Claim the lead for ``rep``; refused if a colleague has it (their name is in the message)."""
    _, claim = _lead_and_claim(s, lead_id)
    if claim.claimed_by and claim.claimed_by.lower() != rep.lower():
        raise InboxError(f"already accepted by {claim.claimed_by}")
    if not claim.claimed_by:
        claim.claimed_by, claim.claimed_at = rep, now
    s.flush()
    return claim


def contacted(s: Session, lead_id: str, rep: str, channel: str, now: datetime,
              at: datetime | None = None) -> LeadClaim:
    """Log the first contact. Time to first contact = contact time - capture time (seconds), kept
    on the lead; a later contact does not move it (the number is about the first one)."""
    channel = (channel or "").strip().lower()
    if channel not in CHANNELS:
        raise InboxError(f"channel: one of {', '.join(CHANNELS)}, got {channel!r}")
    when = _aware(at) if at is not None else now
    if when > now:
        raise InboxError("contact time: not in the future")
    lead, claim = _lead_and_claim(s, lead_id)
    if claim.claimed_by and claim.claimed_by.lower() != rep.lower():
        raise InboxError(f"accepted by {claim.claimed_by}; only they log its contacts")
    if not claim.claimed_by:
        claim.claimed_by, claim.claimed_at = rep, now
    if claim.first_contact_at is None:
        claim.first_contact_at, claim.first_contact_channel, claim.first_contact_by = when, channel, rep
        claim.first_contact_s = max(0.0, (when - _aware(lead.captured_at_corrected)).total_seconds())
    s.flush()
    return claim


def not_a_fit(s: Session, lead_id: str, rep: str, reason: str, now: datetime) -> LeadClaim:
    """Record the outcome (``discarded`` with the reason, through the review app's outcome edit so
    the lead gets a new version, history and CRM push like any outcome)."""
    from central.web import leadedit
    reason = (reason or "").strip()
    if not reason:
        raise InboxError("not a fit: say why (the reason is kept with the outcome)")
    lead, claim = _lead_and_claim(s, lead_id)
    if claim.claimed_by and claim.claimed_by.lower() != rep.lower():
        raise InboxError(f"accepted by {claim.claimed_by}; only they can close it")
    claim.claimed_by = claim.claimed_by or rep
    claim.claimed_at = claim.claimed_at or now
    claim.not_fit_reason, claim.not_fit_at = reason[:2000], now
    leadedit.set_outcome(s, lead.id, "discarded", reason=f"not a fit: {reason[:1900]}", actor=rep, source="web",
                         now=now, lead=lead)
    s.flush()
    return claim
