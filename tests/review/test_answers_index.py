"""The answer index and the report cache follow the data: new leads, new versions and outcomes
show up in the next report, and nothing is re-derived when nothing changed."""
from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from central.models import Lead
from central.web import stats
from central.web.answers_index import refresh
from central.web.models import LeadAnswer, LeadAnswerState

from review_helpers import sign_in  # type: ignore[import-not-found]


def test_refresh_is_incremental(app):
    from sqlalchemy import delete
    from central.web.models import AnswerIndexMark
    db = app.state.db
    with db.session() as s:   # the demo loader built the index: start from none
        for table in (LeadAnswer, LeadAnswerState, AnswerIndexMark):
            s.execute(delete(table))
    with db.session() as s:
        first = refresh(s, "expo")
    with db.session() as s:
        assert refresh(s, "expo") == 0                       # nothing changed: nothing re-derived
        n = s.scalar(select(func.count()).select_from(Lead).where(Lead.show_id == "expo"))
        assert first == n == s.scalar(select(func.count()).select_from(LeadAnswerState))
        lead = s.scalars(select(Lead).where(Lead.show_id == "expo").order_by(Lead.id)).first()
        rec = copy.deepcopy(lead.record_json)
        rec["answers"]["budget"] = "none" if rec["answers"]["budget"] != "none" else "approved"
        rec["version"] = lead.version + 1
        lead.record_json, lead.version = rec, lead.version + 1
        lead.updated_at = datetime.now(timezone.utc) + timedelta(seconds=5)   # a kiosk's new version
        lead_id, new_budget = lead.id, rec["answers"]["budget"]
    with db.session() as s:
        assert refresh(s, "expo") == 1
        got = s.scalars(select(LeadAnswer.value).where(LeadAnswer.lead_id == lead_id,
                                                       LeadAnswer.question_id == "budget")).all()
        assert got == [new_budget]
        assert s.get(LeadAnswerState, lead_id).version == rec["version"]


def _won(html: str) -> int:
    return int(re.search(r"closed \((\d+) won\)", html).group(1))


def test_report_follows_new_outcomes_despite_the_cache(app):
    b = sign_in(app, "admin")
    before = _won(b.get("/shows/expo/report").text)
    assert _won(b.get("/shows/expo/report").text) == before       # served from the cache
    with app.state.db.session() as s:
        from central.web.models import Outcome
        lead_id = s.scalars(select(Lead.id).where(Lead.show_id == "expo", Lead.discarded.is_(False),
                                                  ~select(Outcome.lead_id).where(Outcome.lead_id == Lead.id).exists())
                            .order_by(Lead.id)).first()
    url = f"/leads/{lead_id}"
    b.post_form(url, url + "/outcome", {"status": "closed_won"})
    assert _won(b.get("/shows/expo/report").text) == before + 1
    b.post_form(url, url + "/outcome", {"status": "closed_lost", "reason": "changed mind"})
    assert _won(b.get("/shows/expo/report").text) == before


def test_cached_and_uncached_reports_agree(app):
    with app.state.db.session() as s:
        stats.clear_cache()
        a = stats.feedback(s, "expo")
        b = stats.feedback(s, "expo", use_cache=False)
    assert a.total == b.total and a.by_tag == b.by_tag
    assert {q: [(r.value, r.tally) for r in rows] for q, rows in a.answers.items()} == \
        {q: [(r.value, r.tally) for r in rows] for q, rows in b.answers.items()}


def test_answer_index_follows_edits_with_equal_timestamps(app):
    """Two outcome changes stamped with the same instant (the test clock stands still, as two
    processes' clocks may disagree): the answer index still carries the latest status."""
    b = sign_in(app, "admin")
    b.get("/shows/expo/report")
    with app.state.db.session() as s:
        lead_id = s.scalars(select(LeadAnswer.lead_id).where(LeadAnswer.show_id == "expo")
                            .order_by(LeadAnswer.lead_id)).first()
    url = f"/leads/{lead_id}"
    for status, extra in (("closed_won", {}), ("closed_lost", {"reason": "budget cut"}), ("active", {"stage": "demo"})):
        b.post_form(url, url + "/outcome", {"status": status, **extra})
        b.get("/shows/expo/report")
        with app.state.db.session() as s:
            assert set(s.scalars(select(LeadAnswer.status).where(LeadAnswer.lead_id == lead_id))) == {status}
