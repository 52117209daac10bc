"""The review app on a real PostgreSQL server: the dialect-specific parts (hour bucketing in the
charts, ILIKE search, NULLS LAST sorting, row locks on edits, JSONB records) and the main pages."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from review_helpers import Clock, build_app, csrf_of, sign_in  # type: ignore[import-not-found]

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def pg_app(pg_url):
    app = build_app(pg_url, leads=150)
    app.state.review.settings.clock = Clock()
    yield app
    app.state.db.dispose()


def test_review_pages_on_postgresql(pg_app):
    from central.models import Lead
    from central.web.models import Outcome
    app = pg_app
    assert app.state.db.dialect == "postgresql"
    b = sign_in(app, "admin")
    assert "Test Expo" in b.get("/shows").text

    with app.state.db.session() as s:
        lead = s.scalars(select(Lead).where(Lead.discarded.is_(False)).order_by(Lead.id)).first()
        hot = s.scalar(select(func.count()).select_from(Lead).where(Lead.tag == "hot", Lead.discarded.is_(False)))
        day = lead.captured_at_corrected.date().isoformat()
        same_day = s.scalar(select(func.count()).select_from(Lead).where(
            func.date(func.timezone("UTC", Lead.captured_at_corrected)) == lead.captured_at_corrected.date()))
    r = b.get("/shows/expo/leads", params={"tag": "hot"})
    assert f'<b id="total">{hot}</b>' in r.text
    # case-insensitive; all on one page: a short name ("Li") is inside many others' names and e-mails
    r = b.get("/shows/expo/leads", params={"q": lead.last_name.upper(), "per_page": 500})
    assert lead.id in r.text
    r = b.get("/shows/expo/leads", params={"day": day, "discarded": "all"})
    assert f'<b id="total">{same_day}</b>' in r.text
    r = b.get("/shows/expo/leads", params={"sort": "score", "dir": "asc", "per_page": 500, "discarded": "all"})
    ids = re.findall(r'href="/leads/([0-9a-f-]{36})', r.text)
    with app.state.db.session() as s:
        scores = [s.get(Lead, i).score for i in ids]
    assert scores == sorted(scores) and len(ids) == 150

    charts = b.get("/shows/expo/charts").text
    assert charts.count("<title>Leads per hour on") == 3  # three show days, bucketed in UTC

    url = f"/leads/{lead.id}"
    b.post_form(url, url + "/tag", {"tag": "hot" if lead.tag != "hot" else "warm"})
    b.post_form(url, url + "/outcome", {"status": "closed_won"})
    with app.state.db.session() as s:
        after = s.get(Lead, lead.id)
        assert after.version == lead.version + 2 and after.override is not None
        assert s.get(Outcome, lead.id).status == "closed_won"

    rep = b.get("/shows/expo/report").text
    assert "How each qualifier" in rep and "per closed deal" in rep
    assert 'id="candidates"' in b.get("/shows/expo/calibration").text
    rows = list(csv.DictReader(io.StringIO(b.get("/shows/expo/leads.csv").content.decode("utf-8-sig"))))
    assert rows and all(r["discarded"] == "no" for r in rows)

    page = b.get("/shows/expo/outcomes/import")
    text = f"email,status,reason\n{lead.email},discarded,no budget\n"
    r = b.client.post("/shows/expo/outcomes/import", data={"csrf": csrf_of(page.text)},
                      files={"file": ("o.csv", text.encode(), "text/csv")})
    assert '<b id="n-matched">1</b>' in r.text
