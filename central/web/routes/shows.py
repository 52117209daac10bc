"""The shows list with headline numbers and kiosk sync state, and a show's charts."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from central.models import Show
from central.web import charts as ch
from central.web import numbers as nb
from central.web import stats
from central.web.deps import PageNotFound, render, review, viewer
from central.web.leadquery import LeadFilter
from central.web.security import Principal

router = APIRouter(include_in_schema=False)


@router.get("/shows")
def shows_page(request: Request, me: Principal = Depends(viewer)):
    rv = review(request)
    with rv.db.session() as s:
        shows = stats.shows_overview(s)
    return render(request, "shows.html", me, nav="shows", shows=shows, now=rv.settings.clock())


@router.get("/shows/{show_id}/charts")
def charts_page(request: Request, show_id: str, me: Principal = Depends(viewer)):
    rv = review(request)
    f = LeadFilter.parse(show_id, request.query_params)
    with rv.db.session() as s:
        show = s.get(Show, show_id)
        if show is None:
            raise PageNotFound(f"There is no show {show_id!r}.")
        data = stats.charts(s, f)
        numbers = None if f.active else stats.show_numbers(s, show_id)
    per_hour = [(day, ch.bar_chart([f"{h:02d}" for h, _ in hours], [n for _, n in hours],
                                   title=f"Leads per hour on {day}"), sum(n for _, n in hours))
                for day, hours in data.per_hour.items()]
    if numbers is not None:  # the unfiltered view: the very numbers of Shows and the report
        data.tags = [(t, numbers.tag_leads(t)) for t in nb.TAGS]
    tag_mix = ch.stacked_bar(data.tags, title="Tag mix")
    staff = ch.hbar_chart([a for a, _ in data.staff], [b for _, b in data.staff], title="Leads per staff member")
    answers = [(label, ch.hbar_chart([o for o, _ in opts], [n for _, n in opts], title=label))
               for _, label, opts in data.answers]
    return render(request, "charts.html", me, nav="shows", show=show, f=f, per_hour=per_hour,
                  tag_mix=tag_mix, staff=staff, answers=answers, total=sum(n for _, n in data.tags),
                  numbers=numbers)
