"""Issue 17 item 10: the review app on a 390x844 phone in headless Chromium. No page may scroll
sideways, the header keeps *Sign out* on screen, the leads table becomes cards that show tag and
score, and phone numbers and e-mails are tap-to-call / tap-to-mail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from review_helpers import signed_in_page  # type: ignore[import-not-found]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _lead_with_phone(app) -> str:
    from central.models import Lead
    with app.state.db.session() as s:
        for lead in s.scalars(select(Lead).where(Lead.show_id == "expo").limit(50)):
            if (lead.record_json.get("contact") or {}).get("phone"):
                return lead.id
    raise AssertionError("the demo show has no lead with a phone number")


def _pages(app) -> list[str]:
    lead_id = _lead_with_phone(app)
    return ["/shows", "/shows/expo/leads", f"/leads/{lead_id}", "/shows/expo/report", "/report",
            "/shows/expo/charts", "/shows/expo/calibration", "/shows/expo/outcomes/import", "/users",
            "/notifications", "/inbox", "/settings/alerts", "/shows/expo/sales", "/shows/expo/duplicates"]


def test_every_page_fits_a_390px_phone(app, server, browser) -> None:
    page = signed_in_page(browser, server, "admin", width=390, height=844)
    too_wide = {}
    for path in _pages(app):
        page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 391).slice(0, 3)
                .map(e => e.tagName + '.' + e.className + '#' + e.id)""")
            too_wide[path] = (width, culprits)
        signout = page.locator("header.top button[type=submit]")
        box = signout.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (path, box)
    assert not too_wide, too_wide


def test_sign_in_and_the_answers_card_fit_390px(app, server, browser) -> None:
    """The sign-in page (before any header) fits too; the lead page's answers table stays inside
    its card (it stuck out of it)."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    page.goto(server + "/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ctx.close()
    page = signed_in_page(browser, server, "admin", width=390, height=844)
    page.goto(server + f"/leads/{_lead_with_phone(app)}")
    table = page.locator("#answers")
    assert table.count() == 1
    box = table.bounding_box()
    card = page.evaluate("""() => { const t = document.querySelector('#answers');
        let c = t.parentElement; while (c && getComputedStyle(c).overflowX === 'visible' && c.parentElement
            && !c.classList.contains('card')) { c = c.parentElement; }
        const r = c.getBoundingClientRect(); return {x: r.x, right: r.right}; }""")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert box["x"] + box["width"] <= card["right"] + 1, (box, card)


def test_leads_become_cards_with_tag_score_and_tap_links(app, server, browser) -> None:
    page = signed_in_page(browser, server, "sales", width=390, height=844)
    page.goto(server + "/shows/expo/leads")
    first = page.locator("#leads tbody tr").first
    tag = first.locator(".tag")
    score = first.locator("td.num")
    for cell in (tag, score):
        box = cell.bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= 390, box
    assert score.inner_text().strip().isdigit()
    # a card is taller than a table line and as wide as the screen (minus margins)
    card = first.bounding_box()
    assert card["width"] > 300 and card["height"] > 60, card
    mail = first.locator("a[href^='mailto:']")
    assert mail.count() == 1
    # the lead page: phone and e-mail are links a phone can act on
    first.locator("a[href^='/leads/']").first.click()
    page.wait_for_url("**/leads/**")
    assert page.locator("a[href^='mailto:']").count() >= 1
    tel = page.locator("a[href^='tel:']")
    if tel.count():
        assert tel.first.get_attribute("href").startswith("tel:+")
    page.goto(server + f"/leads/{_lead_with_phone(app)}")
    href = page.locator("a[href^='tel:']").first.get_attribute("href")
    assert href.startswith("tel:") and " " not in href


def test_outcome_import_mapping_and_preview_fit_390px(app, server, browser, tmp_path) -> None:
    """The outcome import's mapping step and preview (pages only reached after an upload) fit a
    phone too. Nothing is applied: the shared demo show keeps its outcomes."""
    from central.models import Lead
    with app.state.db.session() as s:
        email = s.scalars(select(Lead.email).where(Lead.show_id == "expo", Lead.email.is_not(None)).limit(1)).one()
    export = tmp_path / "deals.csv"
    export.write_text("Email;Deal Stage;Amount;Close Date\r\n"
                      f"{email};Verhandlung mit sehr langem Stufennamen der Firma;12.500,00;31.12.2026\r\n",
                      encoding="utf-8")
    page = signed_in_page(browser, server, "admin", width=390, height=844)
    page.goto(server + "/shows/expo/outcomes/import")
    page.set_input_files("input[name=file]", str(export))
    page.click("#import-form button")
    page.wait_for_selector("#mapping")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.select_option("select[name=uo_stage_1]", "active")
    page.click("#repreview")
    page.wait_for_selector("#apply")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
