"""Keeps ``lead_answers`` (one row per selected option) and ``lead_answer_state`` in step with
the leads, lazily: before a report or chart is computed, the leads whose version differs from
the indexed one are re-derived. Steady state costs two index lookups (newest ``updated_at`` and
the lead count); a freshly loaded show pays once. Why not at ingest: ingest belongs to the central service and must stay fast; this keeps
the review app's needs in the review app."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.models import Lead, Show
from central.web.models import AnswerIndexMark, LeadAnswer, LeadAnswerState, Outcome, ReviewRevision

BATCH = 2000


def load_show_form(show: Show | None):  # -> forms.Form | None
    """The show's form, or None when it is missing or invalid (the report then says so)."""
    if show is None or not show.form_yaml:
        return None
    from forms import FormError, load_form_text
    try:
        return load_form_text(show.form_yaml, source=f"show {show.id} form")
    except FormError:
        return None


def selections(form: Any, answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """Answers as option ids per question; free-text answers are left out (they do not count)."""
    out: dict[str, list[str]] = {}
    for qid, value in (answers or {}).items():
        if qid == "consent" or value is None:
            continue
        q = form.question(qid) if form is not None else None
        if q is not None:
            if q.kind == "text":
                continue
            try:
                sel = [str(v) for v in q.selected(value)]
            except (TypeError, ValueError):
                continue
        elif isinstance(value, bool):
            sel = ["yes" if value else "no"]
        elif isinstance(value, (int, str)) and len(str(value)) <= 60:
            sel = [str(value)]
        elif isinstance(value, list):
            sel = [str(v) for v in value if isinstance(v, (str, int))]
        else:
            continue
        out[qid] = [v[:100] for v in sel]
    return out


def rule_flags(form: Any, sel: Mapping[str, list[str]]) -> tuple[bool, bool]:
    """Whether the form's hot and warm must-have rules hold for these answers."""
    if form is None:
        return True, True
    sc = form.scoring
    hot_ok = all(r.condition.holds(sel.get(r.condition.question)) for r in sc.hot_requires)
    warm_ok = all(r.condition.holds(sel.get(r.condition.question)) for r in sc.warm_requires)
    return hot_ok, warm_ok


MARGIN = timedelta(minutes=10)  # a transaction can commit a little after a later one's updated_at


def refresh(s: Session, show_id: str, form: Any = None) -> int:
    """Re-derive stale leads of a show; returns how many were re-derived.

    Only leads updated since the show's watermark (less ``MARGIN``) are compared with the index,
    so the check costs one index range scan when nothing changed; the first run compares all."""
    newest = s.scalar(select(func.max(Lead.updated_at)).where(Lead.show_id == show_id))
    if newest is None:
        return 0
    rev = s.scalar(select(ReviewRevision.rev).where(ReviewRevision.show_id == show_id))
    mark = s.get(AnswerIndexMark, show_id)
    if mark is not None and mark.watermark is not None and _aware(mark.watermark) >= _aware(newest) \
            and mark.rev == rev:
        # Nothing updated since, and no review edit (whose timestamp could equal the watermark or
        # come from a process whose clock is behind); a lead inserted by a transaction that
        # committed late would still change the count.
        n_leads = s.scalar(select(func.count()).select_from(Lead).where(Lead.show_id == show_id))
        n_state = s.scalar(select(func.count()).select_from(LeadAnswerState)
                           .where(LeadAnswerState.show_id == show_id))
        if n_leads == n_state:
            return 0
    since = _aware(mark.watermark) - MARGIN if mark is not None and mark.watermark is not None else None
    if form is None:
        form = load_show_form(s.get(Show, show_id))
    total = _refresh(s, show_id, form, since)
    if mark is None:
        try:
            with s.begin_nested():
                s.add(AnswerIndexMark(show_id=show_id, watermark=newest, rev=rev))
        except IntegrityError:
            pass
    else:
        mark.watermark = max(_aware(newest), _aware(mark.watermark)) if mark.watermark else newest
        mark.rev = rev
    return total


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _refresh(s: Session, show_id: str, form: Any, since: datetime | None) -> int:
    total = 0
    while True:
        q = (select(Lead.id, Lead.version, Lead.record_json["answers"].label("answers"), Lead.merged_into,
                    Outcome.status)
             # only the answers object leaves the database: decoding whole records was most of the cost
             .outerjoin(LeadAnswerState, LeadAnswerState.lead_id == Lead.id)
             .outerjoin(Outcome, Outcome.lead_id == Lead.id)
             .where(Lead.show_id == show_id,
                    or_(LeadAnswerState.version.is_(None), LeadAnswerState.version != Lead.version)))
        if since is not None:
            q = q.where(Lead.updated_at >= since)
        stale = s.execute(q.limit(BATCH)).all()
        if not stale:
            return total
        ids = [r.id for r in stale]
        answer_rows: list[dict] = []
        state_rows: list[dict] = []
        for r in stale:
            answers = r.answers if isinstance(r.answers, dict) else {}
            sel = {} if r.merged_into else selections(form, answers)
            for qid, values in sel.items():
                for v in dict.fromkeys(values):
                    answer_rows.append({"lead_id": r.id, "question_id": qid[:100], "value": v, "show_id": show_id,
                                        "status": r.status})
            hot_ok, warm_ok = rule_flags(form, sel)
            state_rows.append({"lead_id": r.id, "show_id": show_id, "version": r.version,
                               "hot_ok": hot_ok, "warm_ok": warm_ok})
        try:
            with s.begin_nested():
                conn = s.connection()  # Core executemany: the ORM bulk path is several times slower
                conn.execute(delete(LeadAnswer.__table__).where(LeadAnswer.__table__.c.lead_id.in_(ids)))
                conn.execute(delete(LeadAnswerState.__table__).where(LeadAnswerState.__table__.c.lead_id.in_(ids)))
                if answer_rows:
                    conn.execute(insert(LeadAnswer.__table__), answer_rows)
                conn.execute(insert(LeadAnswerState.__table__), state_rows)
        except IntegrityError:
            # Another process indexed the same leads at the same moment: theirs is as good.
            continue
        total += len(stale)
