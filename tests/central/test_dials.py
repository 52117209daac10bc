"""Reps dial their own volume, through the real ingest, worker and SMTP server (aiosmtpd): hot only,
hot and warm, a score threshold, countries, products, quiet hours; the routing config stays the
default for reps without a dial; a lead nobody wants goes to the default owner; the admin's
quarter-end window widens dials; the report's "who got what" counts it all. Time is an input:
the window and quiet hours are checked with fixed clocks."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from central_test_support import settings_for  # type: ignore[import-not-found]

UTC = timezone.utc


@pytest.fixture
def app_client(sqlite_url, smtp_server) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from central.app import create_app
    app = create_app(sqlite_url, settings_for(smtp_server.port, review={"base_url": "https://leads.example.com"}),
                     start_worker=True, web=False)
    with TestClient(app) as c:
        yield c


def _rep(db: Any, email: str, **dial: Any) -> None:
    from central.sales.dials import make_dial
    from central.sales.reps import save_dial
    from central.web.users import add_user
    with db.session(write=True) as s:
        user = add_user(s, email, "sales", "correct horse battery")
        s.flush()
        if dial:
            save_dial(s, user.id, make_dial(email, **dial), datetime.now(UTC))


def _kiosk(client: Any):  # type: ignore[no-untyped-def]
    from central.devices import new_enrollment_code
    from central_test_support import Kiosk  # type: ignore[import-not-found]
    code = new_enrollment_code(client.app.state.db, "expo")
    d = client.post("/api/v1/enroll", json={"code": code, "kiosk_name": "booth-1"}).json()
    return Kiosk(client, d["device_id"], d["token"], d["signing_secret"], d["show_id"])


def _to(smtp: Any, n: int) -> list[tuple[str, str]]:
    msgs = smtp.wait_for(n)
    time.sleep(0.6)                                   # nothing more arrives
    assert len(smtp.messages) == n, [(m.rcpt_tos, m.message["Subject"]) for m in smtp.messages]
    return sorted((m.rcpt_tos[0], m.message["X-Leadkiosk-Lead"]) for m in msgs)


def test_each_dial_setting(app_client, smtp_server, lead):
    db = app_client.app.state.db
    _rep(db, "ana@example.com", mode="hot", countries="DE AT", language="de")
    _rep(db, "ben@example.com", mode="hot_warm", countries="FR")
    _rep(db, "cat@example.com", mode="threshold", threshold="45", products=["analytics"])
    k = _kiosk(app_client)
    hot_de = lead(tag="hot", country="DE")                                   # ana (dial) + dach@ (rule)
    warm_de = lead(tag="warm", country="DE")                                 # nobody e-mailed: ana is hot only
    warm_fr = lead(tag="warm", country="FR")                                 # ben
    warm_fr_analytics = lead(tag="warm", country="FR", product=["analytics"])  # ben + cat (50 >= 45)
    nurture_analytics = lead(tag="nurture", country="FR", product=["analytics"])  # cat? 10 < 45: no
    k.send(hot_de, warm_de, warm_fr, warm_fr_analytics, nurture_analytics)
    got = _to(smtp_server, 5)
    assert got == sorted([("ana@example.com", hot_de["id"]), ("dach@example.com", hot_de["id"]),
                          ("ben@example.com", warm_fr["id"]), ("ben@example.com", warm_fr_analytics["id"]),
                          ("cat@example.com", warm_fr_analytics["id"])])
    subjects = {m.message["Subject"] for m in smtp_server.messages if m.rcpt_tos == ["ben@example.com"]}
    assert all(sub.startswith("Lead: Grace Hopper, Navy - ") for sub in subjects)   # warm: not called hot
    # labels in the rep's language: ana reads German, the rule's team English
    [ana] = [m.message for m in smtp_server.messages if m.rcpt_tos == ["ana@example.com"]]
    [team] = [m.message for m in smtp_server.messages if m.rcpt_tos == ["dach@example.com"]]
    assert "Gewünschte Nachverfolgung: Rückruf" in ana.get_body(("plain",)).get_content()
    assert ana["Subject"].startswith("Heißer Lead: Grace Hopper, Navy - ")
    assert "Follow-up asked for: Call me" in team.get_body(("plain",)).get_content()
    # the warm lead nobody dialed in goes to the default owner's inbox (no e-mail: warm)
    from central.sales.models import LeadAssignment
    from central.sales.stats import who_got_what
    with db.session() as s:
        owners = {(a.lead_id, a.rep, a.reason) for a in s.scalars(select(LeadAssignment))}
        assert (warm_de["id"], "sales@example.com", "default") in owners
        assert (nurture_analytics["id"], "sales@example.com", "default") not in owners   # nurture: marketing's
        shares = {r.rep: r for r in who_got_what(s, "expo")}
    assert (shares["ana@example.com"].hot, shares["ana@example.com"].by_dial) == (1, 1)
    assert (shares["ben@example.com"].warm, shares["cat@example.com"].warm) == (2, 1)
    assert (shares["dach@example.com"].by_rule, shares["sales@example.com"].by_default) == (1, 1)


def test_a_lead_no_rep_wants_goes_to_the_default_owner(app_client, smtp_server, lead):
    db = app_client.app.state.db
    # analytics@ is named by a routing rule but set their own dial (US only): the dial decides for them
    _rep(db, "analytics@example.com", mode="hot", countries="US")
    k = _kiosk(app_client)
    hot = lead(tag="hot", country="FR", product=["analytics"])
    k.send(hot)
    assert _to(smtp_server, 1) == [("sales@example.com", hot["id"])]
    us = lead(tag="hot", country="US", product=["analytics"])
    k.send(us)
    assert _to(smtp_server, 2)[0] == ("analytics@example.com", us["id"])


def test_quarter_end_window_widens_dials():
    from central.sales.dials import Dial, LeadFacts, Window, in_window, quarter_end, wants, widened
    from datetime import date
    assert quarter_end(date(2026, 2, 14)) == date(2026, 3, 31) and quarter_end(date(2026, 12, 1)) == date(2026, 12, 31)
    w = Window(days=10, points=20)
    assert not in_window(w, datetime(2026, 3, 21, 23, 0, tzinfo=UTC))
    assert in_window(w, datetime(2026, 3, 22, 0, 0, tzinfo=UTC)) and in_window(w, datetime(2026, 12, 31, 23, tzinfo=UTC))
    assert not in_window(w, datetime(2026, 4, 1, tzinfo=UTC)) and not in_window(Window(0), datetime(2026, 3, 31, tzinfo=UTC))
    warm = LeadFacts(tag="warm", score=50, discarded=False, country="DE")
    hot_only, thr = Dial("a@x", mode="hot"), Dial("b@x", mode="threshold", threshold=65)
    early, late = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 28, tzinfo=UTC)
    assert not wants(widened(hot_only, w, early), warm) and wants(widened(hot_only, w, late), warm)
    assert not wants(widened(thr, w, early), warm) and wants(widened(thr, w, late), warm)    # 65 - 20 <= 50


def test_quarter_end_and_quiet_hours_when_routing(sqlite_url, lead):
    """``plan`` (what ingest calls) with fixed clocks: the window in force and a rep's quiet hours."""
    from central.db import Database
    from central.migrate import upgrade
    from central.sales.alerts import AlertLead, plan
    from central.sales.reps import save_window
    db = Database(sqlite_url)
    upgrade(db)
    settings = settings_for(2525)
    _rep(db, "ana@example.com", mode="hot", quiet_start="22:00", quiet_end="07:00", timezone="Europe/Berlin")
    with db.session(write=True) as s:
        save_window(s, 7, 15, "admin@example.com", datetime(2026, 1, 1, tzinfo=UTC))
    warm = lead(tag="warm", country="DE")
    item = AlertLead(id=warm["id"], show_id="expo", version=1, record=warm, country="DE", kiosk="booth-1")
    with db.write() as conn:
        assert [n["recipient"] for n in plan(conn, settings, [item], datetime(2026, 6, 10, 12, tzinfo=UTC)).notifications] == []
        p = plan(conn, settings, [item], datetime(2026, 6, 26, 12, tzinfo=UTC))       # last 7 days of Q2
        assert [(n["recipient"], n["next_attempt_at"]) for n in p.notifications] == [
            ("ana@example.com", datetime(2026, 6, 26, 12, tzinfo=UTC))]
        night = datetime(2026, 6, 26, 23, 30, tzinfo=UTC)                             # 01:30 in Berlin
        p = plan(conn, settings, [item], night)
        assert p.notifications[0]["next_attempt_at"] == datetime(2026, 6, 27, 5, 0, tzinfo=UTC)   # 07:00 CEST
        conn.rollback()
    db.dispose()


def test_quiet_hours_rule():
    from central.sales.dials import Dial, quiet_until
    d = Dial("a@x", quiet_start="22:00", quiet_end="07:00", timezone="America/New_York")
    assert quiet_until(d, datetime(2026, 1, 15, 20, 0, tzinfo=UTC)) is None              # 15:00 EST
    assert quiet_until(d, datetime(2026, 1, 16, 3, 30, tzinfo=UTC)) == datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
    assert quiet_until(d, datetime(2026, 1, 16, 11, 0, tzinfo=UTC)) == datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
    day = Dial("a@x", quiet_start="12:00", quiet_end="13:00", timezone="UTC")
    assert quiet_until(day, datetime(2026, 1, 16, 12, 30, tzinfo=UTC)) == datetime(2026, 1, 16, 13, 0, tzinfo=UTC)
    assert quiet_until(day, datetime(2026, 1, 16, 13, 0, tzinfo=UTC)) is None
