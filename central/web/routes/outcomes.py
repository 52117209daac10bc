"""Outcome CSV import: upload, preview (matched and unmatched rows), apply."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from central.models import Show
from central.web import leadedit, outcome_import as oi
from central.web.deps import PageNotFound, allowed, render, review, writer
from central.web.security import Principal

router = APIRouter(include_in_schema=False)


def _show(s, show_id: str) -> Show:
    show = s.get(Show, show_id)
    if show is None:
        raise PageNotFound(f"There is no show {show_id!r}.")
    return show


@router.get("/shows/{show_id}/outcomes/import")
def import_page(request: Request, show_id: str, me: Principal = Depends(allowed("outcome"))):
    with review(request).db.session() as s:
        show = _show(s, show_id)
    return render(request, "import.html", me, nav="shows", show=show, plan=None, text="")


@router.post("/shows/{show_id}/outcomes/import")
async def import_preview(request: Request, show_id: str, me: Principal = Depends(writer("outcome")),
                         file: UploadFile | None = File(None), text: str = Form("")):
    data = await file.read() if file is not None and file.filename else text.encode("utf-8")
    from starlette.concurrency import run_in_threadpool
    return await run_in_threadpool(_preview, request, show_id, me, data)


def _preview(request: Request, show_id: str, me: Principal, data: bytes):
    with review(request).db.session() as s:
        show = _show(s, show_id)
        try:
            text = oi.decode(data)
            plan = oi.match(s, show_id, oi.parse(text))
        except oi.ImportFormatError as exc:
            return render(request, "import.html", me, nav="shows", show=show, plan=None, text="",
                          err=f"Cannot read the file: {exc}", status_code=400)
    return render(request, "import.html", me, nav="shows", show=show, plan=plan, text=text)


@router.post("/shows/{show_id}/outcomes/import/apply")
def import_apply(request: Request, show_id: str, me: Principal = Depends(writer("outcome")),
                 text: str = Form("")):
    rv = review(request)
    now = rv.settings.clock()
    with rv.db.session() as s:
        show = _show(s, show_id)
        try:
            plan = oi.match(s, show_id, oi.parse(text))
        except oi.ImportFormatError as exc:
            return render(request, "import.html", me, nav="shows", show=show, plan=None, text="",
                          err=f"Cannot read the file: {exc}", status_code=400)
        changed = unchanged = 0
        for row in plan.matched:
            res = leadedit.set_outcome(s, row.matched_id, row.status, stage=row.stage, reason=row.reason,
                                       actor=me.email, source="web", now=now)
            if res is None:
                unchanged += 1
            else:
                changed += 1
    return render(request, "import_done.html", me, nav="shows", show=show, plan=plan, changed=changed,
                  unchanged=unchanged)
