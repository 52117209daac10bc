"""A show's lead table (server-side paging, sorting, filters), exports, and the lead page with
its edits."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from math import ceil
from typing import Any, Iterator

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import select

from central.errors import NotFound
from central.models import Device, Lead, Show
from central.web import duplicates, leadedit
from central.web.deps import Forbidden, PageNotFound, redirect, render, review, viewer, writer
from central.web.hot import enqueue_change
from central.web.leadquery import LeadFilter, count_query, export_query, page_query
from central.web.models import Outcome
from central.web.recordview import display_record
from central.web.security import Principal
from sync import sheet

router = APIRouter(include_in_schema=False)


def _show_or_404(s, show_id: str) -> Show:
    show = s.get(Show, show_id)
    if show is None:
        raise PageNotFound(f"There is no show {show_id!r}.")
    return show


_STAFF_CACHE: dict[tuple[str, str], tuple[float, list[str]]] = {}
STAFF_CACHE_S = 60.0


def filter_options(s, show_id: str) -> dict[str, Any]:
    """Values for the filter drop-downs. The distinct staff names of 100,000 leads cost a scan of
    an index, so they are kept for a minute per process (a name new this minute shows up at the
    next refresh; filtering by it via the URL works at once)."""
    import time
    key = (str(s.get_bind().url), show_id)
    hit = _STAFF_CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < STAFF_CACHE_S:
        staff = hit[1]
    else:
        staff = [r for (r,) in s.execute(select(Lead.staff).distinct().where(
            Lead.show_id == show_id, Lead.staff.is_not(None)).order_by(Lead.staff))]
        _STAFF_CACHE[key] = (time.monotonic(), staff)
    kiosks = s.execute(select(Device.id, Device.name).where(Device.show_id == show_id).order_by(Device.name)).all()
    return {"staff": staff, "kiosks": kiosks, **answer_choices(s.get(Show, show_id))}


def answer_choices(show: Show | None) -> dict[str, Any]:
    """The follow-up and product options as the form words them: the filters offer them as
    choices and the table shows labels instead of internal ids."""
    from forms import load_form_text
    out: dict[str, Any] = {"follow_up_opts": [], "product_opts": [], "labels": {}}
    if show is None:
        return out
    try:
        form = load_form_text(show.form_yaml, source=f"<show {show.id}>")
    except Exception:  # an unreadable stored form: free ids, as before
        return out
    lang = form.languages[0]
    for key, qid in (("follow_up_opts", "follow_up"), ("product_opts", "product_interest")):
        try:
            q = form.question(qid)
        except Exception:
            continue
        out[key] = [(o.id, o.label.get(lang) or o.id) for o in q.options]
        out["labels"].update(out[key])
    return out


@router.get("/shows/{show_id}/leads")
def leads_page(request: Request, show_id: str, me: Principal = Depends(viewer)):
    rv = review(request)
    f = LeadFilter.parse(show_id, request.query_params, per_page=rv.settings.page_size)
    with rv.db.session() as s:
        show = _show_or_404(s, show_id)
        total = s.scalar(count_query(f)) or 0
        pages = max(1, ceil(total / f.per_page))
        if f.page > pages:
            f.page = pages
        rows = s.execute(page_query(f)).all()
        opts = filter_options(s, show_id)
    return render(request, "leads.html", me, nav="shows", show=show, f=f, rows=rows, total=total,
                  pages=pages, opts=opts)


def _export_rows(rows: Any, answer_ids: list[str]) -> Iterator[list[Any]]:
    """The view's rows as ``sync.sheet`` rows: the stored record, with what central knows better
    (the corrected capture time, the kiosk's name, the sales outcome)."""
    for r in rows:
        rec = r.record_json or {}
        yield sheet.lead_row(rec, answer_ids, {
            "lead_id": r.id, "captured_at": r.captured_at_corrected, "kiosk": r.kiosk_name or r.kiosk_id,
            "tag": r.tag, "outcome": r.outcome, "outcome_stage": r.stage, "outcome_reason": r.outcome_reason})


def _form_answer_ids(s: Any, show: Show) -> list[str]:
    """The show's questions in form order (known before the first row, so the CSV can stream)."""
    from forms import load_form_text
    try:
        return [q.id for q in load_form_text(show.form_yaml, source=f"<show {show.id}>").questions]
    except Exception:  # an unreadable stored form: still export, with every answer seen
        return sorted({k for (rec,) in s.execute(select(Lead.record_json).where(Lead.show_id == show.id))
                       for k in ((rec or {}).get("answers") or {}) if k != "consent"})


def _download(show_id: str, ext: str, now: datetime) -> dict[str, str]:
    """Content-Disposition with a file name of safe characters only: a show id stored before ids
    were fully checked (or any odd one) must not break the header and drop the connection."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", show_id).strip("._") or "show"
    return {"Content-Disposition": f'attachment; filename="leads-{safe[:64]}-{now:%Y%m%d-%H%M}.{ext}"'}


@router.get("/shows/{show_id}/leads.csv")
def export_csv(request: Request, show_id: str, me: Principal = Depends(viewer)):
    rv = review(request)
    f = LeadFilter.parse(show_id, request.query_params)

    def gen():
        with rv.db.session() as s:
            ids = _form_answer_ids(s, _show_or_404(s, show_id))
            result = s.execute(export_query(f).execution_options(yield_per=1000))
            yield from sheet.csv_chunks(ids, _export_rows(result, ids))

    return StreamingResponse(gen(), media_type="text/csv; charset=utf-8",
                             headers=_download(show_id, "csv", rv.settings.clock()))


@router.get("/shows/{show_id}/leads.xlsx")
def export_xlsx(request: Request, show_id: str, me: Principal = Depends(viewer)):
    rv = review(request)
    f = LeadFilter.parse(show_id, request.query_params)
    out = io.BytesIO()
    with rv.db.session() as s:
        ids = _form_answer_ids(s, _show_or_404(s, show_id))
        sheet.write_xlsx(ids, _export_rows(s.execute(export_query(f).execution_options(yield_per=1000)), ids), out)
    data = out.getvalue()
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=_download(show_id, "xlsx", rv.settings.clock()))


@router.get("/leads/{lead_id}")
def lead_page(request: Request, lead_id: str, me: Principal = Depends(viewer)):
    rv = review(request)
    with rv.db.session() as s:
        lead = s.get(Lead, lead_id)
        if lead is None:
            raise PageNotFound(f"There is no lead {lead_id!r}.")
        show = s.get(Show, lead.show_id)
        device = s.get(Device, lead.device_id)
        outcome = s.get(Outcome, lead_id)
        rec = display_record(lead.record_json)
        hist = merged_history(list(leadedit.history(s, lead_id)), rec)
        from central.web.answers_index import load_show_form
        form = load_show_form(show)
        answers = answer_rows(form, rec["answers"])
        dests = leadedit.crm_destinations(show)
        merged_from = rec["merged_from"]
        dups = duplicates.for_lead(s, lead)
    return render(request, "lead.html", me, nav="shows", lead=lead, rec=rec, show=show,
                  device=device, outcome=outcome, history=hist, answers=answers, dests=dests,
                  merged_from=merged_from, dups=dups, back=request.query_params.get("back", ""))


def merged_history(rows, record: dict) -> list[dict]:
    """Central's history rows plus the kiosk's own entries from the record that central did not
    copy, newest first, so the page shows every change and who made it."""
    out = [{"at": h.at, "actor": h.actor, "source": h.source, "version": h.version,
            "changes": h.changes_json or {}} for h in rows]
    seen = {(h["version"], h["source"]) for h in out}
    seen_versions = {h["version"] for h in out if h["source"] != "kiosk"}
    for h in record.get("history") or []:
        v = h.get("version")
        if (v, "kiosk") in seen or v in seen_versions:
            continue
        out.append({"at": h.get("at"), "actor": h.get("actor"), "source": "kiosk", "version": v,
                    "changes": h.get("changes") or {}})
    def key(h):
        at = h["at"]
        if isinstance(at, str):
            try:
                at = datetime.fromisoformat(at.replace("Z", "+00:00"))
            except ValueError:
                at = None
        if isinstance(at, datetime) and at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return (h["version"] or 0, at or datetime.min.replace(tzinfo=timezone.utc))
    return sorted(out, key=key, reverse=True)


def answer_rows(form, answers: dict) -> list[tuple[str, str]]:
    """Every answer as (question, answer) in words, in the form's order; unknown ids as they are."""
    out = []
    done = set()
    if form is not None:
        for q in form.questions:
            if q.id not in answers:
                continue
            v = answers[q.id]
            done.add(q.id)
            if q.kind in ("single", "multi"):
                ids = list(v) if isinstance(v, list) else [] if v is None else [v]
                words = ", ".join(form.label(f"{q.id}.{i}", "en") if isinstance(i, str) and q.option(i)
                                  else str(i) for i in ids)
            elif q.kind == "yesno":
                words = "yes" if v else "no"
            else:
                words = str(v)
            out.append((form.label(q.id, "en"), words))
    for k, v in answers.items():
        if k not in done and k != "consent":
            out.append((k, ", ".join(map(str, v)) if isinstance(v, list) else str(v)))
    return out


def _back(request: Request, lead_id: str, msg: str = "", err: str = "") -> RedirectResponse:
    return redirect(request, f"/leads/{lead_id}", msg, err)


def _do(request: Request, lead_id: str, me: Principal, fn, *args, ok: str, why: str | None = None,
        **kw) -> RedirectResponse:
    rv = review(request)
    try:
        with rv.db.session() as s:
            res = fn(s, *args, actor=me.email, source="web", now=rv.settings.clock(), **kw)
            results = res if isinstance(res, tuple) else (res,)
            for r in results:
                if r is not None and ({"score.tag", "score.discarded", "notes"} & set(r.changes)):
                    enqueue_change(s, getattr(request.app.state, "settings", None), r.lead_id, rv.settings.clock(),
                                   changes=r.changes, actor=me.email, why=why)
    except leadedit.EditError as exc:
        return _back(request, lead_id, err=str(exc))
    except NotFound as exc:
        return _back(request, lead_id, err=str(exc))
    changed = any(r is not None for r in results)
    return _back(request, lead_id, msg=ok if changed else "Nothing changed.")


@router.post("/leads/{lead_id}/contact")
def post_contact(request: Request, lead_id: str, me: Principal = Depends(writer("edit")),
                 first_name: str = Form(""), last_name: str = Form(""), company: str = Form(""),
                 title: str = Form(""), email: str = Form(""), phone: str = Form(""), country: str = Form("")):
    fields = dict(first_name=first_name, last_name=last_name, company=company, title=title, email=email,
                  phone=phone, country=country)
    return _do(request, lead_id, me, leadedit.edit_contact, lead_id, fields, ok="Contact saved.")


@router.post("/leads/{lead_id}/notes")
def post_notes(request: Request, lead_id: str, me: Principal = Depends(writer("edit")), notes: str = Form("")):
    return _do(request, lead_id, me, leadedit.set_notes, lead_id, notes, ok="Notes saved.")


@router.post("/leads/{lead_id}/tag")
def post_tag(request: Request, lead_id: str, me: Principal = Depends(writer("edit")), tag: str = Form(""),
             why: str = Form("")):
    return _do(request, lead_id, me, leadedit.set_override, lead_id, tag or None, why=why,
               ok="Tag changed." if tag else "Tag override removed.")


@router.post("/leads/{lead_id}/discard")
def post_discard(request: Request, lead_id: str, me: Principal = Depends(writer("edit")), reason: str = Form("")):
    return _do(request, lead_id, me, leadedit.discard, lead_id, reason, ok="Lead discarded.")


@router.post("/leads/{lead_id}/reinstate")
def post_reinstate(request: Request, lead_id: str, me: Principal = Depends(writer("edit"))):
    return _do(request, lead_id, me, leadedit.reinstate, lead_id, ok="Lead reinstated.")


@router.post("/leads/{lead_id}/merge")
def post_merge(request: Request, lead_id: str, me: Principal = Depends(writer("edit")), other: str = Form(""),
               pick_first_name: str = Form(""), pick_last_name: str = Form(""), pick_company: str = Form(""),
               pick_title: str = Form(""), pick_email: str = Form(""), pick_phone: str = Form(""),
               pick_country: str = Form("")):
    """Merge ``other`` into this lead; ``pick_<field>`` ("keep" or "other") chooses each contact
    field's side, as picked on the compare page."""
    other = other.strip().rsplit("/", 1)[-1]
    given = dict(first_name=pick_first_name, last_name=pick_last_name, company=pick_company, title=pick_title,
                 email=pick_email, phone=pick_phone, country=pick_country)
    picks = {f: side for f, side in given.items() if side}
    return _do(request, lead_id, me, leadedit.merge, lead_id, other, picks=picks,
               ok=f"Lead {other[:8]} merged into this one.")


@router.get("/leads/{lead_id}/merge")
def merge_page(request: Request, lead_id: str, me: Principal = Depends(viewer), other: str = ""):
    """Both leads side by side: pick, field by field, the value the merged lead keeps."""
    if not me.can("edit"):
        raise Forbidden(f"Your role ({me.role.replace('_', ' ')}) may not merge leads.")
    rv = review(request)
    with rv.db.session() as s:
        keep, dup = s.get(Lead, lead_id), s.get(Lead, other.strip().rsplit("/", 1)[-1])
        if keep is None or dup is None:
            raise PageNotFound(f"There is no lead {lead_id if keep is None else other!r}.")
        show = s.get(Show, keep.show_id)
        kc = display_record(keep.record_json)["contact"]
        oc = display_record(dup.record_json)["contact"]
        rows = duplicates.merge_fields(kc, oc, leadedit.CONTACT_FIELDS)
        same = [(f, kc.get(f)) for f in leadedit.CONTACT_FIELDS if kc.get(f) and kc.get(f) == oc.get(f)]
        why = duplicates.reason_for(keep, dup)
    return render(request, "merge.html", me, nav="shows", lead=keep, other=dup, show=show, rows=rows,
                  same=same, why=why)


@router.get("/shows/{show_id}/duplicates")
def duplicates_page(request: Request, show_id: str, me: Principal = Depends(viewer)):
    """Every pair in the show that looks like one person captured twice."""
    rv = review(request)
    with rv.db.session() as s:
        show = _show_or_404(s, show_id)
        pairs = duplicates.in_show(s, show_id)
    return render(request, "duplicates.html", me, nav="shows", show=show, pairs=pairs)


@router.post("/leads/{lead_id}/outcome")
def post_outcome(request: Request, lead_id: str, me: Principal = Depends(writer("outcome")),
                 status: str = Form(""), stage: str = Form(""), reason: str = Form("")):
    return _do(request, lead_id, me, leadedit.set_outcome, lead_id, status, stage=stage, reason=reason,
               ok="Outcome saved.")
