"""The lead table's query: filters, search, sort and paging done in SQL, so a page of 50 rows
out of 100,000 costs one indexed count and one indexed page query.

Filters come from the URL (a filtered view is a link you can share and export); bad values give
a message on the page, never a 500.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping
from urllib.parse import urlencode

from sqlalchemy import Select, and_, func, or_, select

from central.models import Device, Lead
from central.search import fold
from central.web.models import Outcome
from sync.record.fields import TAGS

SORTS = {
    "time": Lead.captured_at_corrected,
    "score": Lead.score,
    "tag": Lead.tag,
    "name": Lead.last_name,
    "company": Lead.company,
    "staff": Lead.staff,
}
MAX_PAGE_SIZE = 500


@dataclass
class LeadFilter:
    """One view of a show's leads. ``discarded``: "no" (default), "yes" or "all"."""

    show_id: str
    tag: str = ""
    staff: str = ""
    kiosk: str = ""
    day: date | None = None
    discarded: str = "no"
    follow_up: str = ""
    product: str = ""
    outcome: str = ""
    q: str = ""
    sort: str = "time"
    desc: bool = True
    page: int = 1
    per_page: int = 50
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, show_id: str, params: Mapping[str, str], per_page: int = 50) -> "LeadFilter":
        f = cls(show_id=show_id, per_page=per_page)
        get = lambda k: (params.get(k) or "").strip()  # noqa: E731
        f.tag = get("tag")
        if f.tag and f.tag not in TAGS:
            f.errors.append(f"tag: expected one of {', '.join(TAGS)}, got {f.tag!r}")
            f.tag = ""
        f.staff, f.kiosk, f.follow_up, f.product, f.q = (get("staff"), get("kiosk"), get("follow_up"),
                                                        get("product"), get("q")[:200])
        f.outcome = get("outcome")
        if f.outcome and f.outcome not in ("closed_won", "closed_lost", "discarded", "active", "none"):
            f.errors.append(f"outcome: unknown value {f.outcome!r}")
            f.outcome = ""
        if get("day"):
            try:
                f.day = date.fromisoformat(get("day"))
            except ValueError:
                f.errors.append(f"day: expected a date like 2026-11-22, got {get('day')!r}")
        d = get("discarded") or "no"
        if d not in ("no", "yes", "all"):
            f.errors.append(f"discarded: expected no, yes or all, got {d!r}")
            d = "no"
        f.discarded = d
        s = get("sort") or "time"
        if s not in SORTS:
            f.errors.append(f"sort: expected one of {', '.join(SORTS)}, got {s!r}")
            s = "time"
        f.sort = s
        f.desc = get("dir") != "asc" if get("dir") else s in ("time", "score")
        for key, lo, hi in (("page", 1, 10_000_000), ("per_page", 10, MAX_PAGE_SIZE)):
            raw = get(key)
            if raw:
                try:
                    v = int(raw)
                    if not lo <= v <= hi:
                        raise ValueError
                    setattr(f, key, v)
                except ValueError:
                    f.errors.append(f"{key}: expected a whole number from {lo} to {hi}, got {raw!r}")
        return f

    def params(self, **over: Any) -> dict[str, str]:
        """The URL parameters of this view (only the non-default ones), with overrides."""
        f = replace(self, **{k: v for k, v in over.items() if k != "dir"})
        out = {"tag": f.tag, "staff": f.staff, "kiosk": f.kiosk, "day": f.day.isoformat() if f.day else "",
               "discarded": "" if f.discarded == "no" else f.discarded, "follow_up": f.follow_up,
               "product": f.product, "outcome": f.outcome, "q": f.q,
               "sort": "" if f.sort == "time" else f.sort,
               "dir": over.get("dir", "" if f.desc == (f.sort in ("time", "score")) else ("desc" if f.desc else "asc")),
               "page": "" if f.page == 1 else str(f.page),
               "per_page": "" if f.per_page == 50 else str(f.per_page)}
        return {k: v for k, v in out.items() if v}

    def query_string(self, **over: Any) -> str:
        return urlencode(self.params(**over))

    def sort_link(self, key: str) -> str:
        """Clicking the current sort column flips its direction; another column starts at its default."""
        if key == self.sort:
            return self.query_string(sort=key, page=1, dir="asc" if self.desc else "desc")
        return self.query_string(sort=key, page=1, dir="")

    @property
    def active(self) -> bool:
        return bool(self.tag or self.staff or self.kiosk or self.day or self.discarded != "no"
                    or self.follow_up or self.product or self.outcome or self.q)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where_clause(f: LeadFilter) -> list[Any]:
    """The WHERE terms of a view (shared by the page, the count, the export and the charts)."""
    w: list[Any] = [Lead.show_id == f.show_id, Lead.merged_into.is_(None)]
    if f.tag:
        w.append(Lead.tag == f.tag)
    if f.staff:
        w.append(Lead.staff == f.staff)
    if f.kiosk:
        w.append(Lead.device_id == f.kiosk)
    if f.day:
        start = datetime.combine(f.day, time(0), tzinfo=timezone.utc)
        w.append(and_(Lead.captured_at_corrected >= start,
                      Lead.captured_at_corrected < start + timedelta(days=1)))
    if f.discarded == "no":
        w.append(Lead.discarded.is_(False))
    elif f.discarded == "yes":
        w.append(Lead.discarded.is_(True))
    if f.follow_up == "any":
        w.append(and_(Lead.follow_up.is_not(None), Lead.follow_up != ""))
    elif f.follow_up == "none":
        w.append(or_(Lead.follow_up.is_(None), Lead.follow_up == ""))
    elif f.follow_up.startswith("="):          # a choice from the form: exactly that option
        w.append(Lead.follow_up == f.follow_up[1:])
    elif f.follow_up:
        w.append(Lead.follow_up.ilike(_like(f.follow_up), escape="\\"))
    if f.product.startswith("="):              # one option of the "a, b, c" list, not a substring
        opt = f.product[1:]
        esc = opt.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        w.append(or_(Lead.product_interest == opt,
                     Lead.product_interest.like(esc + ", %", escape="\\"),
                     Lead.product_interest.like("%, " + esc, escape="\\"),
                     Lead.product_interest.like("%, " + esc + ", %", escape="\\")))
    elif f.product:
        w.append(Lead.product_interest.ilike(_like(f.product), escape="\\"))
    if f.outcome == "none":
        w.append(~select(Outcome.lead_id).where(Outcome.lead_id == Lead.id).exists())
    elif f.outcome:
        w.append(select(Outcome.lead_id).where(Outcome.lead_id == Lead.id,
                                               Outcome.status == f.outcome).exists())
    if f.q:
        # every word, folded like leads.search_text (central/search.py), must occur in it
        words = fold(f.q).split()[:4]
        w.extend(Lead.search_text.like(_like(word), escape="\\") for word in words)
    return w


LIST_COLUMNS = (Lead.id, Lead.captured_at_corrected, Lead.tag, Lead.computed_tag, Lead.override, Lead.score,
                Lead.discarded, Lead.first_name, Lead.last_name, Lead.company, Lead.email, Lead.staff,
                Lead.device_id, Lead.kiosk_id, Lead.follow_up, Lead.product_interest, Lead.country)


def _order(f: LeadFilter) -> list[Any]:
    # No NULLS LAST: it would stop the database from walking the sort index (NULL scores and
    # names are rare; SQLite puts them last when descending, PostgreSQL first).
    col = SORTS[f.sort]
    return [col.desc() if f.desc else col.asc(), Lead.id.desc() if f.desc else Lead.id.asc()]


def page_query(f: LeadFilter) -> Select:
    """The rows of one page, with the kiosk's name and the outcome joined in.

    A deferred join: the page's ids are found first from the leads alone (walking an index),
    then only those rows are read and joined, so page 500 does not join the 25,000 rows before it."""
    ids = (select(Lead.id).where(*where_clause(f)).order_by(*_order(f))
           .limit(f.per_page).offset((f.page - 1) * f.per_page).subquery("page_ids"))
    return (select(*LIST_COLUMNS, Device.name.label("kiosk_name"), Outcome.status.label("outcome"),
                   Outcome.stage.label("stage"))
            .select_from(Lead)
            .join(ids, ids.c.id == Lead.id)
            .outerjoin(Device, Device.id == Lead.device_id)
            .outerjoin(Outcome, Outcome.lead_id == Lead.id)
            .order_by(*_order(f)))


def count_query(f: LeadFilter) -> Select:
    return select(func.count()).select_from(Lead).where(*where_clause(f))


def export_query(f: LeadFilter) -> Select:
    """Every row of the view in the view's order, with what an export needs."""
    return (select(*LIST_COLUMNS, Device.name.label("kiosk_name"), Outcome.status.label("outcome"),
                   Outcome.stage.label("stage"), Lead.record_json, Outcome.reason.label("outcome_reason"))
            .select_from(Lead)
            .outerjoin(Device, Device.id == Lead.device_id)
            .outerjoin(Outcome, Outcome.lead_id == Lead.id)
            .where(*where_clause(f))
            .order_by(*_order(f)))
