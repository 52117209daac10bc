"""The review app in headless Chromium against a real uvicorn on loopback: sign in, filter, open a
lead, change its tag, export, import outcomes, read the feedback report. A screenshot of each page
is saved (to ``$LEADKIOSK_REVIEW_SCREENSHOTS`` if set, which is how the README's images are made,
else to the test's temp dir)."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from review_helpers import PASSWORD, USERS  # type: ignore[import-not-found]

pytestmark = [pytest.mark.browser, pytest.mark.slow]



def shot_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("LEADKIOSK_REVIEW_SCREENSHOTS") or tmp_path / "screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_review_flow_in_chromium(app, server, browser, tmp_path):
    shots = shot_dir(tmp_path)
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # a navigation that becomes a download is reported as an aborted request: not an error
    page.on("requestfailed", lambda r: None if ".csv" in r.url or ".xlsx" in r.url
            else errors.append(f"request failed: {r.url}"))

    # sign in
    page.goto(server + "/shows/expo/leads")
    assert "/login" in page.url
    page.screenshot(path=str(shots / "01-sign-in.png"))
    page.fill("#email", USERS["admin"][0])
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "Wrong e-mail or password" in page.inner_text(".flash.err")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/shows/expo/leads")          # back where we wanted to go

    # shows list
    page.goto(server + "/shows")
    assert page.locator(".show-card").count() == 1
    page.screenshot(path=str(shots / "02-shows.png"))

    # filter the lead table (the tag drop-down applies at once)
    page.goto(server + "/shows/expo/leads")
    total_all = int(page.inner_text("#total").replace(",", ""))
    page.select_option("select[name=tag]", "hot")
    page.wait_for_url("**tag=hot**")
    total_hot = int(page.inner_text("#total").replace(",", ""))
    assert 0 < total_hot < total_all
    tags = page.locator("#leads tbody td:nth-child(5) .tag").all_inner_texts()
    assert tags and set(tags) == {"hot"}
    page.screenshot(path=str(shots / "03-leads-filtered.png"))

    # export the filtered view (CSV and XLSX downloads)
    with page.expect_download() as dl:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == total_hot and {r["tag"] for r in rows} == {"hot"}
    with page.expect_download() as dl2:
        page.click("#export-xlsx")
    assert dl2.value.suggested_filename.endswith(".xlsx") and Path(dl2.value.path()).stat().st_size > 1000

    # open a lead and change its tag
    first = page.locator("#leads tbody a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url("**/leads/**")
    assert name.split()[0] in page.inner_text("h1")
    lead_id = page.url.split("/leads/")[1].split("?")[0]
    page.screenshot(path=str(shots / "04-lead.png"), full_page=True)
    page.select_option("#tag-form select", "nurture")
    page.click("#tag-form button")
    page.wait_for_load_state()
    assert "Tag changed" in page.inner_text(".flash.ok")
    assert page.inner_text("#tag-now").strip() == "nurture"
    assert "score.override" in page.inner_text("#history")
    from central.models import Lead
    with app.state.db.session() as s:
        lead = s.get(Lead, lead_id)
        assert (lead.tag, lead.override, lead.computed_tag) == ("nurture", "nurture", "hot")

    # import outcomes from Excel's "Unicode text" (UTF-16, tab separated): the mapping step proposes
    # the columns, asks once what an unknown stage means, previews, then applies
    with app.state.db.session() as s:
        rows = s.execute(select(Lead.id, Lead.email).where(Lead.show_id == "expo", Lead.email.is_not(None),
                                                          Lead.merged_into.is_(None)).order_by(Lead.id).limit(2)).all()
    ids = [r.id for r in rows]
    export = tmp_path / "deals.txt"
    export.write_bytes(("Email\tDeal Stage\tAmount\tClose Date\r\n"
                        f"{rows[0].email.upper()}\tClosed Won\t12,500.00\t2026-12-31 00:00\r\n"
                        f"{rows[1].email}\tVerbal Commit\t3,000.00\t\r\n"
                        "nobody@nowhere.example\tClosed Lost\t\t\r\n").encode("utf-16"))
    page.goto(server + "/shows/expo/outcomes/import")
    page.set_input_files("input[name=file]", str(export))
    page.click("#import-form button")
    page.wait_for_selector("#mapping")
    assert "UTF-16" in page.inner_text("#detected") and "tab separated" in page.inner_text("#detected")
    assert page.input_value("#col_email") == "Email" and page.input_value("#col_amount") == "Amount"
    assert "Verbal Commit" in page.inner_text("#unknown-values") and page.locator("#apply").count() == 0
    page.screenshot(path=str(shots / "05-import-mapping.png"), full_page=True)
    page.select_option("select[name=uo_stage_1]", "active")
    page.click("#repreview")
    page.wait_for_selector("#apply")
    assert page.inner_text("#n-updated") == "2" and page.inner_text("#n-unmatched") == "1"
    assert "no lead of this show with email nobody@nowhere.example" in page.inner_text("#unmatched")
    page.screenshot(path=str(shots / "05-import-preview.png"), full_page=True)
    page.click("#apply")
    page.wait_for_selector("#import-result")
    assert "2 outcomes recorded" in page.inner_text("#import-result")
    from central.web.models import Outcome
    with app.state.db.session() as s:
        won, active = s.get(Outcome, ids[0]), s.get(Outcome, ids[1])
        assert (won.status, float(won.amount), str(won.close_date)) == ("closed_won", 12500.0, "2026-12-31")
        assert (active.status, active.stage) == ("active", "Verbal Commit")
    page.goto(server + "/shows/expo/outcomes/import")   # the same file again: remembered, nothing to change
    page.set_input_files("input[name=file]", str(export))
    page.click("#import-form button")
    page.wait_for_selector("#mapping")
    assert page.inner_text("#n-updated") == "0" and page.locator("#unknown-values").count() == 0

    # read the feedback report, the charts and the calibration
    page.goto(server + "/shows/expo/report")
    kpis = page.inner_text("#kpis")
    assert "leads" in kpis and "qualified" in kpis and "per closed deal" in kpis
    assert page.locator("#by-tag tbody tr").count() == 5   # 3 tags, all, discarded at capture
    assert page.locator("#qualifiers .card").count() >= 5
    page.screenshot(path=str(shots / "06-report.png"), full_page=True)
    page.goto(server + "/shows/expo/charts")
    assert page.locator("svg.chart").count() >= 6
    page.screenshot(path=str(shots / "07-charts.png"), full_page=True)
    page.goto(server + "/shows/expo/calibration")
    assert page.locator("#candidates tbody tr.current").count() == 1
    page.screenshot(path=str(shots / "08-calibration.png"), full_page=True)
    assert not errors, errors
    ctx.close()


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"page scrolls sideways at 390 px: content {width[0]} px wide"


def test_sales_inbox_on_a_phone(app, server, browser, tmp_path):
    """A rep at 390x844 (a phone) opens their inbox, accepts a hot lead and logs the first call;
    no page scrolls sideways; no inline script is needed (plain forms)."""
    from central.models import Lead
    from central.sales.models import LeadAssignment, LeadClaim
    shots = shot_dir(tmp_path)
    email = USERS["sales"][0]
    with app.state.db.session() as s:
        leads = s.scalars(select(Lead).where(Lead.show_id == "expo", Lead.merged_into.is_(None),
                                             Lead.discarded.is_(False)).order_by(Lead.tag, Lead.id).limit(6)).all()
        for lead in leads:
            s.add(LeadAssignment(lead_id=lead.id, rep=email, show_id="expo", reason="dial", tag=lead.tag,
                                 assigned_at=app.state.review.settings.clock()))
        hot = next(x for x in leads if x.tag == "hot")
        # a hostile, very long name must wrap, not widen the page
        rec = dict(hot.record_json)
        rec["contact"] = dict(rec.get("contact") or {}, first_name="<!channel>" + "W" * 80, company="Navy" * 20)
        hot.record_json = rec
        hot_id = hot.id
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/inbox")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox")
    first = page.locator(".lead-card").first
    assert "hot" in first.locator(".tag").inner_text()                      # hot first
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "09-inbox-390.png"), full_page=True)
    card = page.locator(f"#lead-{hot_id}")
    assert card.locator("a[href^='tel:']").count() + card.locator("a[href^='mailto:']").count() >= 1
    card.locator("button", has_text="Accept").tap()
    page.wait_for_selector(".flash.ok")
    card = page.locator(f"#lead-{hot_id}")
    assert "You have it" in card.inner_text()
    card.locator("select[name=channel]").select_option("phone")
    card.locator("button", has_text="Contacted").tap()
    page.wait_for_selector(".flash.ok")
    assert "First contact logged." in page.inner_text(".flash.ok")
    assert "by phone" in page.locator(f"#lead-{hot_id} .lc-contact").inner_text()
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "10-inbox-contacted-390.png"), full_page=True)
    page.goto(server + "/settings/alerts")
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "11-alert-settings-390.png"), full_page=True)
    with app.state.db.session() as s:
        claim = s.get(LeadClaim, hot_id)
        assert claim.claimed_by == email and claim.first_contact_channel == "phone"
        assert claim.first_contact_s is not None and claim.first_contact_s >= 0
    assert not errors, errors
    ctx.close()
