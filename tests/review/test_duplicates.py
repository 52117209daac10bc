"""Issue 17, item 13: possible duplicates are suggested (on the lead page and in a list per show)
and merged by picking each field's value from either side, in Chromium at 1366 px and on a 390 px
phone. The merged lead keeps its history and gets a new version; the other is marked merged."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from review_helpers import signed_in_page  # type: ignore[import-not-found]

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def test_reason_rules() -> None:
    from central.web.duplicates import SAME_EMAIL, SAME_NAME, merge_fields, reason_for

    def lead(first, last, company, email):
        return SimpleNamespace(first_name=first, last_name=last, company=company, email=email)
    assert reason_for(lead("Lena", "Weber", "X", "Lena.Weber@Rhein.example "),
                      lead(None, None, None, "lena.weber@rhein.EXAMPLE")) == SAME_EMAIL
    assert reason_for(lead("Jürgen", "Müller", "Müller & Söhne", None),
                      lead("JURGEN", "muller", "Muller & Sohne", "j@x.example")) == SAME_NAME
    assert reason_for(lead("Jürgen", "Müller", None, None), lead("Jürgen", "Müller", None, None)) is None
    assert reason_for(lead("A", "B", "C", "a@x.example"), lead("A", "B", "D", "b@x.example")) is None
    rows = merge_fields({"company": "Acme", "phone": None, "email": "a@x"},
                        {"company": "ACME GmbH", "phone": "+49 1", "email": "a@x"}, ["company", "phone", "email"])
    assert rows == [{"field": "company", "keep": "Acme", "other": "ACME GmbH", "default": "keep"},
                    {"field": "phone", "keep": None, "other": "+49 1", "default": "other"}]


def _make_pair(app, index: int) -> tuple[str, str, str, str]:
    """Two live demo leads made to look like one person: the same e-mail in another case, a
    different company on each. Returns (older id, newer id, older company, newer company)."""
    from central.models import Lead
    from central.web.leadedit import edit_contact
    with app.state.db.session() as s:
        ids = s.scalars(select(Lead.id).where(Lead.show_id == "expo", Lead.merged_into.is_(None),
                                              Lead.discarded.is_(False))
                        .order_by(Lead.captured_at_corrected).offset(10 + 4 * index).limit(2)).all()
        email = f"pair{index}.visitor@dup.example"
        edit_contact(s, ids[0], {"first_name": "Ada", "last_name": f"Pair{index}", "company": "Old & Co",
                                 "email": email}, actor="test", source="web", now=NOW)
        edit_contact(s, ids[1], {"first_name": "Ada", "last_name": f"Pair{index}", "company": "New <b>GmbH</b>",
                                 "email": email.upper()}, actor="test", source="web", now=NOW)
        s.commit()
    return ids[0], ids[1], "Old & Co", "New <b>GmbH</b>"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width", [1366, 390])
def test_suggest_and_merge_by_picking(app, server, browser, width: int) -> None:
    from central.models import Lead, LeadVersion
    keep_id, dup_id, old_company, new_company = _make_pair(app, 0 if width == 1366 else 1)
    with app.state.db.session() as s:
        version_before = s.get(Lead, keep_id).version
    page = signed_in_page(browser, server, "marketer", width=width, height=860 if width > 500 else 844)

    def no_sideways_scroll() -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url

    # the lead page suggests the other capture
    page.goto(f"{server}/leads/{keep_id}")
    card = page.locator("#duplicates")
    assert card.count() == 1
    assert f"/leads/{dup_id}" in card.inner_html() and "same e-mail address" in card.inner_text()
    no_sideways_scroll()

    # so does the show's list of possible duplicates
    page.goto(f"{server}/shows/expo/duplicates")
    pairs = page.locator("#pairs li", has=page.locator(f"a[href='/leads/{dup_id}']"))
    assert pairs.count() == 1 and f"/leads/{keep_id}" in pairs.inner_html()
    no_sideways_scroll()

    # compare, pick the duplicate's company (the older lead's first name stays), merge
    pairs.locator("a.button").click()
    page.wait_for_url(f"**/leads/{keep_id}/merge?other={dup_id}")
    no_sideways_scroll()
    company = page.locator("#pick-company")
    assert old_company in company.inner_text() and new_company in company.inner_text()   # markup shown as text
    assert company.locator("input[value=keep]").is_checked()
    company.locator("input[value=other]").check()
    page.locator("#pick-email input[value=keep]").check()
    page.click("#merge")
    page.wait_for_url(f"**/leads/{keep_id}**")
    assert "merged into this one" in page.inner_text(".flash")
    assert page.locator("#duplicates").count() == 0          # nothing left to suggest
    no_sideways_scroll()

    with app.state.db.session() as s:
        keep, dup = s.get(Lead, keep_id), s.get(Lead, dup_id)
        assert keep.company == new_company and keep.record_json["contact"]["company"] == new_company
        assert keep.email == f"pair{0 if width == 1366 else 1}.visitor@dup.example"
        assert keep.version == version_before + 1 and keep.record_json["version"] == keep.version
        assert dup_id in keep.record_json["merged_from"]
        assert dup is not None and dup.merged_into == keep_id                 # marked, not deleted
        versions = s.scalars(select(LeadVersion.version).where(LeadVersion.lead_id == keep_id)).all()
        assert version_before in versions and keep.version in versions         # history kept
    history = page.inner_text("#history")
    assert f"merged {dup_id} into this lead" in history


def test_pairs_in_a_show_use_the_stored_keys() -> None:
    """The show list groups by the keys stored with each lead (central/search.py), the same rules as above."""
    from central.search import keys_of
    from central.web.duplicates import SAME_EMAIL, SAME_NAME, _pairs

    def row(i, first, last, company, email):
        d = dict(first_name=first, last_name=last, company=company, email=email)
        return SimpleNamespace(id=i, **keys_of(d), **d)
    rows = [row(1, "Jürgen", "Müller", "Müller & Söhne", None), row(2, "JURGEN", "muller", "Muller & Sohne", "j@x.example"),
            row(3, "A", "B", "C", "a@x.example"), row(4, None, None, None, " A@X.example "),
            row(5, "A", "B", None, None), row(6, "A", "B", None, None)]          # no company: no match
    assert [(p.first.id, p.second.id, p.reason) for p in _pairs(rows)] == [(3, 4, SAME_EMAIL), (1, 2, SAME_NAME)]


def test_show_list_reads_the_pairs_from_the_stored_keys(app) -> None:
    """``in_show`` on a real database: a pair by e-mail in another case and a pair by the same name
    and company with and without accents, newest first, with the leads' columns for the page."""
    from central.models import Lead
    from central.web.duplicates import SAME_EMAIL, SAME_NAME, in_show
    from central.web.leadedit import edit_contact
    older, newer, old_company, new_company = _make_pair(app, 2)
    with app.state.db.session() as s:
        ids = s.scalars(select(Lead.id).where(Lead.show_id == "expo", Lead.merged_into.is_(None))
                        .order_by(Lead.captured_at_corrected.desc()).limit(2)).all()
        edit_contact(s, ids[1], {"first_name": "Jürgen", "last_name": "Müller", "company": "Müller & Söhne",
                                 "email": None}, actor="test", source="web", now=NOW)
        edit_contact(s, ids[0], {"first_name": "JURGEN", "last_name": "muller", "company": "Muller & Sohne",
                                 "email": "jm@dup.example"}, actor="test", source="web", now=NOW)
        s.commit()
    with app.state.db.session() as s:
        pairs = [(p.first.id, p.second.id, p.reason) for p in in_show(s, "expo")]
        first = in_show(s, "expo")[0]
    assert pairs[0] == (ids[1], ids[0], SAME_NAME)                          # the newest capture first
    assert (older, newer, SAME_EMAIL) in pairs
    assert first.second.last_name == "muller" and first.first.company == "Müller & Söhne"
