"""Issue 14: GET/PATCH /api/review/v1/leads/{id} (user token), and two-way conflicts visible on
the review lead page and settled by a person setting the field."""
from __future__ import annotations

import copy

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from central.models import Lead, LeadVersion
from review_helpers import USERS


def _tokens(app):  # type: ignore[no-untyped-def]
    from central.web.models import User
    from central.web.security import new_api_token
    with app.state.db.session() as s:
        fm = new_api_token(s, s.scalar(select(User).where(User.email == USERS["marketer"][0])))
        sales = new_api_token(s, s.scalar(select(User).where(User.email == USERS["sales"][0])))
    return {"Authorization": f"Bearer {fm}"}, {"Authorization": f"Bearer {sales}"}


def _a_lead(app):  # type: ignore[no-untyped-def]
    with app.state.db.begin() as conn:
        return conn.execute(select(Lead.id, Lead.version).where(Lead.discarded.is_(False), Lead.merged_into.is_(None),
                                                         Lead.computed_tag != "hot", Lead.override.is_(None))
                            .limit(1)).one()


def test_get_and_patch_one_version(app):
    c = TestClient(app)
    fm, sales = _tokens(app)
    lead = _a_lead(app)
    assert c.get(f"/api/review/v1/leads/{lead.id}").status_code == 401
    got = c.get(f"/api/review/v1/leads/{lead.id.upper()}", headers=fm).json()
    assert got["id"] == lead.id and got["version"] == lead.version and got["conflicts"] == []
    assert {"contact", "notes", "tag", "override", "version", "conflicts"} <= set(got)
    body = {"notes": "called\r\nback", "tag": "hot", "contact": {"title": "CFO", "company": " Initech "},
            "discarded": True, "discard_reason": "duplicate"}
    assert c.patch(f"/api/review/v1/leads/{lead.id}", json=body, headers=sales).status_code == 403
    r = c.patch(f"/api/review/v1/leads/{lead.id}", json=body, headers=fm)
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["version"] == lead.version + 1                       # one version for all of it
    assert (new["notes"], new["tag"], new["override"]) == ("called\nback", "hot", "hot")
    assert new["contact"]["title"] == "CFO" and new["contact"]["company"] == "Initech"
    assert new["discarded"] is True and new["discard_reason"] == "duplicate"
    with app.state.db.begin() as conn:
        assert conn.execute(select(LeadVersion.version).where(LeadVersion.lead_id == lead.id,
                                                              LeadVersion.version == new["version"])).scalar()
    again = c.patch(f"/api/review/v1/leads/{lead.id}", json={"tag": "computed", "discarded": False}, headers=fm).json()
    assert again["override"] is None and again["discarded"] is False and again["version"] == new["version"] + 1
    assert c.patch(f"/api/review/v1/leads/{lead.id}", json={"contact": {"shoe": "44"}}, headers=fm).status_code == 422
    assert c.patch(f"/api/review/v1/leads/{lead.id}", json={"colour": "red"}, headers=fm).status_code == 422
    assert c.get("/api/review/v1/leads/0b0c6c9e-1111-4222-8333-444455556666", headers=fm).status_code == 404


def test_conflict_shown_on_page_and_api_and_settled_by_setting_the_field(app, as_marketer):
    c = TestClient(app)
    fm, _ = _tokens(app)
    lead = _a_lead(app)
    with app.state.db.begin() as conn:
        rec = copy.deepcopy(conn.execute(select(Lead.record_json).where(Lead.id == lead.id)).scalar())
    rec["notes"] = "central: wants pricing"
    rec["conflicts"] = [{"field": "notes", "base": "", "kiosk": "kiosk: met the <b>CTO</b>",
                         "central": "central: wants pricing", "kiosk_version": 2, "central_version": 3, "at": "x"}]
    with app.state.db.write() as conn:
        conn.execute(update(Lead).where(Lead.id == lead.id).values(record_json=rec))
    page = as_marketer.get(f"/leads/{lead.id}").text
    assert 'id="conflicts"' in page and "kiosk: met the &lt;b&gt;CTO&lt;/b&gt;" in page
    assert c.get(f"/api/review/v1/leads/{lead.id}", headers=fm).json()["conflicts"][0]["field"] == "notes"
    r = c.patch(f"/api/review/v1/leads/{lead.id}", json={"notes": "met the CTO; wants pricing"}, headers=fm).json()
    assert r["conflicts"] == [] and r["notes"] == "met the CTO; wants pricing"
    assert 'id="conflicts"' not in as_marketer.get(f"/leads/{lead.id}").text
