"""Issue 17 item 12 in Chromium: Follow-up and Product filters are choices labelled as in the form,
match whole options (not substrings of ids), and the table shows the labels."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from review_helpers import signed_in_page  # type: ignore[import-not-found]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_follow_up_and_product_choices(app, server, browser) -> None:
    from central.models import Lead
    with app.state.db.session() as s:
        rows = s.execute(select(Lead.follow_up, Lead.product_interest).where(
            Lead.show_id == "expo", Lead.discarded.is_(False), Lead.merged_into.is_(None))).all()
    want_demo = sum(1 for fu, _ in rows if fu == "demo")
    want_crm = sum(1 for _, p in rows if p and "crm_sync" in p.split(", "))
    page = signed_in_page(browser, server, "marketer")
    page.goto(server + "/shows/expo/leads")
    page.select_option("select[name=follow_up]", label="Book a demo")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**follow_up=**")
    assert int(page.inner_text("#total").replace(",", "")) == want_demo
    cells = set(page.locator("#leads tbody td.fu").all_inner_texts())
    assert cells == {"Book a demo"}, cells
    page.goto(server + "/shows/expo/leads")
    page.select_option("select[name=product]", label="CRM integration")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**product=**")
    assert int(page.inner_text("#total").replace(",", "")) == want_crm
    prods = page.locator("#leads tbody td.prod").all_inner_texts()
    assert prods and all("CRM integration" in p for p in prods) and not any("crm_sync" in p for p in prods)
