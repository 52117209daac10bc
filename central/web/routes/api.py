"""The outcomes API for scripts and CRM automations (``Authorization: Bearer lkr_...`` tokens
made by ``leadkiosk central user token``), and the feedback report as JSON."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from central.models import Lead, Show
from central.web import leadedit, stats
from central.web.deps import review
from central.web.security import Principal, api_principal

router = APIRouter(prefix="/api/review/v1", tags=["review"])


class OutcomeIn(BaseModel):
    lead_id: str | None = Field(None, max_length=64, description="the lead's id (preferred)")
    email: str | None = Field(None, max_length=320, description="used when lead_id is absent; must match one lead")
    show_id: str | None = Field(None, max_length=100, description="narrows an e-mail match to one show")
    status: Literal["closed_won", "closed_lost", "discarded", "active"]
    stage: str | None = Field(None, max_length=100, description="required for active")
    reason: str | None = Field(None, max_length=2000, description="required for discarded")


class OutcomesIn(BaseModel):
    outcomes: list[OutcomeIn] = Field(..., max_length=5000)


class OutcomeResult(BaseModel):
    index: int
    lead_id: str | None
    result: Literal["updated", "unchanged", "unmatched", "invalid"]
    reason: str | None = None


class OutcomesOut(BaseModel):
    results: list[OutcomeResult]


def _principal(request: Request, authorization: str | None, permission: str) -> Principal:
    with review(request).db.session() as s:
        p = api_principal(s, authorization)
    if p is None:
        raise HTTPException(401, "missing or unknown API token (Authorization: Bearer lkr_...)")
    if not p.can(permission):
        raise HTTPException(403, f"role {p.role} may not do this")
    return p


@router.post("/outcomes", response_model=OutcomesOut,
             responses={401: {"description": "no or bad token"}, 403: {"description": "role not allowed"}})
def post_outcomes(request: Request, body: OutcomesIn, authorization: str | None = Header(None)) -> OutcomesOut:
    """Report sales outcomes; each item is matched by lead id, or by e-mail if it names exactly one lead."""
    me = _principal(request, authorization, "outcome")
    rv = review(request)
    results: list[OutcomeResult] = []
    with rv.db.session() as s:
        for i, item in enumerate(body.outcomes):
            lead = None
            if item.lead_id:
                lead = s.get(Lead, item.lead_id)
            elif item.email:
                q = select(Lead).where(func.lower(Lead.email) == item.email.strip().lower(),
                                       Lead.merged_into.is_(None))
                if item.show_id:
                    q = q.where(Lead.show_id == item.show_id)
                hits = s.scalars(q.limit(2)).all()
                if len(hits) > 1:
                    results.append(OutcomeResult(index=i, lead_id=None, result="unmatched",
                                                 reason="email matches several leads: give lead_id or show_id"))
                    continue
                lead = hits[0] if hits else None
            if lead is None:
                results.append(OutcomeResult(index=i, lead_id=item.lead_id, result="unmatched",
                                             reason="no lead with this id or email"))
                continue
            try:
                with s.begin_nested():
                    res = leadedit.set_outcome(s, lead.id, item.status, stage=item.stage, reason=item.reason,
                                               actor=me.email, source="api", now=rv.settings.clock(), lead=lead)
            except leadedit.EditError as exc:
                results.append(OutcomeResult(index=i, lead_id=lead.id, result="invalid", reason=str(exc)))
                continue
            results.append(OutcomeResult(index=i, lead_id=res.lead_id if res else lead.id,
                                         result="updated" if res else "unchanged"))
    return OutcomesOut(results=results)


@router.get("/shows/{show_id}/report", responses={401: {"description": "no or bad token"},
                                                   404: {"description": "no such show"}})
def get_report(request: Request, show_id: str, authorization: str | None = Header(None)) -> dict:
    """The feedback report of a show as JSON (same numbers as the page)."""
    _principal(request, authorization, "view")
    with review(request).db.session() as s:
        if s.get(Show, show_id) is None:
            raise HTTPException(404, f"no show {show_id}")
        r = stats.feedback(s, show_id)
    tally = lambda t: {**t.to_json(), "conversion": t.conversion, "win_rate": t.win_rate}  # noqa: E731
    atally = lambda t: {"leads": t.leads, "won": t.won, "lost": t.lost, "active": t.active,  # noqa: E731
                        "discarded": t.sales_discarded, "no_outcome": t.no_outcome, "win_rate": t.win_rate}
    return {"show_id": show_id, "total": tally(r.total), "qualified": r.qualified,
            "discarded_at_capture": r.numbers.discarded_at_capture,
            "by_tag": {k: tally(v) for k, v in r.by_tag.items()}, "cost": r.cost,
            "cost_per_lead": r.cost_per_lead, "cost_per_deal": r.cost_per_deal,
            "answers": {q: [{"value": a.value, "label": a.label, **atally(a.tally), "lift": a.lift} for a in rows]
                        for q, rows in r.answers.items()}}


class LeadPatch(BaseModel):
    """Any of these; one new version for the lot (issue 14's script and check interface)."""
    model_config = {"extra": "forbid"}
    notes: str | None = Field(None, max_length=10_000)
    tag: Literal["hot", "warm", "nurture", "computed"] | None = Field(
        None, description="override the computed tag; 'computed' clears the override")
    contact: dict[str, str | None] | None = None
    discarded: bool | None = None
    discard_reason: str | None = Field(None, max_length=500)


def _lead_json(lead: Lead) -> dict:
    from central.web.recordview import display_record
    rec = display_record(lead.record_json)
    return {"id": lead.id, "show_id": lead.show_id, "version": lead.version, "contact": rec["contact"],
            "notes": rec["notes"], "tag": lead.tag, "computed_tag": lead.computed_tag, "override": lead.override,
            "discarded": bool(lead.discarded), "discard_reason": lead.discard_reason, "score": lead.score,
            "answers": rec["answers"], "conflicts": rec["conflicts"], "merged_into": lead.merged_into,
            "captured_at": rec.get("captured_at"), "kiosk_id": lead.kiosk_id}


def _canonical(lead_id: str) -> str:
    import uuid
    try:
        return str(uuid.UUID(lead_id)) if len(lead_id) == 36 else lead_id
    except ValueError:
        return lead_id


@router.get("/leads/{lead_id}", responses={401: {"description": "no or bad token"}, 404: {"description": "no such lead"}})
def get_lead(request: Request, lead_id: str, authorization: str | None = Header(None)) -> dict:
    """The whole lead: contact, notes, tag in use, override, version, conflicts."""
    _principal(request, authorization, "view")
    with review(request).db.session() as s:
        lead = s.get(Lead, _canonical(lead_id))
        if lead is None:
            raise HTTPException(404, f"no lead {lead_id!r}")
        return _lead_json(lead)


@router.patch("/leads/{lead_id}", responses={401: {"description": "no or bad token"}, 403: {"description": "role not allowed"},
                                             404: {"description": "no such lead"}, 422: {"description": "invalid edit"}})
def patch_lead(request: Request, lead_id: str, body: LeadPatch, authorization: str | None = Header(None)) -> dict:
    """Edit notes, tag, contact fields, discard/reinstate in one new version; returns the lead
    with its new version (the same version when nothing changed). Setting a field that is in a
    two-way conflict settles that conflict."""
    me = _principal(request, authorization, "edit")
    rv = review(request)
    now = rv.settings.clock()
    values: dict = {}
    sent = body.model_dump(exclude_unset=True)
    with rv.db.session(write=True) as s:
        try:
            lead = leadedit.load_lead(s, _canonical(lead_id))
        except leadedit.NotFound:
            raise HTTPException(404, f"no lead {lead_id!r}") from None
        if "notes" in sent and body.notes is not None:
            values["notes"] = body.notes.replace("\r\n", "\n")
        if body.contact:
            unknown = set(body.contact) - set(leadedit.CONTACT_FIELDS)
            if unknown:
                raise HTTPException(422, f"contact: unknown field(s) {', '.join(sorted(unknown))}; "
                                         f"expected {', '.join(leadedit.CONTACT_FIELDS)}")
            for k, v in body.contact.items():
                v = v.strip() or None if isinstance(v, str) else None
                if k == "email" and v is not None and ("@" not in v or " " in v):
                    raise HTTPException(422, f"contact.email: expected an address like name@example.com, got {v!r}")
                values[f"contact.{k}"] = v
        if body.tag is not None:
            computed = lead.computed_tag or lead.tag
            override = None if body.tag in ("computed", computed) else body.tag
            values["score.override"] = override
            values["score.tag"] = override or computed
        if body.discarded is True:
            reason = (body.discard_reason or lead.discard_reason or "").strip()
            if not reason:
                raise HTTPException(422, "discard_reason: required when discarding (sales will read it)")
            values.update({"score.discarded": True, "score.discard_reason": reason})
        elif body.discarded is False:
            values.update({"score.discarded": False, "score.discard_reason": None})
        elif body.discard_reason is not None and lead.discarded:
            values["score.discard_reason"] = body.discard_reason.strip()
        result = leadedit.apply_changes(s, lead, values, actor=me.email, source="api", now=now) if values else None
        if result is not None and ({"score.tag", "score.discarded", "notes"} & set(result.changes)):
            from central.web.hot import enqueue_change
            enqueue_change(s, getattr(request.app.state, "settings", None), lead.id, now,
                           changes=result.changes, actor=me.email)
        s.flush()
        return _lead_json(lead)
