"""The SQL aggregates behind the shows list, the charts, the feedback report and calibration.
Each is one GROUP BY that the indexes answer; the arithmetic on top lives in ``report`` and
``calibration`` (pure)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.models import Device, Lead, Show
from central.web import calibration as cal
from central.web import numbers as nb
from central.web import report as rep
from central.web.answers_index import load_show_form, refresh
from central.web.leadquery import LeadFilter, where_clause
from central.web.models import LeadAnswer, LeadAnswerState, Outcome, ReportSettings, ReviewRevision


@dataclass
class KioskRow:
    id: str
    name: str
    pending: int
    pending_detail: dict[str, int]
    last_sync_at: datetime | None
    last_ingest_at: datetime | None
    revoked: bool


@dataclass
class ShowSummary:
    id: str
    name: str
    leads: int = 0
    hot: int = 0
    warm: int = 0
    nurture: int = 0
    discarded: int = 0
    outcomes: int = 0
    cost: float | None = None
    kiosks: list[KioskRow] = field(default_factory=list)
    numbers: nb.ShowNumbers | None = None

    @property
    def last_sync_at(self) -> datetime | None:
        times = [k.last_ingest_at or k.last_sync_at for k in self.kiosks if (k.last_ingest_at or k.last_sync_at)]
        return max(times) if times else None

    @property
    def pending(self) -> int:
        return sum(k.pending for k in self.kiosks)


def _pending(pj: Any) -> tuple[int, dict[str, int]]:
    if not isinstance(pj, dict):
        return 0, {}
    detail = {str(k): int(v) for k, v in pj.items() if isinstance(v, (int, float))}
    return sum(detail.values()), detail


def shows_overview(s: Session, show_id: str | None = None) -> list[ShowSummary]:
    """Headline numbers of every show (or one): lead counts by tag, discarded, kiosk sync state."""
    q = select(Show.id, Show.name, Show.cost).order_by(Show.created_at.desc(), Show.id)
    if show_id:
        q = q.where(Show.id == show_id)
    shows = {r.id: ShowSummary(r.id, r.name or r.id, cost=float(r.cost) if r.cost is not None else None)
             for r in s.execute(q)}
    if not shows:
        return []
    for sid, sm in shows.items():
        n = show_numbers(s, sid)
        sm.leads, sm.discarded = n.leads, n.discarded_at_capture
        sm.hot, sm.warm, sm.nurture = (n.tag_leads(t) for t in nb.TAGS)
        sm.numbers = n
    oq = select(Outcome.show_id, func.count()).group_by(Outcome.show_id)
    if show_id:
        oq = oq.where(Outcome.show_id == show_id)
    for sid, n in s.execute(oq):
        if sid in shows:
            shows[sid].outcomes = n
    dq = select(Device).order_by(Device.name)
    if show_id:
        dq = dq.where(Device.show_id == show_id)
    for d in s.scalars(dq):
        if d.show_id in shows:
            total, detail = _pending(d.pending_json)
            shows[d.show_id].kiosks.append(KioskRow(d.id, d.name, total, detail, d.last_sync_at,
                                                    getattr(d, "last_ingest_at", None), d.revoked_at is not None))
    return list(shows.values())


def _hour_expr(dialect: str):
    col = Lead.captured_at_corrected
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", col), "YYYY-MM-DD HH24")
    return func.substr(col, 1, 13)


@dataclass
class Charts:
    per_hour: dict[str, list[tuple[int, int]]]   # day -> [(hour, n)] for every hour of the day's span
    tags: list[tuple[str, int]]
    staff: list[tuple[str, int]]
    answers: list[tuple[str, str, list[tuple[str, int]]]]  # (qid, question label, [(option label, n)])


def charts(s: Session, f: LeadFilter) -> Charts:
    """Chart data for the leads of a view; the unfiltered view of a show is cached like the report."""
    if not f.active:
        refresh(s, f.show_id)
        return cached(s, "charts", f.show_id, lambda: _charts(s, f))
    return _charts(s, f)


def _charts(s: Session, f: LeadFilter) -> Charts:
    dialect = s.get_bind().dialect.name
    w = where_clause(f)
    hour = _hour_expr(dialect).label("h")
    by_day: dict[str, dict[int, int]] = {}
    for h, n in s.execute(select(hour, func.count()).where(*w).group_by(hour)):
        if not h:
            continue
        day, hh = str(h)[:10], int(str(h)[11:13])
        by_day.setdefault(day, {})[hh] = n
    per_hour = {}
    for day in sorted(by_day):
        hours = by_day[day]
        lo, hi = min(hours), max(hours)
        per_hour[day] = [(h, hours.get(h, 0)) for h in range(lo, hi + 1)]
    tags = dict(s.execute(select(Lead.tag, func.count()).where(*w).group_by(Lead.tag)).all())
    staff = s.execute(select(func.coalesce(Lead.staff, "(none)"), func.count()).where(*w)
                      .group_by(Lead.staff).order_by(func.count().desc()).limit(20)).all()
    show = s.get(Show, f.show_id)
    form = load_show_form(show)
    refresh(s, f.show_id, form)
    rows = s.execute(select(LeadAnswer.question_id, LeadAnswer.value, func.count())
                     .join(Lead, Lead.id == LeadAnswer.lead_id)
                     .where(*w).group_by(LeadAnswer.question_id, LeadAnswer.value)).all()
    answers = []
    for q in questions_of(form, rows):
        counts = {v: n for qid, v, n in rows if qid == q.id}
        opts = list(q.options) or [(v, v) for v in sorted(counts)]
        answers.append((q.id, q.label, [(label, counts.get(v, 0)) for v, label in opts]))
    return Charts(per_hour, [(t, int(tags.get(t, 0))) for t in ("hot", "warm", "nurture")],
                  [(str(a), int(b)) for a, b in staff], answers)


def questions_of(form: Any, rows: list[tuple] | None = None, lang: str = "en") -> list[rep.Question]:
    """The form's countable questions (labels in ``lang``), or the ids seen in the data without a form."""
    if form is None:
        ids = sorted({r[0] for r in rows or []})
        return [rep.Question(i, i) for i in ids]
    out = []
    for q in form.questions:
        if q.kind == "text":
            continue
        opts = [(o.id, form.label(f"{q.id}.{o.id}", lang)) for o in q.options]
        if q.kind == "yesno" and not opts:
            opts = [("yes", "Yes"), ("no", "No")]
        if q.kind == "scale" and not opts:
            opts = [(str(i), str(i)) for i in range(1, 6)]
        out.append(rep.Question(q.id, form.label(q.id, lang), opts))
    return out


_CACHE: dict[tuple[str, str, str], tuple[tuple, Any]] = {}
_CACHE_MAX = 128


def fingerprint(s: Session, show_id: str) -> tuple:
    """What the report and calibration of a show depend on, read from indexes: any new or edited
    lead moves ``max(updated_at)``, any outcome moves the outcome count or newest report time."""
    newest = s.scalar(select(func.max(Lead.updated_at)).where(Lead.show_id == show_id))
    n_out, last_out = s.execute(select(func.count(), func.max(Outcome.reported_at))
                                .where(Outcome.show_id == show_id)).one()
    show = s.get(Show, show_id)
    rev = s.scalar(select(ReviewRevision.rev).where(ReviewRevision.show_id == show_id))
    from central.sales.models import LeadClaim
    claims = tuple(s.execute(select(func.count(LeadClaim.first_contact_s), func.max(LeadClaim.first_contact_at))
                             .where(LeadClaim.show_id == show_id)).one())
    return (str(newest), str(claims), n_out, str(last_out), rev, report_settings(s, show_id), str(show.cost) if show else None,
            show.form_version if show else None, hash(show.form_yaml) if show else None)


def cached(s: Session, kind: str, show_id: str, compute: Any) -> Any:
    """``compute()`` unless this process computed it for the same fingerprint already. The cache
    is only a shortcut: processes stay stateless, and any change to the show's data misses it."""
    key = (str(s.get_bind().url), kind, show_id)
    fp = fingerprint(s, show_id)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == fp:
        return hit[1]
    value = compute()
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (fp, value)
    return value


def clear_cache() -> None:
    _CACHE.clear()


def report_settings(s: Session, show_id: str) -> tuple[str | None, str | None]:
    """``(currency, time zone name)`` of a show's report (None: not set; the zone is then UTC)."""
    row = s.get(ReportSettings, show_id)
    return (row.currency, row.timezone) if row is not None else (None, None)


def show_zone(name: str | None):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    from datetime import timezone
    try:
        return ZoneInfo(name) if name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def show_facts(s: Session, show_id: str) -> list[nb.LeadFacts]:
    """One small row per live lead: the input of :func:`numbers.tally`. (Per lead rather than a
    GROUP BY so days and hours can be counted in the show's own time zone.)"""
    from central.sales.models import LeadClaim   # time to first contact, recorded by sales (issue 15)
    q = (select(Lead.tag, Lead.computed_tag, Lead.discarded, Outcome.status, Outcome.amount, Outcome.currency,
                Lead.staff, func.coalesce(Device.name, Lead.kiosk_id), Lead.captured_at_corrected, Lead.score,
                LeadClaim.first_contact_s, func.coalesce(LeadClaim.first_contact_by, LeadClaim.claimed_by))
         .outerjoin(Outcome, Outcome.lead_id == Lead.id).outerjoin(Device, Device.id == Lead.device_id)
         .outerjoin(LeadClaim, LeadClaim.lead_id == Lead.id)
         .where(Lead.show_id == show_id, Lead.merged_into.is_(None)))
    return [nb.LeadFacts(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11])
            for r in s.execute(q)]


def show_numbers(s: Session, show_id: str, use_cache: bool = True) -> nb.ShowNumbers:
    """Every number of one show by the definitions in ``numbers`` (cached per data fingerprint)."""
    def compute() -> nb.ShowNumbers:
        currency, zone = report_settings(s, show_id)
        return nb.tally(show_facts(s, show_id), currency=currency, tz=show_zone(zone))
    return cached(s, "numbers", show_id, compute) if use_cache else compute()


def answer_counts(s: Session, show_id: str) -> list[tuple]:
    """``(question, value, status, n)``: one GROUP BY over the answer index, which carries each
    lead's outcome status (an index-only count on PostgreSQL)."""
    return [tuple(r) for r in s.execute(
        select(LeadAnswer.question_id, LeadAnswer.value, LeadAnswer.status, func.count())
        .join(Lead, Lead.id == LeadAnswer.lead_id)   # discarded at capture: in no number (``numbers``)
        .where(LeadAnswer.show_id == show_id, Lead.discarded.is_(False))
        .group_by(LeadAnswer.question_id, LeadAnswer.value, LeadAnswer.status))]


def feedback(s: Session, show_id: str, use_cache: bool = True) -> rep.FeedbackReport:
    """The feedback report of one show (see ``report`` for the definitions)."""
    show = s.get(Show, show_id)
    form = load_show_form(show)
    refresh(s, show_id, form)

    def compute() -> rep.FeedbackReport:
        answer_rows = answer_counts(s, show_id)
        cost = float(show.cost) if show is not None and show.cost is not None else None
        return rep.build_report(show_numbers(s, show_id), cost, answer_rows, questions_of(form, answer_rows))
    return cached(s, "feedback", show_id, compute) if use_cache else compute()


def feedback_all(s: Session) -> tuple[rep.FeedbackReport, list[tuple[str, str, rep.FeedbackReport]]]:
    """Across shows: per-show reports (without answer tables, forms differ) and their sum."""
    shows = s.execute(select(Show.id, Show.name, Show.cost).order_by(Show.created_at)).all()
    per: list[tuple[str, str, rep.FeedbackReport]] = []
    for sid, name, cost in shows:
        per.append((sid, name or sid, rep.build_report(show_numbers(s, sid), float(cost) if cost is not None else None)))
    return rep.combine([r for _, _, r in per]), per


def calibration_for(s: Session, show_id: str, step: int = 5) -> tuple[cal.Calibration | None, Any]:
    """Calibration table of a show from its outcomes; (None, None) when the form cannot be read."""
    show = s.get(Show, show_id)
    form = load_show_form(show)
    if form is None:
        return None, None
    refresh(s, show_id, form)

    def compute() -> cal.Calibration:
        # Leads discarded at capture never reach sales whatever the thresholds: left out, as in
        # every other number (``numbers``).
        rows = s.execute(
            select(Lead.score, Outcome.status, func.count(), LeadAnswerState.hot_ok, LeadAnswerState.warm_ok,
                   Lead.computed_tag)
            .outerjoin(Outcome, Outcome.lead_id == Lead.id)
            .outerjoin(LeadAnswerState, LeadAnswerState.lead_id == Lead.id)
            .where(Lead.show_id == show_id, Lead.merged_into.is_(None), Lead.discarded.is_(False))
            .group_by(Lead.score, Outcome.status, LeadAnswerState.hot_ok, LeadAnswerState.warm_ok,
                      Lead.computed_tag)).all()
        return cal.calibrate(cal.buckets_from_counts(rows), int(form.scoring.hot), int(form.scoring.warm), step=step,
                             min_decided=nb.MIN_DECIDED)
    return cached(s, f"calibration:{step}", show_id, compute), form
