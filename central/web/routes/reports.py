"""The feedback report (per show and across shows), the show cost, and threshold calibration."""
from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from central.models import Show
from central.web import charts as ch
from central.web import numbers as nb
from central.web import stats
from central.web.deps import PageNotFound, redirect, render, review, viewer, writer
from central.web.models import FormVersion, ReportSettings
from central.web.security import Principal

router = APIRouter(include_in_schema=False)


def _show(s, show_id: str) -> Show:
    show = s.get(Show, show_id)
    if show is None:
        raise PageNotFound(f"There is no show {show_id!r}.")
    return show


@router.get("/shows/{show_id}/report")
def report_page(request: Request, show_id: str, me: Principal = Depends(viewer)):
    with review(request).db.session() as s:
        show = _show(s, show_id)
        rep = stats.feedback(s, show_id)
        _, zone = stats.report_settings(s, show_id)
        from central.sales import stats as sales_stats
        shares = sales_stats.who_got_what(s, show_id)
        ttfc = sales_stats.time_to_first_contact(s, show_id)
    conv = ch.hbar_chart([t for t in rep.by_tag], [100 * (rep.by_tag[t].conversion or 0) for t in rep.by_tag],
                         title="Conversion rate by tag", colors=[ch.TAG_COLORS[t] for t in rep.by_tag],
                         fmt="{:.1f}%")
    return render(request, "report.html", me, nav="report", show=show, rep=rep, conv=conv, zone=zone or "UTC",
                  min_decided=nb.MIN_DECIDED, shares=shares, ttfc=ttfc, duration=sales_stats.duration)


@router.get("/report")
def report_all(request: Request, me: Principal = Depends(viewer)):
    with review(request).db.session() as s:
        total, per = stats.feedback_all(s)
    return render(request, "report_all.html", me, nav="report", rep=total, per=per)


MAX_COST = Decimal("100000000")  # 100 million: no trade show costs more; 1e9 is a typo


@router.post("/shows/{show_id}/cost")
def post_cost(request: Request, show_id: str, me: Principal = Depends(writer("cost")), cost: str = Form(""),
              currency: str = Form(""), timezone: str = Form("")):
    """Show cost with its currency (amounts read like CRM exports: "12.500,00 EUR"), and the time
    zone the report counts days and hours in."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    from central.web.amounts import AmountError, parse_amount
    back = f"/shows/{show_id}/report"
    value = None
    cur = currency.strip().upper() or None
    if cost.strip():
        try:
            parsed = parse_amount(cost)
            value, cur = parsed.amount, parsed.currency or cur
            if value < 0 or value > MAX_COST:
                raise AmountError(f"between 0 and {MAX_COST:,.0f}")
        except AmountError as exc:
            return redirect(request, back, err=f"cost: expected an amount like 12,500 or 12500.50 EUR ({exc}), got {cost!r}")
        if cur is None or not (len(cur) == 3 and cur.isalpha()):
            return redirect(request, back, err=f"currency: expected a 3-letter ISO code like EUR or USD, got {currency!r}")
    zone = timezone.strip() or None
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return redirect(request, back, err=f"time zone: expected a name like Europe/Berlin or America/New_York, "
                                               f"got {timezone!r}")
    with review(request).db.session() as s:
        show = _show(s, show_id)
        show.cost = value
        settings = s.get(ReportSettings, show_id) or ReportSettings(show_id=show_id)
        settings.currency = cur or settings.currency
        settings.timezone = zone
        s.add(settings)
    return redirect(request, back, msg="Show cost saved." if value is not None else "Show cost cleared.")


@router.get("/shows/{show_id}/calibration")
def calibration_page(request: Request, show_id: str, me: Principal = Depends(viewer)):
    with review(request).db.session() as s:
        show = _show(s, show_id)
        calib, form = stats.calibration_for(s, show_id)
        versions = s.scalars(select(FormVersion).where(FormVersion.show_id == show_id)
                             .order_by(FormVersion.created_at.desc(), FormVersion.id.desc())).all()
    pick_hot = pick_warm = pick_change = None
    if calib is not None:
        sg = calib.suggestion if calib.enough else None
        pick_hot, pick_warm = (sg.hot, sg.warm) if sg else (calib.current_hot, calib.current_warm)
        try:
            pick_hot = int(request.query_params.get("hot", pick_hot))
            pick_warm = int(request.query_params.get("warm", pick_warm))
        except ValueError:
            pass
        hit = [c for c in calib.candidates if (c.hot, c.warm) == (pick_hot, pick_warm)]
        pick_change = hit[0].would_change if hit else None
    return render(request, "calibration.html", me, nav="report", show=show, cal=calib, form=form,
                  versions=versions, pick_hot=pick_hot, pick_warm=pick_warm, pick_change=pick_change)


@router.post("/shows/{show_id}/calibration/apply")
def calibration_apply(request: Request, show_id: str, me: Principal = Depends(writer("calibrate")),
                      hot: str = Form(""), warm: str = Form(""), note: str = Form(""), confirm: str = Form("")):
    """Make a new form version with the chosen thresholds. Stored leads keep their scores: the
    new version scores the next captures (kiosks pull it with the show configuration)."""
    from forms import FormError, form_with_thresholds, load_form_text
    rv = review(request)
    back = f"/shows/{show_id}/calibration"
    try:
        h, w = int(hot), int(warm)
    except ValueError:
        return redirect(request, back, err=f"thresholds: expected whole numbers, got hot={hot!r} warm={warm!r}")
    if w > h:
        return redirect(request, back, err=f"warm ({w}) must not be above hot ({h}): a lead that scores hot would "
                                           "first have to be warm. Lower warm or raise hot.")
    if confirm != "yes" or not note.strip():
        return redirect(request, f"{back}?hot={h}&warm={w}", err="Nothing applied: tick the confirmation and give a "
                                                                  "reason (it is stored with the form version).")
    err = msg = ""
    with rv.db.session() as s:
        show = _show(s, show_id)
        try:
            old = load_form_text(show.form_yaml, source=f"show {show_id} form")
            if (h, w) == (int(old.scoring.hot), int(old.scoring.warm)):
                msg = f"Form {old.version} already uses hot {h} / warm {w}: no new version made."
            new_yaml = form_with_thresholds(show.form_yaml, h, w, source=f"show {show_id} form")
            new = load_form_text(new_yaml, source=f"show {show_id} form")
        except FormError as exc:
            err = f"cannot apply: {exc}"
    if err or msg:  # notices are written after this block's transaction ends
        return redirect(request, back, err=err, msg=msg)
    with rv.db.session() as s:
        show = _show(s, show_id)
        now = rv.settings.clock()
        have = set(s.scalars(select(FormVersion.version).where(FormVersion.show_id == show_id)))
        if old.version not in have:  # keep the version being replaced, for the record
            s.add(FormVersion(show_id=show_id, version=old.version, form_yaml=show.form_yaml, created_at=now,
                              created_by="(before calibration)", note="form in use before calibration"))
        if new.version in have:
            err = f"form version {new.version} exists already"
            s.rollback()
            return redirect(request, back, err=err)
        s.add(FormVersion(show_id=show_id, version=new.version, form_yaml=new_yaml, created_at=now,
                          created_by=me.email, note=f"{note.strip()[:500]} (thresholds hot {h} (was {old.scoring.hot:g}), "
                                                    f"warm {w} (was {old.scoring.warm:g}))"))
        show.form_yaml = new_yaml
        show.form_version = new.version
        if hasattr(show, "updated_at"):
            show.updated_at = now
    return redirect(request, back, msg=f"Form version {new.version} created (hot {h}, warm {w}). "
                                       "Existing leads keep their scores; new captures use it.")
