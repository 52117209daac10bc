"""Pages for sales on a phone: the inbox (my leads, Accept, Contacted, Not a fit), each rep's alert
settings (their dial), the admin's quarter-end window, and a show's sales follow-up (who got what,
time to first contact). Plain HTML forms: no script needed, works at 390 px."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from central.errors import NotFound
from central.models import Show
from central.sales import inbox, reps, stats
from central.sales.dials import CHANNELS, MODE_LABELS, DialError, in_window, make_dial, quarter_end
from central.web.deps import PageNotFound, allowed, redirect, render, review, viewer, writer
from central.web.security import Principal

router = APIRouter(include_in_schema=False)


@router.get("/inbox")
def inbox_page(request: Request, me: Principal = Depends(allowed("outcome"))):
    rv = review(request)
    with rv.db.session() as s:
        items = inbox.my_leads(s, me.email)
    return render(request, "inbox.html", me, nav="inbox", items=items, channels=CHANNELS)


def _act(request: Request, me: Principal, lead_id: str, fn, *args, ok: str):  # type: ignore[no-untyped-def]
    rv = review(request)
    try:
        with rv.db.session(write=True) as s:
            fn(s, lead_id, me.email, *args, rv.settings.clock())
    except (inbox.InboxError, NotFound) as exc:
        return redirect(request, f"/inbox#lead-{lead_id}", err=str(exc))
    return redirect(request, f"/inbox#lead-{lead_id}", msg=ok)


@router.post("/inbox/{lead_id}/accept")
def post_accept(request: Request, lead_id: str, me: Principal = Depends(writer("outcome"))):
    return _act(request, me, lead_id, inbox.accept, ok="Accepted: the lead is yours.")


@router.post("/inbox/{lead_id}/contacted")
def post_contacted(request: Request, lead_id: str, me: Principal = Depends(writer("outcome")),
                   channel: str = Form("")):
    return _act(request, me, lead_id, inbox.contacted, channel, ok="First contact logged.")


@router.post("/inbox/{lead_id}/not-a-fit")
def post_not_fit(request: Request, lead_id: str, me: Principal = Depends(writer("outcome")),
                 reason: str = Form("")):
    return _act(request, me, lead_id, inbox.not_a_fit, reason, ok="Recorded as not a fit.")


@router.get("/settings/alerts")
def settings_page(request: Request, me: Principal = Depends(allowed("outcome"))):
    rv = review(request)
    with rv.db.session() as s:
        dial = reps.get_dial(s, me.user_id, me.email)
        window = reps.get_window(s)
        products = _known_products(s)
    now = rv.settings.clock()
    return render(request, "rep_settings.html", me, nav="settings", dial=dial, window=window, modes=MODE_LABELS,
                  products=products, window_on=in_window(window, now), quarter_end=quarter_end(now.date()))


def _known_products(s) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Product options of every show's form (id, English label), for the settings page's hint."""
    from central.sales.alerts import _form
    seen: dict[str, str] = {}
    for (form_yaml,) in s.execute(select(Show.form_yaml)):
        form = _form(form_yaml)
        q = form.question("product_interest") if form is not None else None
        for o in (q.options if q is not None else ()):
            seen.setdefault(o.id, form.label(f"product_interest.{o.id}", "en"))
    return sorted(seen.items())


@router.post("/settings/alerts")
def post_settings(request: Request, me: Principal = Depends(writer("outcome")), mode: str = Form(""),
                  threshold: str = Form(""), countries: str = Form(""), products: list[str] = Form([]),
                  quiet_start: str = Form(""), quiet_end: str = Form(""), timezone: str = Form("UTC"),
                  language: str = Form("en"), use_routing: str = Form("")):
    rv = review(request)
    if use_routing:
        with rv.db.session(write=True) as s:
            reps.clear_dial(s, me.user_id)
        return redirect(request, "/settings/alerts", msg="You now get what the routing config sends you.")
    try:
        dial = make_dial(me.email, mode=mode, threshold=threshold, countries=countries, products=products,
                         quiet_start=quiet_start, quiet_end=quiet_end, timezone=timezone or "UTC", language=language)
    except DialError as exc:
        return redirect(request, "/settings/alerts", err=str(exc))
    with rv.db.session(write=True) as s:
        reps.save_dial(s, me.user_id, dial, rv.settings.clock())
    return redirect(request, "/settings/alerts", msg="Alert settings saved.")


@router.post("/settings/quarter-end")
def post_window(request: Request, me: Principal = Depends(writer("users")), days: str = Form("0"),
                points: str = Form("15")):
    rv = review(request)
    try:
        with rv.db.session(write=True) as s:
            w = reps.save_window(s, days, points, me.email, rv.settings.clock())
    except DialError as exc:
        return redirect(request, "/settings/alerts", err=str(exc))
    return redirect(request, "/settings/alerts",
                    msg=f"Quarter-end window: last {w.days} day(s), thresholds -{w.points}." if w.days
                    else "Quarter-end window off.")


@router.get("/shows/{show_id}/sales")
def sales_page(request: Request, show_id: str, me: Principal = Depends(viewer)):
    with review(request).db.session() as s:
        show = s.get(Show, show_id)
        if show is None:
            raise PageNotFound(f"There is no show {show_id!r}.")
        shares = stats.who_got_what(s, show_id)
        ttfc = stats.time_to_first_contact(s, show_id)
    return render(request, "sales.html", me, nav="report", show=show, shares=shares, ttfc=ttfc,
                  duration=stats.duration)


# ---- the same actions for scripts (bearer tokens from `leadkiosk central user token`) ----

from datetime import datetime  # noqa: E402
from typing import Literal  # noqa: E402

from fastapi import Header, HTTPException  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

api_router = APIRouter(prefix="/api/review/v1", tags=["sales"])


class ContactedIn(BaseModel):
    channel: Literal["phone", "email", "meeting", "chat"]
    at: datetime | None = Field(None, description="when the contact happened (default: now); not in the future")


class NotFitIn(BaseModel):
    reason: str = Field(..., min_length=1, max_length=2000)


def _api_me(request: Request, authorization: str | None) -> Principal:
    from central.web.routes.api import _principal
    return _principal(request, authorization, "outcome")


def _claim_json(claim) -> dict:  # type: ignore[no-untyped-def]
    from central.timeutil import iso as _iso
    return {"lead_id": claim.lead_id, "claimed_by": claim.claimed_by, "claimed_at": _iso(claim.claimed_at),
            "first_contact_at": _iso(claim.first_contact_at), "first_contact_channel": claim.first_contact_channel,
            "first_contact_s": claim.first_contact_s, "not_fit_reason": claim.not_fit_reason}


def _api_act(request: Request, authorization: str | None, lead_id: str, fn, *args) -> dict:  # type: ignore[no-untyped-def]
    me = _api_me(request, authorization)
    rv = review(request)
    try:
        with rv.db.session(write=True) as s:
            claim = fn(s, lead_id, me.email, *args, rv.settings.clock())
            return _claim_json(claim)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except inbox.InboxError as exc:
        raise HTTPException(409 if "accepted by" in str(exc) else 422, str(exc)) from None


@api_router.get("/inbox")
def api_inbox(request: Request, authorization: str | None = Header(None), show: str | None = None) -> dict:
    """The caller's leads, hot first then newest (what the phone inbox shows)."""
    me = _api_me(request, authorization)
    with review(request).db.session() as s:
        items = inbox.my_leads(s, me.email, show_id=show)
    return {"leads": [i.to_dict() for i in items]}


@api_router.post("/leads/{lead_id}/accept")
def api_accept(request: Request, lead_id: str, authorization: str | None = Header(None)) -> dict:
    """Claim the lead (409 when a colleague has it)."""
    return _api_act(request, authorization, lead_id, inbox.accept)


@api_router.post("/leads/{lead_id}/contacted")
def api_contacted(request: Request, lead_id: str, body: ContactedIn, authorization: str | None = Header(None)) -> dict:
    """Log the first contact; time to first contact is stored on the lead."""
    me = _api_me(request, authorization)
    rv = review(request)
    try:
        with rv.db.session(write=True) as s:
            return _claim_json(inbox.contacted(s, lead_id, me.email, body.channel, rv.settings.clock(), at=body.at))
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except inbox.InboxError as exc:
        raise HTTPException(409 if "accepted by" in str(exc) else 422, str(exc)) from None


@api_router.post("/leads/{lead_id}/not-a-fit")
def api_not_fit(request: Request, lead_id: str, body: NotFitIn, authorization: str | None = Header(None)) -> dict:
    """Close the lead as not a fit, with the reason (an outcome ``discarded``)."""
    return _api_act(request, authorization, lead_id, inbox.not_a_fit, body.reason)


@api_router.get("/shows/{show_id}/time-to-first-contact")
def api_ttfc(request: Request, show_id: str, authorization: str | None = Header(None)) -> dict:
    """Median and 90th percentile time to first contact (seconds), for the show and per rep."""
    from central.web.routes.api import _principal
    _principal(request, authorization, "view")
    with review(request).db.session() as s:
        t = stats.time_to_first_contact(s, show_id)
    return {"show": t["show"].to_dict(), "reps": {k: v.to_dict() for k, v in t["reps"].items()}}
