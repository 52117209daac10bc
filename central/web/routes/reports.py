"""The feedback report (per show and across shows), the show cost, and threshold calibration."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from central.models import Show
from central.web import charts as ch
from central.web import stats
from central.web.deps import PageNotFound, redirect, render, review, viewer, writer
from central.web.models import FormVersion
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
    conv = ch.hbar_chart([t for t in rep.by_tag], [100 * (rep.by_tag[t].conversion or 0) for t in rep.by_tag],
                         title="Conversion rate by tag", colors=[ch.TAG_COLORS[t] for t in rep.by_tag],
                         fmt="{:.1f}%")
    return render(request, "report.html", me, nav="report", show=show, rep=rep, conv=conv)


@router.get("/report")
def report_all(request: Request, me: Principal = Depends(viewer)):
    with review(request).db.session() as s:
        total, per = stats.feedback_all(s)
    return render(request, "report_all.html", me, nav="report", rep=total, per=per)


@router.post("/shows/{show_id}/cost")
def post_cost(request: Request, show_id: str, me: Principal = Depends(writer("cost")), cost: str = Form("")):
    raw = cost.strip().replace(",", "")
    value = None
    if raw:
        try:
            value = Decimal(raw)
            if value < 0 or value > Decimal("1e12"):
                raise InvalidOperation
        except InvalidOperation:
            return redirect(request, f"/shows/{show_id}/report",
                            err=f"cost: expected an amount like 12500 or 12500.50, got {cost!r}")
    with review(request).db.session() as s:
        show = _show(s, show_id)
        show.cost = value
    return redirect(request, f"/shows/{show_id}/report",
                    msg="Show cost saved." if value is not None else "Show cost cleared.")


@router.get("/shows/{show_id}/calibration")
def calibration_page(request: Request, show_id: str, me: Principal = Depends(viewer)):
    with review(request).db.session() as s:
        show = _show(s, show_id)
        calib, form = stats.calibration_for(s, show_id)
        versions = s.scalars(select(FormVersion).where(FormVersion.show_id == show_id)
                             .order_by(FormVersion.created_at.desc())).all()
    return render(request, "calibration.html", me, nav="report", show=show, cal=calib, form=form,
                  versions=versions)


@router.post("/shows/{show_id}/calibration/apply")
def calibration_apply(request: Request, show_id: str, me: Principal = Depends(writer("calibrate")),
                      hot: str = Form(""), warm: str = Form(""), note: str = Form("")):
    """Make a new form version with the chosen thresholds. Stored leads keep their scores: the
    new version scores the next captures (kiosks pull it with the show configuration)."""
    from forms import FormError, form_with_thresholds, load_form_text
    rv = review(request)
    back = f"/shows/{show_id}/calibration"
    try:
        h, w = int(hot), int(warm)
    except ValueError:
        return redirect(request, back, err=f"thresholds: expected whole numbers, got hot={hot!r} warm={warm!r}")
    err = ""
    with rv.db.session() as s:
        show = _show(s, show_id)
        try:
            old = load_form_text(show.form_yaml, source=f"show {show_id} form")
            new_yaml = form_with_thresholds(show.form_yaml, h, w, source=f"show {show_id} form")
            new = load_form_text(new_yaml, source=f"show {show_id} form")
        except FormError as exc:
            err = f"cannot apply: {exc}"
    if err:  # notices are written after this block's transaction ends
        return redirect(request, back, err=err)
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
                          created_by=me.email, note=note.strip()[:500] or
                          f"thresholds hot {h} (was {old.scoring.hot:g}), warm {w} (was {old.scoring.warm:g})"))
        show.form_yaml = new_yaml
        show.form_version = new.version
        if hasattr(show, "updated_at"):
            show.updated_at = now
    return redirect(request, back, msg=f"Form version {new.version} created (hot {h}, warm {w}). "
                                       "Existing leads keep their scores; new captures use it.")
