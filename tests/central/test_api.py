"""The kiosk protocol end to end through the real app, on SQLite and on a real PostgreSQL."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from central.models import Lead, LeadHistory, LeadVersion, Notification


def test_enroll_gives_credentials_once(client, enroll):
    from central.devices import new_enrollment_code
    code = new_enrollment_code(client.app.state.db, "expo", show_name="Expo 2026")
    r = client.post("/api/v1/enroll", json={"code": code.lower(), "kiosk_name": "booth-7"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["show_id"] == "expo" and d["show_name"] == "Expo 2026"
    assert d["signing_secret"].startswith("whsec_") and d["device_id"].startswith("dev_")
    again = client.post("/api/v1/enroll", json={"code": code, "kiosk_name": "thief"})
    assert again.status_code == 403
    assert client.post("/api/v1/enroll", json={"code": "NOPE-NOPE-NOPE"}).status_code == 403
    # the token is stored hashed: the plain token appears nowhere in the devices table
    with client.app.state.db.begin() as conn:
        from central.models import Device
        hashes = [h for (h,) in conn.execute(select(Device.token_hash))]
    assert d["token"] not in hashes and len(hashes[0]) == 64


def test_config_served_with_etag(client, enroll):
    k = enroll()
    r = client.get("/api/v1/config", headers={"Authorization": f"Bearer {k.token}"})
    assert r.status_code == 200
    body = r.json()
    assert "budget" in body["form_yaml"] and body["show"]["id"] == "expo"
    assert body["destinations"][0]["kind"] == "central"
    assert r.headers["etag"] == body["etag"]
    r2 = client.get("/api/v1/config", headers={"Authorization": f"Bearer {k.token}", "If-None-Match": body["etag"]})
    assert r2.status_code == 304
    from central.shows import set_config
    with client.app.state.db.write() as conn:
        set_config(conn, "expo", roster_csv="registration_id,first_name\nR1,Ada\n")
    r3 = client.get("/api/v1/config", headers={"Authorization": f"Bearer {k.token}", "If-None-Match": body["etag"]})
    assert r3.status_code == 200 and r3.json()["roster_csv"].startswith("registration_id")


def test_batch_results_per_lead(client, enroll, lead):
    k = enroll()
    a, b = lead(), lead(tag="nurture")
    bad = lead()
    bad["score"]["tag"] = "lukewarm"
    res = k.send(a, b, bad, {"id": 5}, "not an object")
    assert [r["status"] for r in res] == ["stored", "stored", "rejected", "rejected", "rejected"]
    assert "score.tag" in res[2]["reason"] and res[2]["id"] == bad["id"]
    assert "id" in res[3]["reason"]
    # same version again: duplicate, nothing new stored
    assert [r["status"] for r in k.send(a)] == ["duplicate"]
    a2 = dict(a, version=2, notes="called back")
    assert k.send(a2)[0]["status"] == "stored"
    assert k.send(a)[0] == {"id": a["id"], "version": 1, "status": "stale", "reason": "version 2 is already stored"}
    db = client.app.state.db
    with db.begin() as conn:
        row = conn.execute(select(Lead.version, Lead.record_json).where(Lead.id == a["id"])).one()
        assert row.version == 2 and row.record_json["notes"] == "called back"
        assert conn.execute(select(func.count()).select_from(LeadVersion).where(LeadVersion.lead_id == a["id"])).scalar() == 2
        assert conn.execute(select(func.count()).select_from(Lead)).scalar() == 2


def test_batch_with_two_versions_of_one_new_lead(client, enroll, lead):
    k = enroll()
    v1 = lead()
    v3 = dict(lead(version=3, lead_id=v1["id"]))
    res = k.send(v1, v3, v1)
    assert [r["status"] for r in res] == ["stored", "stored", "stale"]
    with client.app.state.db.begin() as conn:
        assert conn.execute(select(Lead.version).where(Lead.id == v1["id"])).scalar() == 3
        hist = conn.execute(select(LeadHistory.version).where(LeadHistory.lead_id == v1["id"])).scalars().all()
        assert sorted(hist) == [2, 3]


def test_lead_of_another_show_rejected(client, enroll, lead):
    k = enroll()
    res = k.send(lead(show_id="other"))
    assert res[0]["status"] == "rejected" and "show_id" in res[0]["reason"]


def test_hot_lead_emails_sales_once(client, enroll, lead, smtp_server):
    k = enroll()
    hot = lead(tag="hot", country="DE", notes="wants a demo in March")
    assert k.send(hot)[0]["status"] == "stored"
    msgs = smtp_server.wait_for(1)
    assert len(msgs) == 1                      # how fast: bench/ingest_bench.py, not a timed test
    m = msgs[0]
    assert m.rcpt_tos == ["dach@example.com"]           # routed by territory DACH
    body = m.message.get_body(("plain",)).get_content()
    assert "Grace" in m.message["Subject"] and "budget approved +30" in body
    assert "wants a demo in March" in body and "Follow-up asked for: Call" in body
    assert m.message["X-Leadkiosk-Lead"] == hot["id"]
    # re-sent and demoted: no second e-mail; new notes are a reply in the same thread
    # (threading and raises: tests/central/test_alerts.py)
    k.send(hot)
    k.send(lead(tag="warm", version=2, lead_id=hot["id"], country="DE", notes="wants a demo in March"))
    time.sleep(1.0)
    assert len(smtp_server.messages) == 1
    k.send(lead(tag="warm", version=3, lead_id=hot["id"], country="DE", notes="more"))
    time.sleep(0.5)
    assert len(smtp_server.messages) == 1          # warm with new notes: the DACH rule takes hot leads only
    with client.app.state.db.begin() as conn:
        states = conn.execute(select(Notification.state)).scalars().all()
    assert states == ["sent"]


def test_raised_to_hot_notifies_and_routes_by_product(client, enroll, lead, smtp_server):
    k = enroll()
    w = lead(tag="warm", country="US", product=["analytics"])
    k.send(w)
    time.sleep(0.5)
    assert smtp_server.messages == []
    k.send(lead(tag="hot", version=2, lead_id=w["id"], country="US", product=["analytics"]))
    msgs = smtp_server.wait_for(1)
    assert msgs[0].rcpt_tos == ["analytics@example.com"]
    other = lead(tag="hot", country="BR")
    k.send(other)
    msgs = smtp_server.wait_for(2)
    assert msgs[1].rcpt_tos == ["sales@example.com"]     # default owner


def test_discarded_hot_lead_is_not_notified(client, enroll, lead, smtp_server):
    k = enroll()
    k.send(lead(tag="hot", discarded=True))
    time.sleep(0.6)
    assert smtp_server.messages == []


def test_sales_queue_and_admin_lists(client, enroll, lead, admin_headers):
    k = enroll()
    warm, hot, nurture = lead(tag="warm"), lead(tag="hot"), lead(tag="nurture")
    k.send(warm, hot, nurture, lead(tag="warm", discarded=True))
    q = client.get("/api/v1/sales-queue", params={"show": "expo"}, headers=admin_headers)
    assert q.status_code == 200
    assert [x["id"] for x in q.json()] == [warm["id"]]
    leads = client.get("/api/v1/leads", params={"show": "expo", "tag": "hot"}, headers=admin_headers).json()
    assert [x["id"] for x in leads] == [hot["id"]]
    devices = client.get("/api/v1/admin/devices", headers=admin_headers).json()
    assert devices[0]["device_id"] == k.device_id and devices[0]["last_ingest_at"]


def test_heartbeat_records_pending_and_clock(client, enroll, lead):
    k = enroll()
    r = k.signed("/api/v1/heartbeat", {"pending": {"central": 3, "hubspot": 1}, "last_sync_at": "2026-11-22T10:00:00Z",
                                        "clock": {"synchronised": False, "device_time": "2020-01-01T00:00:00Z",
                                                  "monotonic_s": 500.0, "boot_id": "boot-9"}})
    assert r.status_code == 200, r.text
    offset = r.json()["clock_offset_s"]
    assert offset > 86400 * 365 * 5          # the kiosk thinks it is 2020
    from central.devices import list_devices
    d = list_devices(client.app.state.db)[0]
    assert d["pending"] == {"central": 3, "hubspot": 1} and d["last_sync_at"].startswith("2026-11-22T10:00")


def test_clock_correction_from_monotonic_time(client, enroll, lead):
    """A lead captured with a wrong wall clock is placed on the server's time line."""
    from central.timeutil import aware, utcnow
    k = enroll()
    k.signed("/api/v1/heartbeat", {"clock": {"synchronised": False, "device_time": "2020-01-01T00:10:00Z",
                                             "monotonic_s": 1000.0, "boot_id": "boot-x"}})
    # captured 600 s (monotonic) before the heartbeat's sample, wall clock says 2020
    old = lead(synchronised=False, monotonic_s=400.0, boot_id="boot-x", captured_at="2020-01-01T00:00:00Z")
    # other boot, no anchor: the device's wall-clock offset is applied
    other = lead(synchronised=False, monotonic_s=5.0, boot_id="boot-unknown", captured_at="2020-01-01T00:05:00Z")
    good = lead(captured_at="2026-11-22T09:00:00Z")
    k.send(old, other, good)
    now = utcnow()
    with client.app.state.db.begin() as conn:
        rows = {r.id: r for r in conn.execute(select(Lead.id, Lead.captured_at_corrected, Lead.clock_method))}
    assert rows[old["id"]].clock_method == "monotonic"
    delta = (now - aware(rows[old["id"]].captured_at_corrected)).total_seconds()
    assert 590 < delta < 640, delta
    assert rows[other["id"]].clock_method == "offset"
    delta2 = (now - aware(rows[other["id"]].captured_at_corrected)).total_seconds()
    assert 290 < delta2 < 340, delta2
    assert rows[good["id"]].clock_method == "synchronised"
    assert aware(rows[good["id"]].captured_at_corrected).isoformat().startswith("2026-11-22T09:00:00")


def test_batch_clock_sample_anchors_same_request(client, enroll, lead):
    from central.timeutil import aware, utcnow
    k = enroll()
    l1 = lead(synchronised=False, monotonic_s=50.0, boot_id="b2", captured_at="2000-01-01T00:00:00Z")
    k.send(l1, clock={"synchronised": False, "monotonic_s": 110.0, "boot_id": "b2"})
    with client.app.state.db.begin() as conn:
        row = conn.execute(select(Lead.captured_at_corrected, Lead.clock_method).where(Lead.id == l1["id"])).one()
    assert row.clock_method == "monotonic"
    assert 55 < (utcnow() - aware(row.captured_at_corrected)).total_seconds() < 100


def test_malformed_body_is_400_not_500(client, enroll):
    k = enroll()
    assert k.signed("/api/v1/leads:batch", None, raw=b"{not json").status_code == 400
    assert k.signed("/api/v1/leads:batch", {"leads": {"a": 1}}).status_code == 400
    assert k.signed("/api/v1/leads:batch", None, raw=b'{"leads": [NaN]}').status_code == 400
    r = k.signed("/api/v1/leads:batch", None, raw=b'{"leads": [{"id": "\\u0000"}, {"x": "\\ud800"}]}')
    assert r.status_code == 200 and [x["status"] for x in r.json()["results"]] == ["rejected", "rejected"]


def test_nul_in_lead_rejected_alone(client, enroll, lead):
    k = enroll()
    ok, bad = lead(), lead()
    bad["notes"] = "evil\u0000"
    res = k.send(ok, bad)
    assert [r["status"] for r in res] == ["stored", "rejected"] and "NUL" in res[1]["reason"]


def test_kiosk_edit_after_central_edit_is_merged_not_lost(client, enroll, lead):
    """A review-app edit makes version 2 (lead_versions.device_id NULL). The kiosk's own version 2
    (or 3) forks from version 1: merged field by field (issue 14), the same-field edits kept as
    conflicts, never overwriting the central edit nor dropping the kiosk's."""
    from central.models import LeadVersion
    from central.timeutil import utcnow
    k = enroll()
    mine = lead(notes="booth note")
    k.send(mine)
    web = dict(mine, version=2, notes="corrected by marketing")
    with client.app.state.db.write() as conn:
        conn.execute(LeadVersion.__table__.insert().values(lead_id=mine["id"], version=2, device_id=None,
                                                           record_json=web, received_at=utcnow()))
        conn.execute(Lead.__table__.update().where(Lead.id == mine["id"]).values(version=2, record_json=web))
    res = k.send(dict(mine, version=2, notes="kiosk edit"), dict(mine, version=3, notes="kiosk edit 2"), mine)
    assert [r["status"] for r in res] == ["merged", "merged", "merged"]
    assert "conflict" in res[0]["reason"] and res[0]["merged_version"] == 3 and res[1]["merged_version"] == 4 and res[2]["merged_version"] == 4
    with client.app.state.db.begin() as conn:
        rec = conn.execute(select(Lead.record_json).where(Lead.id == mine["id"])).scalar()
    assert rec["notes"] == "corrected by marketing"
    assert sorted(c["kiosk"] for c in rec["conflicts"]) == ["kiosk edit", "kiosk edit 2"]
