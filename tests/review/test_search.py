"""Issue 17 item 11: search ignores accents and case for every letter, not only A-Z, on SQLite (in
Chromium, typed into the search box) and on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from review_helpers import build_app, sign_in, signed_in_page  # type: ignore[import-not-found]

NAMES = [("Ayşe", "Öztürk", "Öztürk Makine A.Ş."), ("Lucía", "García", "Talleres García"),
         ("Jürgen", "Müller", "Müller & Söhne GmbH"), ("Pablo", "Fernández", "Fernández y Cía"),
         ("Søren", "Ødegård", "Ødegård Ærø ApS")]
SEARCHES = {"öztürk": "Öztürk", "GARCÍA": "García", "MÜLLER": "Müller", "fernandez": "Fernández",
            "jurgen": "Jürgen", "odegard": "Ødegård", "JÜRGEN müller": "Jürgen"}


def _rename(app) -> dict[str, str]:
    """Give five demo leads these names through the review app's own edit path."""
    from central.models import Lead
    from central.web.leadedit import edit_contact
    now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    ids = {}
    with app.state.db.session() as s:
        lead_ids = s.scalars(select(Lead.id).where(Lead.show_id == "expo", Lead.discarded.is_(False))
                             .order_by(Lead.id).limit(len(NAMES))).all()
        for lead_id, (first, last, company) in zip(lead_ids, NAMES):
            edit_contact(s, lead_id, {"first_name": first, "last_name": last, "company": company},
                         actor="test", source="web", now=now)
            ids[last] = lead_id
        s.commit()
    return ids


def test_fold() -> None:
    from central.search import fold, search_text
    assert fold("Jürgen GARCÍA-Øster Straße") == "jurgen garcia-oster strasse"
    assert search_text(["Ayşe", None, "", "Öztürk"]) == "ayse ozturk"


def test_ingested_lead_gets_its_search_key() -> None:
    from central.search import search_text_of
    assert search_text_of({"first_name": "Lucía", "last_name": "García", "company": None,
                           "email": "LUCIA@EXAMPLE.COM"}) == "lucia garcia lucia@example.com"


@pytest.mark.browser
@pytest.mark.slow
def test_accented_search_in_chromium(app, server, browser) -> None:
    ids = _rename(app)
    page = signed_in_page(browser, server, "marketer", width=1280, height=860)
    for term, expect in SEARCHES.items():
        page.goto(server + "/shows/expo/leads")
        page.fill("input[name=q]", term)
        page.press("input[name=q]", "Enter")
        page.wait_for_url("**q=**")
        names = page.locator("#leads tbody td.name").all_inner_texts()
        assert any(expect in n for n in names), (term, names)
    # the search key follows edits
    page.goto(server + "/shows/expo/leads?q=OZTURK+makine")
    assert page.inner_text("#total") == "1"
    assert ids["Öztürk"] in page.locator("#leads tbody a").first.get_attribute("href")


@pytest.mark.postgres
def test_accented_search_on_postgresql(pg_url) -> None:
    app = build_app(pg_url, leads=40)
    try:
        ids = _rename(app)
        b = sign_in(app, "marketer")
        for term, expect in SEARCHES.items():
            last = next(n[1] for n in NAMES if expect in n)
            r = b.get("/shows/expo/leads", params={"q": term})
            assert ids[last] in r.text, term
        assert '<b id="total">0</b>' in b.get("/shows/expo/leads", params={"q": "zzzqqq"}).text
    finally:
        app.state.db.dispose()
