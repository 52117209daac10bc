"""The CRM pull against the documented-contract fakes (``sync.testing.crm_stubs``, extended for the
reads): HubSpot contact -> associated deals (stage, amount, close date) and lifecycle stage;
Salesforce Lead Status and the converted lead's Opportunity StageName/Amount/CloseDate.
Incremental (only records changed since the last pull), paced under HubSpot's 5 searches per
second, and ``leadkiosk central outcomes pull``."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from central.models import Lead, Show
from central.web import crm_pull
from central.web.models import CrmPull, Outcome
from sync.testing.crm_stubs import start_hubspot_stub, start_salesforce_stub

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ENV = {"HUBSPOT_TOKEN": "pat-test-token", "SF_ID": "3MVG9-test-client", "SF_SECRET": "test-secret"}


@pytest.fixture
def crms(app):
    hs_server, hs = start_hubspot_stub()
    sf_server, sf = start_salesforce_stub()
    clock = {"ms": int(T0.timestamp() * 1000)}
    hs.clock_ms = lambda: clock["ms"]
    with app.state.db.session() as s:
        show = s.get(Show, "expo")
        show.config_json = {**(show.config_json or {}), "destinations": [
            {"name": "hubspot", "kind": "hubspot", "token_env": "HUBSPOT_TOKEN", "base_url": hs_server.url},
            {"name": "sf", "kind": "salesforce", "login_url": sf_server.url, "client_id_env": "SF_ID",
             "client_secret_env": "SF_SECRET"}]}
        ids = [l for (l,) in s.execute(select(Lead.id).where(Lead.show_id == "expo", Lead.merged_into.is_(None),
                                                           Lead.discarded.is_(False)).order_by(Lead.id).limit(8))]
    yield hs, sf, ids, clock
    hs_server.stop()
    sf_server.stop()


def test_pull_reads_outcomes_incrementally(app, crms):
    hs, sf, ids, clock = crms
    db = app.state.db
    # what the kiosks pushed, then what sales did in each CRM
    c = [hs.next_id + i for i in range(4)]
    for cid, lid in zip(c, ids[:4]):
        hs.contacts[cid] = {"leadkiosk_id": lid, "email": f"{lid[:6]}@example.com", "lifecyclestage": "lead",
                            "lastmodifieddate": str(clock["ms"])}
    hs.contacts[9999] = {"email": "not-ours@example.com", "lifecyclestage": "customer", "lastmodifieddate": str(clock["ms"])}
    hs.add_deal(c[0], dealstage="closedwon", amount="12500", closedate="2026-12-20T00:00:00Z",
                deal_currency_code="EUR", hs_is_closed_won="true", hs_is_closed="true")
    hs.add_deal(c[0], dealstage="closedlost", amount="900", closedate="2026-12-01T00:00:00Z")
    hs.add_deal(c[1], dealstage="contractsent", amount="3000.5", closedate="2027-01-15T00:00:00Z")
    hs.touch_contact(c[2], lifecyclestage="customer")
    hs.add_deal(c[3], dealstage="a-custom-stage-id", amount="10", hs_is_closed="false", hs_is_closed_won="false")
    for lid in ids[4:8]:
        sf.leads[lid] = {"Id": "00Q" + lid[:12], "LastName": "X", "Company": "Y", "Status": "Open - Not Contacted",
                         "IsConverted": False, "LastModifiedDate": "2026-12-01T09:00:00.000+0000"}
    sf.set_outcome(ids[4], "2026-12-01T09:30:00.000+0000", status="Closed - Converted", StageName="Closed Won",
                   Amount=25000.0, CloseDate="2026-12-18", IsClosed=True, IsWon=True)
    sf.set_outcome(ids[5], "2026-12-01T09:30:00.000+0000", status="Closed - Not Converted")
    sf.set_outcome(ids[6], "2026-12-01T09:30:00.000+0000", status="Closed - Converted", StageName="Negotiation/Review",
                   Amount=4000.0, CloseDate="2027-02-01", IsClosed=False, IsWon=False)
    sf.page_size = 2   # make the query page through nextRecordsUrl

    res = {r.destination: r for r in crm_pull.pull_show(db, "expo", now=T0 + timedelta(hours=1), env=ENV)}
    assert res["hubspot"].error is None and res["sf"].error is None, (res["hubspot"].error, res["sf"].error)
    assert res["hubspot"].updated == 4 and res["sf"].updated == 3 and res["sf"].unchanged == 1
    with db.session() as s:
        o = {lid: s.get(Outcome, lid) for lid in ids}
        assert (o[ids[0]].status, o[ids[0]].amount, o[ids[0]].currency, o[ids[0]].close_date) == (
            "closed_won", Decimal("12500.00"), "EUR", date(2026, 12, 20))          # the won deal, not the lost one
        assert (o[ids[1]].status, o[ids[1]].stage, o[ids[1]].amount) == ("active", "contractsent", Decimal("3000.50"))
        assert o[ids[2]].status == "closed_won"                                    # lifecycle stage customer
        assert (o[ids[3]].status, o[ids[3]].stage) == ("active", "a-custom-stage-id")   # HubSpot's own open flag
        assert (o[ids[4]].status, o[ids[4]].amount, o[ids[4]].close_date) == ("closed_won", Decimal("25000.00"), date(2026, 12, 18))
        assert o[ids[5]].status == "discarded" and "Closed - Not Converted" in o[ids[5]].reason
        assert (o[ids[6]].status, o[ids[6]].stage) == ("active", "Negotiation/Review")
        assert o[ids[0]].source == "crm:hubspot" and o[ids[4]].reported_by == "crm:sf"
        marks = {p.destination: p.last_pull_at for p in s.scalars(select(CrmPull).where(CrmPull.show_id == "expo"))}
    assert set(marks) == {"hubspot", "sf"}
    assert hs.search_throttled == 0 and hs.throttled == 0                           # paced under the limits
    assert len(sf.queries) == 1 and sf.requests == 2                                # one query, 2 pages

    # nothing changed since: the next pull asks only for changes since the last one and reads none
    res = {r.destination: r for r in crm_pull.pull_show(db, "expo", now=T0 + timedelta(hours=2), env=ENV)}
    assert (res["hubspot"].read, res["sf"].read, res["hubspot"].updated, res["sf"].updated) == (0, 0, 0, 0)
    since_ms = int(hs.search_bodies[-1]["filterGroups"][0]["filters"][0]["value"])
    assert since_ms == int((T0 + timedelta(hours=1) - crm_pull.OVERLAP).timestamp() * 1000)
    assert "LastModifiedDate >= 2026-12-01T09:55:00Z" in sf.queries[-1]

    # a deal moves on in HubSpot: the next pull reads just that
    clock["ms"] = int((T0 + timedelta(hours=2, minutes=30)).timestamp() * 1000)
    deal = next(d for d, cs in hs.deal_contacts.items() if cs == [c[1]])
    hs.deals[deal].update(dealstage="closedwon", hs_lastmodifieddate=str(clock["ms"]))
    res = {r.destination: r for r in crm_pull.pull_show(db, "expo", now=T0 + timedelta(hours=3), env=ENV)}
    assert (res["hubspot"].read, res["hubspot"].updated) == (1, 1)
    with db.session() as s:
        assert s.get(Outcome, ids[1]).status == "closed_won"


def test_pull_reports_missing_credentials_and_auth_errors(app, crms):
    res = crm_pull.pull_show(app.state.db, "expo", now=T0, env={})
    assert all(r.error and "not set" in r.error for r in res)
    res = crm_pull.pull_show(app.state.db, "expo", now=T0, env={**ENV, "HUBSPOT_TOKEN": "wrong"})
    assert "401" in {r.destination: r for r in res}["hubspot"].error
    with app.state.db.session() as s:
        row = s.get(CrmPull, ("expo", "hubspot"))
        assert row.last_pull_at is None and "401" in row.last_error   # the mark moves only on success


def test_cli_outcomes_pull(app, crms, sqlite_url, capsys, monkeypatch):
    from kiosk.cli import main
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    assert main(["central", "outcomes", "pull", "--db", sqlite_url, "--show", "expo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {r["destination"] for r in out} == {"hubspot", "sf"} and all(r["error"] is None for r in out)
    assert main(["central", "outcomes", "pull", "--db", sqlite_url, "--show", "nope"]) == 1


def test_pull_button(app, crms, as_sales, monkeypatch):
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    page = as_sales.get("/shows/expo/outcomes/import")
    assert 'id="pull-now"' in page.text and "hubspot, sf" in page.text
    r = as_sales.post_form("/shows/expo/outcomes/import", "/shows/expo/outcomes/pull", {})
    assert r.status_code == 303 and as_sales.notice(r).startswith("ok: hubspot:")
    assert "never" not in as_sales.get("/shows/expo/outcomes/import").text.split('id="crm-pull"')[1]
