"""Outcome import pages: upload a CRM export, check the proposed column and value mapping, preview
exactly what would change, apply. The uploaded bytes travel back with the form (base64, at most
``outcome_files.MAX_BYTES``), so the server keeps no state between preview and apply."""
from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from central.models import Show
from central.web import outcome_import as oi
from central.web import outcome_vocab as vocab
from central.web import stats
from central.web.deps import PageNotFound, allowed, redirect, render, review, writer
from central.web.security import Principal

router = APIRouter(include_in_schema=False)


def _show(s, show_id: str) -> Show:
    show = s.get(Show, show_id)
    if show is None:
        raise PageNotFound(f"There is no show {show_id!r}.")
    return show


@router.get("/shows/{show_id}/outcomes/import")
def import_page(request: Request, show_id: str, me: Principal = Depends(allowed("outcome"))):
    from sqlalchemy import select
    from central.web.crm_pull import crm_destinations
    from central.web.models import CrmPull
    with review(request).db.session() as s:
        show = _show(s, show_id)
        crms = [str(d.get("name")) for d in crm_destinations(show.config_json)]
        pulls = {p.destination: p for p in s.scalars(select(CrmPull).where(CrmPull.show_id == show_id))}
    return render(request, "import.html", me, nav="shows", show=show, plan=None, crms=crms, pulls=pulls,
                  **_choices())


@router.post("/shows/{show_id}/outcomes/pull")
async def pull_now(request: Request, show_id: str, me: Principal = Depends(writer("outcome"))):
    """The *Pull from CRMs now* button: the scheduled pull, run at once for this show."""
    from central.web import crm_pull
    rv = review(request)
    with rv.db.session() as s:
        _show(s, show_id)
    results = await run_in_threadpool(crm_pull.pull_show, rv.db, show_id, now=rv.settings.clock())
    text = "; ".join(f"{r.destination}: {r.summary()}" for r in results) or "This show has no HubSpot or Salesforce destination."
    failed = any(r.error for r in results)
    return redirect(request, f"/shows/{show_id}/outcomes/import", msg="" if failed else text, err=text if failed else "")


def _choices() -> dict[str, Any]:
    return {"fields": vocab.FIELDS, "outcomes": vocab.OUTCOME_LABELS}


async def _form(request: Request) -> dict[str, Any]:
    """The upload (a new file, pasted text, or the bytes of the previous step) and the choices."""
    form = await request.form()
    data, filename = b"", str(form.get("filename") or "")
    up = form.get("file")
    if up is not None and hasattr(up, "read") and getattr(up, "filename", ""):
        data, filename = await up.read(), up.filename or ""
    elif str(form.get("text") or "").strip():
        data, filename = str(form.get("text")).encode("utf-8"), "pasted.csv"
    elif form.get("data"):
        try:
            data = base64.b64decode(str(form.get("data")), validate=True)
        except (binascii.Error, ValueError):
            data = b""
    cols = {f: str(form.get(f"col_{f}")) for f in vocab.FIELDS if form.get(f"col_{f}") is not None}
    values: dict[str, dict[str, str]] = {}
    for key in form.keys():
        if key.startswith("uv_"):
            f = key[3:].rsplit("_", 1)[0]   # uv_<field>_<n>: the raw value; uo_<field>_<n>: its outcome
            out = str(form.get(f"uo_{key[3:]}") or "")
            if f in vocab.STATUS_FIELDS and out in vocab.OUTCOMES:
                values.setdefault(f, {})[vocab.norm(str(form.get(key)))] = out
    return {"data": data, "filename": filename, "sheet": str(form.get("sheet") or "") or None, "cols": cols,
            "values": values, "fresh": up is not None and bool(getattr(up, "filename", ""))}


def _build(s, show_id: str, f: dict[str, Any]) -> tuple[oi.ImportPlan, oi.Mapping]:
    table = oi.read_table(f["data"], f["filename"], f["sheet"])
    saved = oi.load_mapping(s, show_id)
    mapping = oi.propose(table, saved, None if f["fresh"] else f["cols"])
    for field_, vals in f["values"].items():
        mapping.values.setdefault(field_, {}).update(vals)
    currency, _ = stats.report_settings(s, show_id)
    return oi.plan(s, show_id, table, mapping, default_currency=currency), mapping


@router.post("/shows/{show_id}/outcomes/import")
async def import_preview(request: Request, show_id: str, me: Principal = Depends(writer("outcome"))):
    f = await _form(request)
    return await run_in_threadpool(_preview, request, show_id, me, f)


def _preview(request: Request, show_id: str, me: Principal, f: dict[str, Any], err: str = ""):
    with review(request).db.session() as s:
        show = _show(s, show_id)
        try:
            p, _ = _build(s, show_id, f)
        except oi.ImportFormatError as exc:
            return render(request, "import.html", me, nav="shows", show=show, plan=None,
                          err=f"Cannot read the file: {exc}", status_code=400, **_choices())
    return render(request, "import.html", me, nav="shows", show=show, plan=p, data=base64.b64encode(f["data"]).decode(),
                  filename=f["filename"], err=err, **_choices())


@router.post("/shows/{show_id}/outcomes/import/apply")
async def import_apply(request: Request, show_id: str, me: Principal = Depends(writer("outcome"))):
    f = await _form(request)
    return await run_in_threadpool(_apply, request, show_id, me, f)


def _apply(request: Request, show_id: str, me: Principal, f: dict[str, Any]):
    rv = review(request)
    now = rv.settings.clock()
    with rv.db.session(write=True) as s:
        show = _show(s, show_id)
        try:
            p, mapping = _build(s, show_id, f)
        except oi.ImportFormatError as exc:
            return render(request, "import.html", me, nav="shows", show=show, plan=None,
                          err=f"Cannot read the file: {exc}", status_code=400, **_choices())
        if p.problems or p.unknown:
            s.rollback()
            why = "; ".join(p.problems) or "map the values below first (each once: they are remembered for this show)"
            return render(request, "import.html", me, nav="shows", show=show, plan=p, filename=f["filename"],
                          data=base64.b64encode(f["data"]).decode(), err=f"Nothing imported: {why}.",
                          status_code=400, **_choices())
        counts = oi.apply(s, p, actor=me.email, source="import", now=now)
        oi.save_mapping(s, show_id, mapping, actor=me.email, now=now)
    return render(request, "import_done.html", me, nav="shows", show=show, plan=p, counts=counts)
