"""Route tests through the real central app (TestClient): sign-in, CSRF, roles, session expiry,
the lead table's filters/sorting/paging against the database, edits with history and outbox,
exports, outcome import, report, calibration and the outcomes API."""
from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from central.models import Lead, LeadHistory, LeadVersion, Outbox, Show
from central.web.models import FormVersion, Outcome, WebSession

from review_helpers import PASSWORD, USERS, csrf_of, sign_in  # type: ignore[import-not-found]


def lead_ids(html: str) -> list[str]:
    return re.findall(r'href="/leads/([0-9a-f-]{36})', html)


def first_lead(app, **where) -> Lead:
    with app.state.db.session() as s:
        q = select(Lead).where(Lead.show_id == "expo", Lead.merged_into.is_(None))
        for k, v in where.items():
            q = q.where(getattr(Lead, k) == v)
        return s.scalars(q.order_by(Lead.id)).first()


# --- sign-in, sessions, CSRF, roles -------------------------------------------------------------

def test_pages_need_sign_in(app):
    c = TestClient(app)
    for url in ("/shows", "/shows/expo/leads", "/report", "/shows/expo/leads.csv"):
        r = c.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_wrong_password_is_refused(app):
    c = TestClient(app)
    tok = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": USERS["admin"][0], "password": "nope-nope", "csrf": tok})
    assert r.status_code == 401 and "Wrong e-mail or password" in r.text
    r = c.post("/login", data={"email": "ghost@example.com", "password": PASSWORD, "csrf": tok})
    assert r.status_code == 401
    assert "lk_session" not in c.cookies


def test_login_form_needs_its_csrf_token(app):
    c = TestClient(app)
    c.get("/login")
    r = c.post("/login", data={"email": USERS["admin"][0], "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403
    c2 = TestClient(app)  # no login cookie at all (a cross-site form post)
    r = c2.post("/login", data={"email": USERS["admin"][0], "password": PASSWORD, "csrf": "x"})
    assert r.status_code == 403


def test_session_cookie_and_hash_at_rest(app, as_admin):
    cookie = as_admin.client.cookies.get("lk_session")
    assert cookie
    with app.state.db.session() as s:
        ids = list(s.scalars(select(WebSession.id)))
    assert cookie not in ids and len(ids[0]) == 64


def test_post_without_csrf_is_rejected_and_changes_nothing(app, as_marketer):
    lead = first_lead(app)
    r = as_marketer.client.post(f"/leads/{lead.id}/notes", data={"notes": "hijacked"}, follow_redirects=False)
    assert r.status_code == 403 and "security token" in r.text
    r = as_marketer.client.post(f"/leads/{lead.id}/notes", data={"notes": "hijacked", "csrf": "wrong"},
                                follow_redirects=False)
    assert r.status_code == 403
    after = first_lead(app)
    assert after.version == lead.version and "hijacked" not in str(after.record_json)


def test_csrf_token_of_another_session_is_rejected(app, as_marketer):
    other = sign_in(app, "marketer")
    lead = first_lead(app)
    tok_other = csrf_of(other.get(f"/leads/{lead.id}").text)
    r = as_marketer.client.post(f"/leads/{lead.id}/notes", data={"notes": "x", "csrf": tok_other},
                                follow_redirects=False)
    assert r.status_code == 403


def test_roles(app, as_sales, as_marketer, as_admin):
    lead = first_lead(app)
    # sales may not change a tag, a marketer may not report an outcome, only admins see users
    r = as_sales.post_form(f"/leads/{lead.id}", f"/leads/{lead.id}/tag", {"tag": "hot"})
    assert r.status_code == 403
    r = as_marketer.post_form(f"/leads/{lead.id}", f"/leads/{lead.id}/outcome", {"status": "closed_won"})
    assert r.status_code == 403
    assert as_marketer.get("/users").status_code == 403
    assert as_sales.get("/shows/expo/outcomes/import").status_code == 200
    assert as_marketer.get("/shows/expo/outcomes/import").status_code == 403
    assert as_admin.get("/users").status_code == 200
    # the page hides what the role cannot do
    page = as_sales.get(f"/leads/{lead.id}").text
    assert 'action="/leads/%s/tag"' % lead.id not in page and 'id="outcome-form"' in page


@pytest.mark.parametrize("app", ["now", "year-ahead"], indirect=True)
def test_session_expires_when_idle_and_at_max_age(app, as_admin):
    clock = app.state.review.settings.clock
    st = app.state.review.settings
    assert as_admin.get("/shows").status_code == 200
    clock.advance(st.idle_timeout_s - 120)
    assert as_admin.get("/shows").status_code == 200          # still alive, and touched
    clock.advance(st.idle_timeout_s - 120)
    assert as_admin.get("/shows").status_code == 200          # idle timer restarted by the last visit
    clock.advance(st.idle_timeout_s + 1)
    r = as_admin.get("/shows", follow_redirects=False)
    assert r.status_code == 303 and "expired=1" in r.headers["location"]
    # absolute lifetime: a fresh session that is kept busy still ends at max_age
    b = sign_in(app, "admin")
    for _ in range(st.max_age_s // (st.idle_timeout_s // 2) + 1):
        clock.advance(st.idle_timeout_s // 2)
        last = b.get("/shows", follow_redirects=False)
    assert last.status_code == 303


def test_logout_ends_the_session(app, as_admin):
    r = as_admin.post_form("/shows", "/logout", {})
    assert r.status_code == 303
    assert as_admin.get("/shows", follow_redirects=False).status_code == 303
    with app.state.db.session() as s:
        assert s.scalar(select(func.count()).select_from(WebSession)) == 0


def test_open_redirect_is_not_possible(app):
    c = TestClient(app)
    tok = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": USERS["admin"][0], "password": PASSWORD, "csrf": tok,
                               "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/shows"


# --- shows and the lead table -------------------------------------------------------------------

def test_shows_list_headline_numbers(app, as_marketer):
    html = as_marketer.get("/shows").text
    with app.state.db.session() as s:
        n = s.scalar(select(func.count()).select_from(Lead).where(Lead.show_id == "expo"))
        hot = s.scalar(select(func.count()).select_from(Lead).where(Lead.show_id == "expo", Lead.tag == "hot",
                                                                    Lead.discarded.is_(False)))
    assert f"<b>{n}</b><span>leads</span>" in html
    assert f"<b>{hot}</b><span>hot</span>" in html
    assert "booth-1" in html and "pending sync" in html.lower()


@pytest.mark.parametrize("params, where", [
    ({"tag": "hot"}, lambda l: l.tag == "hot" and not l.discarded),
    ({"staff": "Ana"}, lambda l: l.staff == "Ana" and not l.discarded),
    ({"discarded": "yes"}, lambda l: l.discarded),
    ({"discarded": "all", "follow_up": "demo"}, lambda l: (l.follow_up or "") == "demo"),
    ({"discarded": "all", "product": "analytics"}, lambda l: "analytics" in (l.product_interest or "")),
])
def test_filters_match_the_database(app, as_marketer, params, where):
    r = as_marketer.get("/shows/expo/leads", params={**params, "per_page": 500})
    assert r.status_code == 200
    with app.state.db.session() as s:
        expected = {l.id for l in s.scalars(select(Lead).where(Lead.show_id == "expo")) if where(l)}
    assert expected, "the fixture should have leads for every filter"
    assert set(lead_ids(r.text)) == expected
    assert f'<b id="total">{len(expected)}</b>' in r.text


def test_search_by_name_company_email(app, as_marketer):
    lead = first_lead(app)
    for q in (lead.last_name, lead.company.split()[0], lead.email):
        ids = lead_ids(as_marketer.get("/shows/expo/leads", params={"q": q, "per_page": 500}).text)
        assert lead.id in ids
        with app.state.db.session() as s:
            for lid in ids:
                l = s.get(Lead, lid)
                blob = " ".join(filter(None, [l.first_name, l.last_name, l.company, l.email])).lower()
                assert all(w.lower() in blob for w in q.split())


def test_kiosk_and_day_filters(app, as_marketer):
    lead = first_lead(app)
    day = lead.captured_at_corrected.date().isoformat()
    ids = lead_ids(as_marketer.get("/shows/expo/leads", params={"kiosk": lead.device_id, "day": day,
                                                                 "discarded": "all", "per_page": 500}).text)
    with app.state.db.session() as s:
        exp = {l.id for l in s.scalars(select(Lead).where(Lead.show_id == "expo", Lead.device_id == lead.device_id))
               if l.captured_at_corrected.date().isoformat() == day}
    assert set(ids) == exp and lead.id in exp


def test_sorting_and_paging(app, as_marketer):
    seen = []
    for page in (1, 2, 3):
        r = as_marketer.get("/shows/expo/leads", params={"sort": "score", "dir": "asc", "per_page": 20,
                                                          "discarded": "all", "page": page})
        seen += lead_ids(r.text)
    with app.state.db.session() as s:
        scores = {l.id: l.score for l in s.scalars(select(Lead).where(Lead.show_id == "expo"))}
    got = [scores[i] for i in seen]
    assert len(seen) == 60 and len(set(seen)) == 60
    assert got == sorted(got)


def test_bad_filter_values_give_messages_not_errors(as_marketer):
    r = as_marketer.get("/shows/expo/leads", params={"tag": "boiling", "day": "yesterday", "page": "-1",
                                                      "sort": "'; drop table leads"})
    assert r.status_code == 200
    for word in ("tag: expected", "day: expected", "page: expected", "sort: expected"):
        assert word in r.text
    assert as_marketer.get("/shows/nope/leads").status_code == 404


# --- lead page and edits ------------------------------------------------------------------------

def test_lead_page_shows_everything(app, as_marketer):
    lead = first_lead(app)
    html = as_marketer.get(f"/leads/{lead.id}").text
    rec = lead.record_json
    assert "BEGIN:VCARD" in html                                   # raw badge payload
    for reason in rec["score"]["reasons"]:
        assert reason.replace("'", "&#39;") in html
    assert "Is there a budget for a solution?" in html             # answers in words
    assert "captured" in html                                      # history
    assert lead.email in html


def _history(app, lead_id):
    with app.state.db.session() as s:
        return [(h.actor, h.source, h.changes_json) for h in
                s.scalars(select(LeadHistory).where(LeadHistory.lead_id == lead_id).order_by(LeadHistory.id))]


def _outbox(app, lead_id):
    with app.state.db.session() as s:
        return [(o.destination, o.version, o.payload_json) for o in
                s.scalars(select(Outbox).where(Outbox.lead_id == lead_id).order_by(Outbox.id))]


def test_tag_override_kept_beside_computed_tag(app, as_marketer):
    lead = first_lead(app, tag="nurture", discarded=False)
    r = as_marketer.post_form(f"/leads/{lead.id}", f"/leads/{lead.id}/tag", {"tag": "hot"})
    assert "Tag changed" in as_marketer.notice(r)
    after = first_lead(app, id=lead.id)
    assert (after.tag, after.override, after.computed_tag) == ("hot", "hot", "nurture")
    assert after.version == lead.version + 1
    assert after.record_json["score"]["override"] == "hot" and after.record_json["score"]["tag"] == "hot"
    assert after.record_json["history"][-1]["actor"] == "fm@example.com"
    actor, source, changes = _history(app, lead.id)[-1]
    assert (actor, source) == ("fm@example.com", "web")
    assert changes["score.override"] == {"old": None, "new": "hot"}
    ob = _outbox(app, lead.id)
    assert [(d, v) for d, v, _ in ob] == [("hubspot", after.version)]
    assert ob[0][2]["score"]["tag"] == "hot"
    with app.state.db.session() as s:
        assert s.get(LeadVersion, (lead.id, after.version)) is not None
    # clearing the override goes back to the computed tag
    as_marketer.post_form(f"/leads/{lead.id}", f"/leads/{lead.id}/tag", {"tag": ""})
    again = first_lead(app, id=lead.id)
    assert (again.tag, again.override) == ("nurture", None)
    # no change, no new version
    r = as_marketer.post_form(f"/leads/{lead.id}", f"/leads/{lead.id}/tag", {"tag": ""})
    assert as_marketer.notice(r) == "ok: Nothing changed."
    assert first_lead(app, id=lead.id).version == again.version


def test_contact_correction_notes_discard_reinstate(app, as_marketer):
    lead = first_lead(app, discarded=False)
    url = f"/leads/{lead.id}"
    as_marketer.post_form(url, url + "/contact", {"first_name": "Zoë", "last_name": "Ångström", "company": "Ünïcode AG",
                                                  "title": "", "email": "ZOE@Example.COM", "phone": "", "country": "SE"})
    after = first_lead(app, id=lead.id)
    assert (after.first_name, after.last_name, after.company, after.email) == ("Zoë", "Ångström", "Ünïcode AG",
                                                                              "zoe@example.com")
    r = as_marketer.post_form(url, url + "/contact", {"email": "not an email"})
    assert as_marketer.notice(r).startswith("err: ")
    as_marketer.post_form(url, url + "/notes", {"notes": "Wants a quote\nfor 3 kiosks"})
    r = as_marketer.post_form(url, url + "/discard", {"reason": ""})
    assert "reason is required" in as_marketer.notice(r)
    as_marketer.post_form(url, url + "/discard", {"reason": "duplicate badge"})
    d = first_lead(app, id=lead.id)
    assert d.discarded and d.discard_reason == "duplicate badge"
    assert lead.id not in lead_ids(as_marketer.get("/shows/expo/leads", params={"per_page": 500}).text)
    as_marketer.post_form(url, url + "/reinstate", {})
    back = first_lead(app, id=lead.id)
    assert not back.discarded and back.version == lead.version + 4
    paths = [list(c) for _, _, c in _history(app, lead.id)]
    assert {"contact.first_name", "contact.last_name", "contact.company", "contact.email",
            "contact.country"} <= set(paths[0])
    assert paths[1] == ["notes"] and paths[2] == ["score.discarded", "score.discard_reason"]
    page = as_marketer.get(url).text
    assert "Wants a quote" in page and "duplicate badge" in page and "fm@example.com" in page


def test_merge_two_leads(app, as_marketer):
    with app.state.db.session() as s:
        a, b = s.scalars(select(Lead).where(Lead.show_id == "expo").order_by(Lead.id).limit(2)).all()
        a_id, b_id = a.id, b.id
        s.add(Outcome(lead_id=b_id, show_id="expo", status="active", stage="demo", reason=None,
                      reported_at=b.captured_at, reported_by="x")) if s.get(Outcome, b_id) is None else None
        s.query(Outcome).filter(Outcome.lead_id == a_id).delete()
    r = as_marketer.post_form(f"/leads/{a_id}", f"/leads/{a_id}/merge", {"other": b_id})
    assert "merged" in as_marketer.notice(r)
    with app.state.db.session() as s:
        a2, b2 = s.get(Lead, a_id), s.get(Lead, b_id)
        assert b2.merged_into == a_id and b2.record_json["merged_into"] == a_id
        assert b_id in a2.record_json["merged_from"]
        assert s.get(Outcome, a_id) is not None           # the duplicate's outcome moved over
    assert b_id not in lead_ids(as_marketer.get("/shows/expo/leads", params={"per_page": 500, "discarded": "all"}).text)
    r = as_marketer.post_form(f"/leads/{a_id}", f"/leads/{a_id}/merge", {"other": a_id})
    assert "two different" in as_marketer.notice(r)


# --- export -------------------------------------------------------------------------------------

def test_export_csv_of_filtered_view(app, as_marketer):
    r = as_marketer.get("/shows/expo/leads.csv", params={"tag": "hot"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    with app.state.db.session() as s:
        n = s.scalar(select(func.count()).select_from(Lead).where(Lead.show_id == "expo", Lead.tag == "hot",
                                                                  Lead.discarded.is_(False)))
    assert len(rows) == n and {row["tag"] for row in rows} == {"hot"}
    # the demo company list holds a formula; it must arrive neutralised
    all_rows = list(csv.DictReader(io.StringIO(as_marketer.get("/shows/expo/leads.csv",
                                                               params={"discarded": "all"}).content.decode("utf-8-sig"))))
    evil = [row["company"] for row in all_rows if "HYPERLINK" in row["company"]]
    assert evil and all(c.startswith("'=") for c in evil)
    assert any(ch in "".join(r["last_name"] for r in all_rows) for ch in "üöéŁ")


def test_export_xlsx(as_marketer):
    import openpyxl
    r = as_marketer.get("/shows/expo/leads.xlsx", params={"tag": "warm"})
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[1]]
    tags = {row[header.index("tag")] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert tags == {"warm"}
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# --- outcomes: page, CSV import, API ------------------------------------------------------------

def test_outcome_on_lead_page(app, as_sales):
    lead = first_lead(app, discarded=False)
    url = f"/leads/{lead.id}"
    r = as_sales.post_form(url, url + "/outcome", {"status": "active", "stage": ""})
    assert "stage is required" in as_sales.notice(r)
    as_sales.post_form(url, url + "/outcome", {"status": "active", "stage": "proposal"})
    with app.state.db.session() as s:
        o = s.get(Outcome, lead.id)
        assert (o.status, o.stage, o.reported_by) == ("active", "proposal", "sales@example.com")
        assert s.get(Lead, lead.id).record_json["outcome"]["stage"] == "proposal"


def test_csv_import_preview_map_then_apply(app, as_sales):
    with app.state.db.session() as s:
        leads = s.scalars(select(Lead).where(Lead.show_id == "expo", Lead.merged_into.is_(None))
                          .order_by(Lead.id).limit(3)).all()
        l1, l2, l3 = [(l.id, l.email) for l in leads]
    text = ("Leadkiosk ID,E-mail,Opportunity Stage,Amount,Close Date,Loss Reason\n"
            f"{l1[0]},,Closed Won,\"12,500.00\",12/31/2026,\n"
            f",{l2[1].upper()},Closed Lost,,,went elsewhere\n"
            f"{l3[0]},,Negotiation/Review,USD 3000,,\n"
            "00000000-0000-4000-8000-000000000000,,Closed Won,,,\n"
            ",nobody@nowhere.example,Closed Lost,,,\n"
            f"{l1[0]},,Closed Lost,,,\n"
            ",x@y.example,Exploded,,,\n")
    page = as_sales.get("/shows/expo/outcomes/import")
    r = as_sales.client.post("/shows/expo/outcomes/import", data={"csrf": csrf_of(page.text)},
                             files={"file": ("outcomes.csv", text.encode("utf-8"), "text/csv")})
    assert r.status_code == 200, r.text[:2000]
    assert 'id="unknown-values"' in r.text and "Exploded" in r.text and 'id="apply"' not in r.text
    for why in ("no lead of this show with lead id 00000000", "no lead of this show with email nobody@nowhere.example",
                "same lead as line 2"):
        assert why in r.text
    form = {"csrf": csrf_of(r.text), "data": re.search(r'name="data" value="([^"]*)"', r.text).group(1),
            "filename": "outcomes.csv", "uv_stage_1": "Exploded", "uo_stage_1": "closed_lost"}
    for f in ("lead_id", "email", "stage", "amount", "close_date", "reason"):
        m = re.search(rf'<select name="col_{f}"[^>]*>.*?<option selected>([^<]*)</option>', r.text, re.S)
        form[f"col_{f}"] = m.group(1) if m else ""
    assert form["col_lead_id"] == "Leadkiosk ID" and form["col_close_date"] == "Close Date"
    r2 = as_sales.client.post("/shows/expo/outcomes/import/apply", data=form)
    assert r2.status_code == 200 and 'id="import-result"' in r2.text, r2.text[:3000]
    with app.state.db.session() as s:
        got = {i: s.get(Outcome, i) for i in (l1[0], l2[0], l3[0])}
        assert (got[l1[0]].status, got[l1[0]].amount, str(got[l1[0]].close_date)) == ("closed_won", 12500, "2026-12-31")
        assert (got[l2[0]].status, got[l2[0]].reason) == ("closed_lost", "went elsewhere")
        assert (got[l3[0]].status, got[l3[0]].stage, got[l3[0]].currency) == ("active", "Negotiation/Review", "USD")
    # the same file again: the mapping (and "Exploded") is remembered, nothing would change
    r3 = as_sales.client.post("/shows/expo/outcomes/import", data={"csrf": csrf_of(r2.text)},
                              files={"file": ("outcomes.csv", text.encode("utf-8"), "text/csv")})
    assert '<b id="n-updated">0</b>' in r3.text and 'id="unknown-values"' not in r3.text


def test_import_rejects_unreadable_files(as_sales):
    page = as_sales.get("/shows/expo/outcomes/import")
    r = as_sales.client.post("/shows/expo/outcomes/import", data={"csrf": csrf_of(page.text)},
                             files={"file": ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "application/vnd.ms-excel")})
    assert r.status_code == 400 and "save it as .xlsx or CSV" in r.text
    r = as_sales.client.post("/shows/expo/outcomes/import", data={"csrf": csrf_of(page.text)},
                             files={"file": ("x.csv", "Name\tPhone\nA\t1\n".encode("utf-16"), "text/csv")})
    assert r.status_code == 200 and "choose the column that identifies the lead" in r.text   # UTF-16: no 500


def test_outcomes_api(app, as_admin):
    from central.web.models import User
    from central.web.security import new_api_token
    c = TestClient(app)
    lead = first_lead(app, discarded=False)
    body = {"outcomes": [{"lead_id": lead.id, "status": "closed_won"},
                         {"email": "nobody@nowhere.example", "status": "closed_lost"},
                         {"lead_id": lead.id, "status": "discarded"}]}
    assert c.post("/api/review/v1/outcomes", json=body).status_code == 401
    assert c.post("/api/review/v1/outcomes", json=body, headers={"Authorization": "Bearer lkr_wrong"}).status_code == 401
    with app.state.db.session() as s:
        tok_sales = new_api_token(s, s.scalar(select(User).where(User.email == USERS["sales"][0])))
        tok_fm = new_api_token(s, s.scalar(select(User).where(User.email == USERS["marketer"][0])))
    assert c.post("/api/review/v1/outcomes", json=body, headers={"Authorization": f"Bearer {tok_fm}"}).status_code == 403
    r = c.post("/api/review/v1/outcomes", json=body, headers={"Authorization": f"Bearer {tok_sales}"})
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["result"] for x in res] == ["updated", "unmatched", "invalid"]
    assert "reason is required" in res[2]["reason"]
    with app.state.db.session() as s:
        assert s.get(Outcome, lead.id).status == "closed_won"
        assert s.get(Outcome, lead.id).reported_by == USERS["sales"][0]
    r = c.post("/api/review/v1/outcomes", json={"outcomes": [{"lead_id": lead.id, "status": "closed_won"}]},
               headers={"Authorization": f"Bearer {tok_sales}"})
    assert r.json()["results"][0]["result"] == "unchanged"
    assert c.post("/api/review/v1/outcomes", json={"outcomes": [{"status": "bogus"}]},
                  headers={"Authorization": f"Bearer {tok_sales}"}).status_code == 422
    rep = c.get("/api/review/v1/shows/expo/report", headers={"Authorization": f"Bearer {tok_sales}"}).json()
    assert rep["total"]["leads"] > 0 and "budget" in rep["answers"]


# --- report and calibration ---------------------------------------------------------------------

def test_report_numbers_match_the_database(app, as_sales):
    html = as_sales.get("/shows/expo/report").text
    with app.state.db.session() as s:
        won = s.scalar(select(func.count()).select_from(Outcome).where(Outcome.show_id == "expo",
                                                                       Outcome.status == "closed_won"))
        n = s.scalar(select(func.count()).select_from(Lead).where(Lead.show_id == "expo"))
    assert f"closed ({won} won)" in html
    assert f"{12000 / n:,.2f}" in html                    # cost per lead
    assert f"{12000 / won:,.2f}" in html                  # cost per closed deal
    assert "What is your part in the decision?" in html
    allr = as_sales.get("/report").text
    assert "Test Expo" in allr and 'id="per-show"' in allr


def test_cost_needs_marketer_and_validates(app, as_sales, as_marketer):
    assert as_sales.post_form("/shows/expo/report", "/shows/expo/cost", {"cost": "5"}).status_code == 403
    r = as_marketer.post_form("/shows/expo/report", "/shows/expo/cost", {"cost": "lots"})
    assert as_marketer.notice(r).startswith("err: cost: expected an amount")
    r = as_marketer.post_form("/shows/expo/report", "/shows/expo/cost", {"cost": "1e9", "currency": "EUR"})
    assert as_marketer.notice(r).startswith("err: cost")      # 1e9 is no trade-show cost
    r = as_marketer.post_form("/shows/expo/report", "/shows/expo/cost", {"cost": "30,000.50"})
    assert as_marketer.notice(r).startswith("err: currency")  # a cost needs its currency
    as_marketer.post_form("/shows/expo/report", "/shows/expo/cost", {"cost": "30.000,50", "currency": "eur",
                                                                      "timezone": "Europe/Berlin"})
    with app.state.db.session() as s:
        assert float(s.get(Show, "expo").cost) == 30000.50
    html = as_marketer.get("/shows/expo/report").text
    assert "30,000.50 EUR" in html and "By hour of day (Europe/Berlin)" in html
    r = as_marketer.post_form("/shows/expo/report", "/shows/expo/cost", {"cost": "1", "currency": "EUR",
                                                                          "timezone": "Mars/Olympus"})
    assert as_marketer.notice(r).startswith("err: time zone")


def test_calibration_with_too_few_outcomes_recommends_nothing(app, as_marketer):
    """Below 20 decided leads the page keeps the table but withholds any recommendation."""
    assert "Too few outcomes" not in as_marketer.get("/shows/expo/calibration").text
    with app.state.db.session() as s:
        s.query(Outcome).filter(Outcome.show_id == "expo").delete()
        s.commit()
    html = as_marketer.get("/shows/expo/calibration").text
    assert "Too few outcomes to recommend anything: 0 decided leads" in html and "at least 20 needed" in html
    assert 'id="candidates"' in html


def test_calibration_apply_makes_a_form_version_and_rescores_nothing(app, as_marketer, as_sales):
    page = as_marketer.get("/shows/expo/calibration")
    assert page.status_code == 200 and 'id="candidates"' in page.text
    with app.state.db.session() as s:
        before = {l.id: (l.score, l.tag, l.version) for l in s.scalars(select(Lead).where(Lead.show_id == "expo"))}
        old_version = s.get(Show, "expo").form_version
    assert as_sales.post_form("/shows/expo/calibration", "/shows/expo/calibration/apply",
                              {"hot": "80", "warm": "45"}).status_code == 403
    r = as_marketer.post_form("/shows/expo/calibration", "/shows/expo/calibration/apply",
                              {"hot": "80", "warm": "45", "note": "agreed with sales"})
    assert "confirmation" in as_marketer.notice(r)            # Apply asks for confirmation ...
    r = as_marketer.post_form("/shows/expo/calibration", "/shows/expo/calibration/apply",
                              {"hot": "80", "warm": "45", "confirm": "yes"})
    assert "reason" in as_marketer.notice(r)                  # ... and a reason
    r = as_marketer.post_form("/shows/expo/calibration", "/shows/expo/calibration/apply",
                              {"hot": "80", "warm": "45", "note": "agreed with sales", "confirm": "yes"})
    assert as_marketer.notice(r).startswith("ok: Form version")
    from forms import load_form_text
    with app.state.db.session() as s:
        show = s.get(Show, "expo")
        form = load_form_text(show.form_yaml)
        assert (form.scoring.hot, form.scoring.warm) == (80, 45)
        assert show.form_version == form.version != old_version
        versions = {v.version: v for v in s.scalars(select(FormVersion).where(FormVersion.show_id == "expo"))}
        assert set(versions) == {old_version, form.version}
        assert versions[form.version].created_by == "fm@example.com"
        after = {l.id: (l.score, l.tag, l.version) for l in s.scalars(select(Lead).where(Lead.show_id == "expo"))}
    assert after == before                                   # nothing rescored
    again = as_marketer.post_form("/shows/expo/calibration", "/shows/expo/calibration/apply",
                                  {"hot": "80", "warm": "45", "note": "twice", "confirm": "yes"})
    assert "already uses" in as_marketer.notice(again)        # same thresholds: no new version
    with app.state.db.session() as s:
        assert s.scalar(select(func.count()).select_from(FormVersion).where(FormVersion.show_id == "expo")) == 2
    r = as_marketer.post_form("/shows/expo/calibration", "/shows/expo/calibration/apply",
                              {"hot": "30", "warm": "60", "note": "x", "confirm": "yes"})
    assert "must not be above hot" in as_marketer.notice(r)   # a clear message, not the engine's
    html = as_marketer.get("/shows/expo/calibration").text
    assert "Leads that would change tag" in html and "data-confirm=" in html and "onclick" not in html


def test_charts_page_renders_svg(as_marketer):
    html = as_marketer.get("/shows/expo/charts", params={"tag": "hot"}).text
    assert html.count("<svg") >= 4 and "Leads per hour on" in html and "http" not in html.split("<svg", 1)[1][:200]


def test_users_admin_page_adds_users(app, as_admin):
    r = as_admin.post_form("/users", "/users", {"email": "New@Example.com", "name": "New", "role": "sales",
                                                "password": "long enough pw"})
    assert as_admin.notice(r) == "ok: User new@example.com added."
    r = as_admin.post_form("/users", "/users", {"email": "bad", "role": "sales", "password": "long enough pw"})
    assert as_admin.notice(r).startswith("err: email")
    r = as_admin.post_form("/users", "/users", {"email": "x@example.com", "role": "boss", "password": "long enough pw"})
    assert as_admin.notice(r).startswith("err: role")
    c = TestClient(app)
    tok = csrf_of(c.get("/login").text)
    assert c.post("/login", data={"email": "new@example.com", "password": "long enough pw", "csrf": tok},
                  follow_redirects=False).status_code == 303


def test_raising_a_lead_to_hot_notifies_sales_exactly_once(sqlite_url):
    from central.app import create_app
    from central.models import Notification
    from central.settings import parse_settings
    settings = parse_settings({"routing": {"default": {"email": ["sales-team@example.com"]}},
                               "smtp": {"host": "127.0.0.1", "port": 2525, "from": "leadkiosk@example.com"}},
                              "<test>", {})  # no worker runs here: the queue row is what is checked
    app = create_app(sqlite_url, settings)
    try:
        b = sign_in(app, "marketer")
        lead = first_lead(app, tag="warm", discarded=False)
        url = f"/leads/{lead.id}"
        b.post_form(url, url + "/tag", {"tag": "hot"})
        b.post_form(url, url + "/tag", {"tag": ""})       # back to warm
        b.post_form(url, url + "/tag", {"tag": "hot"})    # hot again: no second e-mail
        with app.state.db.session() as s:
            notes = s.scalars(select(Notification).where(Notification.lead_id == lead.id)).all()
            assert [(n.kind, n.recipient, n.state) for n in notes] == [("email", "sales-team@example.com", "pending")]
            assert notes[0].payload_json["tag"] == "hot"
            assert notes[0].payload_json["raised"]["by"] == "fm@example.com"   # who raised it (and why)
    finally:
        app.state.db.dispose()
