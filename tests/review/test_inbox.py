"""The sales inbox through the real app: my leads hot first then newest, Accept (others see who has
it), Contacted (first contact time and channel; time to first contact stored and summarised as
median and 90th percentile per rep and per show), Not a fit (an outcome with the reason); the same
through the API; each rep's alert settings and the admin's quarter-end window."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from review_helpers import USERS, sign_in  # type: ignore[import-not-found]


def _assign(app, rep: str, n: int) -> list:  # type: ignore[no-untyped-def]
    """Give ``rep`` the show's first ``n`` live leads (as routing would) and return them."""
    from central.models import Lead
    from central.sales.models import LeadAssignment
    with app.state.db.session() as s:
        leads = s.scalars(select(Lead).where(Lead.show_id == "expo", Lead.merged_into.is_(None),
                                             Lead.discarded.is_(False)).order_by(Lead.id).limit(n)).all()
        for lead in leads:
            s.add(LeadAssignment(lead_id=lead.id, rep=rep, show_id="expo", reason="dial", tag=lead.tag,
                                 assigned_at=app.state.review.settings.clock()))
        return [(lead.id, lead.tag, _aware(lead.captured_at_corrected)) for lead in leads]


def _aware(at):  # type: ignore[no-untyped-def]
    from datetime import timezone
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def test_inbox_accept_contact_not_a_fit(app):
    sales = sign_in(app, "sales")
    admin = sign_in(app, "admin")
    clock = app.state.review.settings.clock
    mine = _assign(app, USERS["sales"][0], 12)
    _assign(app, USERS["admin"][0], 3)
    page = sales.get("/inbox").text
    order = [lid for lid, *_ in mine]
    shown = [lid for lid in order if f'id="lead-{lid}"' in page]
    assert len(shown) == 12
    pos = {lid: page.index(f'id="lead-{lid}"') for lid in shown}
    rank = {"hot": 0, "warm": 1, "nurture": 2}
    by_page = sorted(mine, key=lambda m: pos[m[0]])
    assert [rank[t] for _, t, _ in by_page] == sorted(rank[t] for _, t, _ in by_page)    # hot first
    for a, b in zip(by_page, by_page[1:]):
        if a[1] == b[1]:
            assert a[2] >= b[2]                                                              # then newest
    assert "href=\"tel:" in page and "href=\"mailto:" in page
    lead_id, _, captured = by_page[0]
    # Accept: the lead is mine; a colleague sees who has it and cannot log a contact on it
    r = sales.post_form("/inbox", f"/inbox/{lead_id}/accept", {})
    assert sales.notice(r) == "ok: Accepted: the lead is yours."
    from central.sales.models import LeadAssignment
    with app.state.db.session() as s:
        s.add(LeadAssignment(lead_id=lead_id, rep=USERS["admin"][0], show_id="expo", reason="rule", tag="hot",
                             assigned_at=clock()))
    assert f"Accepted by {USERS['sales'][0]}" in admin.get("/inbox").text
    r = admin.post_form("/inbox", f"/inbox/{lead_id}/contacted", {"channel": "phone"})
    assert admin.notice(r) == f"err: accepted by {USERS['sales'][0]}; only they log its contacts"
    # Contacted: first contact time and channel; time to first contact stored on the lead
    clock.now = captured + timedelta(minutes=30)
    r = sales.post_form("/inbox", f"/inbox/{lead_id}/contacted", {"channel": "phone"})
    assert sales.notice(r) == "ok: First contact logged."
    from central.sales.models import LeadClaim
    with app.state.db.session() as s:
        claim = s.get(LeadClaim, lead_id)
        assert claim.first_contact_channel == "phone" and claim.first_contact_by == USERS["sales"][0]
        assert abs(claim.first_contact_s - 1800) < 1
    clock.now += timedelta(hours=5)                       # a second contact does not move the first
    r = sales.post_form("/inbox", f"/inbox/{lead_id}/contacted", {"channel": "email"})
    with app.state.db.session() as s:
        assert abs(s.get(LeadClaim, lead_id).first_contact_s - 1800) < 1
    # Not a fit needs a reason and records the outcome
    other = by_page[1][0]
    r = sales.post_form("/inbox", f"/inbox/{other}/not-a-fit", {"reason": "  "})
    assert sales.notice(r).startswith("err: not a fit: say why")
    r = sales.post_form("/inbox", f"/inbox/{other}/not-a-fit", {"reason": "student, no budget"})
    assert sales.notice(r) == "ok: Recorded as not a fit."
    from central.web.models import Outcome
    with app.state.db.session() as s:
        out = s.get(Outcome, other)
        assert out.status == "discarded" and out.reason == "not a fit: student, no budget"
        assert out.reported_by == USERS["sales"][0]
    # a field marketer has no inbox
    assert sign_in(app, "marketer").get("/inbox").status_code == 403


def test_time_to_first_contact_median_and_p90(app):
    from central.sales import inbox
    from central.sales.stats import summarize, time_to_first_contact
    assert summarize([]).median_s is None
    s10 = summarize([float(m * 60) for m in range(1, 11)])          # 1..10 minutes
    assert (s10.n, s10.median_s, s10.p90_s) == (10, 330.0, 540.0)    # nearest-rank p90: the 9th value
    mine = _assign(app, USERS["sales"][0], 10)
    minutes = [5, 10, 15, 20, 25, 30, 35, 40, 45, 600]
    with app.state.db.session() as s:
        for (lid, _, captured), m in zip(mine, minutes):
            inbox.contacted(s, lid, USERS["sales"][0], "phone", captured + timedelta(minutes=m))
        t = time_to_first_contact(s, "expo")
    assert t["show"].n == 10 and t["show"].median_s == 27.5 * 60 and t["show"].p90_s == 45 * 60
    assert t["reps"][USERS["sales"][0]].p90_s == 45 * 60
    page = sign_in(app, "marketer").get("/shows/expo/sales").text
    assert '<strong id="ttfc-median">28 min</strong>' in page and '<strong id="ttfc-p90">45 min</strong>' in page
    assert USERS["sales"][0] in page
    # the feedback report shows who got what
    report = sign_in(app, "marketer").get("/shows/expo/report").text
    table = report[report.index('id="who-got-what"'):]
    table = table[:table.index("</table>")]
    assert f"<td>{USERS['sales'][0]}</td>" in table and "<td>10</td>" in table      # 10 leads, all contacted


def test_inbox_api_for_scripts(app):
    from fastapi.testclient import TestClient

    from central.web.models import User
    from central.web.security import new_api_token
    mine = _assign(app, USERS["sales"][0], 3)
    with app.state.db.session() as s:
        tok = new_api_token(s, s.scalar(select(User).where(User.email == USERS["sales"][0])))
        tok_admin = new_api_token(s, s.scalar(select(User).where(User.email == USERS["admin"][0])))
    c = TestClient(app)
    h = {"Authorization": f"Bearer {tok}"}
    leads = c.get("/api/review/v1/inbox", headers=h).json()["leads"]
    assert {x["lead_id"] for x in leads} == {m[0] for m in mine}
    lid, _, captured = mine[0]
    assert c.post(f"/api/review/v1/leads/{lid}/accept", headers=h).json()["claimed_by"] == USERS["sales"][0]
    r = c.post(f"/api/review/v1/leads/{lid}/accept", headers={"Authorization": f"Bearer {tok_admin}"})
    assert r.status_code == 409 and USERS["sales"][0] in r.json()["detail"]
    at = (captured + timedelta(minutes=12)).isoformat()
    r = c.post(f"/api/review/v1/leads/{lid}/contacted", headers=h, json={"channel": "email", "at": at})
    assert r.status_code == 200 and abs(r.json()["first_contact_s"] - 720) < 1
    assert c.post(f"/api/review/v1/leads/{lid}/contacted", headers=h, json={"channel": "fax"}).status_code == 422
    r = c.post(f"/api/review/v1/leads/{mine[1][0]}/not-a-fit", headers=h, json={"reason": "competitor"})
    assert r.status_code == 200 and r.json()["not_fit_reason"] == "competitor"
    t = c.get("/api/review/v1/shows/expo/time-to-first-contact", headers=h).json()
    assert t["show"]["n"] == 1 and abs(t["show"]["median_s"] - 720) < 1
    assert c.get("/api/review/v1/inbox").status_code == 401


def test_rep_settings_and_quarter_end_window(app):
    from central.sales.models import RepSettings, SalesWindow
    from central.web.models import User
    sales = sign_in(app, "sales")
    page = sales.get("/settings/alerts").text
    assert "You follow the routing config" in page and 'value="crm_sync"' in page
    r = sales.post_form("/settings/alerts", "/settings/alerts",
                        {"mode": "threshold", "threshold": "abc", "countries": "DE, Germany", "quiet_start": "22:00",
                         "timezone": "Mars/Base"})
    err = sales.notice(r)
    assert "threshold: a whole score" in err and "countries: two-letter" in err and "GERMANY" in err
    assert "quiet hours: give both" in err and "timezone: an IANA time zone" in err
    r = sales.client.post("/settings/alerts", data={
        "csrf": __import__("review_helpers").csrf_of(sales.get("/settings/alerts").text), "mode": "threshold",
        "threshold": "60", "countries": "de at", "products": ["crm_sync", "analytics"], "quiet_start": "22:00",
        "quiet_end": "07:00", "timezone": "Europe/Berlin", "language": "de"}, follow_redirects=False)
    assert sales.notice(r) == "ok: Alert settings saved."
    with app.state.db.session() as s:
        uid = s.scalar(select(User.id).where(User.email == USERS["sales"][0]))
        row = s.get(RepSettings, uid)
        assert (row.mode, row.threshold, row.countries, row.products) == ("threshold", 60, ["AT", "DE"],
                                                                          ["analytics", "crm_sync"])
        assert (row.quiet_start, row.quiet_end, row.timezone, row.language) == ("22:00", "07:00", "Europe/Berlin", "de")
    assert "Your own dial decides" in sales.get("/settings/alerts").text
    # the quarter-end window is the admin's
    r = sales.post_form("/settings/alerts", "/settings/quarter-end", {"days": "30", "points": "20"})
    assert r.status_code == 403
    admin = sign_in(app, "admin")
    r = admin.post_form("/settings/alerts", "/settings/quarter-end", {"days": "30", "points": "20"})
    assert admin.notice(r) == "ok: Quarter-end window: last 30 day(s), thresholds -20."
    with app.state.db.session() as s:
        assert (s.get(SalesWindow, 1).days, s.get(SalesWindow, 1).points) == (30, 20)
    r = sales.post_form("/settings/alerts", "/settings/alerts", {"use_routing": "1"})
    assert sales.notice(r) == "ok: You now get what the routing config sends you."
    with app.state.db.session() as s:
        assert s.get(RepSettings, uid) is None
