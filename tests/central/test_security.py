"""Each of these must be refused: no token, a revoked token, a wrong signature, a replayed
request, a stale timestamp, another device's lead, the admin API without its token."""
from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from central.models import Lead


def _count(client) -> int:  # type: ignore[no-untyped-def]
    with client.app.state.db.begin() as conn:
        return conn.execute(select(func.count()).select_from(Lead)).scalar()


def test_no_token_refused(client, enroll, lead):
    k = enroll()
    body = json.dumps({"leads": [lead()]}).encode()
    from sync.record.signing import sign_headers
    r = client.post("/api/v1/leads:batch", content=body, headers=sign_headers(k.secret, body))
    assert r.status_code == 401 and "Authorization" in r.json()["detail"]
    assert client.get("/api/v1/config").status_code == 401
    assert client.get("/api/v1/config", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert _count(client) == 0


def test_revoked_token_refused(client, enroll, lead, admin_headers):
    k = enroll()
    assert k.send(lead())[0]["status"] == "stored"
    r = client.post(f"/api/v1/admin/devices/{k.device_id}/revoke", headers=admin_headers)
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = k.signed("/api/v1/leads:batch", {"leads": [lead()]})
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert client.get("/api/v1/config", headers={"Authorization": f"Bearer {k.token}"}).status_code == 401
    assert _count(client) == 1


def test_revoke_from_cli(client, enroll, lead, db_url, capsys):
    from kiosk.cli import main
    k = enroll()
    assert main(["central", "revoke", "--db", db_url, k.device_id]) == 0
    assert k.signed("/api/v1/leads:batch", {"leads": [lead()]}).status_code == 401
    assert main(["central", "revoke", "--db", db_url, "dev_nope"]) == 1
    assert "no device" in capsys.readouterr().err


def test_wrong_signature_refused(client, enroll, lead):
    k = enroll()
    other = enroll(name="booth-2")
    assert k.signed("/api/v1/leads:batch", {"leads": [lead()]}, secret=other.secret).status_code == 401
    # body changed after signing
    from sync.record.signing import sign_headers
    body = json.dumps({"leads": [lead()]}).encode()
    headers = sign_headers(k.secret, body) | {"Authorization": f"Bearer {k.token}"}
    r = client.post("/api/v1/leads:batch", content=body.replace(b"Grace", b"Evil!"), headers=headers)
    assert r.status_code == 401 and "no_match" in r.json()["detail"]
    # signature headers missing
    r = client.post("/api/v1/leads:batch", content=body, headers={"Authorization": f"Bearer {k.token}"})
    assert r.status_code == 401 and "missing" in r.json()["detail"]
    assert _count(client) == 0


def test_timestamp_outside_five_minutes_refused(client, enroll, lead):
    k = enroll()
    r = k.signed("/api/v1/leads:batch", {"leads": [lead()]}, timestamp=time.time() - 301)
    assert r.status_code == 401 and "timestamp" in r.json()["detail"] and r.json()["server_time"]
    assert k.signed("/api/v1/leads:batch", {"leads": [lead()]}, timestamp=time.time() + 400).status_code == 401
    assert k.signed("/api/v1/leads:batch", {"leads": [lead()]}, timestamp=time.time() - 200).status_code == 200


def test_replayed_request_refused(client, enroll, lead):
    k = enroll()
    body = json.dumps({"leads": [lead()]}).encode()
    from sync.record.signing import sign_headers
    headers = sign_headers(k.secret, body) | {"Authorization": f"Bearer {k.token}"}
    assert client.post("/api/v1/leads:batch", content=body, headers=headers).status_code == 200
    r = client.post("/api/v1/leads:batch", content=body, headers=headers)
    assert r.status_code == 409 and "replay" in r.json()["detail"]
    # an attacker without the secret cannot burn a fresh id: a bad signature does not record it
    bad = {"webhook-id": "msg_fresh", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,AAAA",
           "Authorization": f"Bearer {k.token}"}
    assert client.post("/api/v1/leads:batch", content=body, headers=bad).status_code == 401
    good = sign_headers(k.secret, body, msg_id="msg_fresh") | {"Authorization": f"Bearer {k.token}"}
    assert client.post("/api/v1/leads:batch", content=body, headers=good).status_code == 200


def test_another_devices_lead_refused(client, enroll, lead):
    a, b = enroll(name="booth-a"), enroll(name="booth-b")
    mine = lead(notes="original")
    assert a.send(mine)[0]["status"] == "stored"
    hijack = dict(mine, version=5, notes="overwritten by b")
    res = b.send(hijack)
    assert res[0]["status"] == "conflict"
    with client.app.state.db.begin() as conn:
        row = conn.execute(select(Lead.version, Lead.device_id, Lead.record_json).where(Lead.id == mine["id"])).one()
    assert row.version == 1 and row.device_id == a.device_id and row.record_json["notes"] == "original"


def test_other_show_token_cannot_read_config_of_other_show(client, enroll):
    a = enroll(show_id="expo")
    b = enroll(show_id="fair")
    assert client.get("/api/v1/config", headers={"Authorization": f"Bearer {a.token}"}).json()["show"]["id"] == "expo"
    assert client.get("/api/v1/config", headers={"Authorization": f"Bearer {b.token}"}).json()["show"]["id"] == "fair"


def test_admin_api_needs_admin_token(client, enroll):
    k = enroll()
    assert client.get("/api/v1/admin/devices").status_code == 401
    assert client.get("/api/v1/admin/devices", headers={"Authorization": f"Bearer {k.token}"}).status_code == 401
    assert client.post(f"/api/v1/admin/devices/{k.device_id}/revoke",
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/v1/sales-queue").status_code == 401


def test_admin_api_disabled_without_configured_token(sqlite_url):
    from fastapi.testclient import TestClient

    from central.app import create_app
    from central.settings import Settings
    with TestClient(create_app(sqlite_url, Settings(), web=False)) as c:
        r = c.get("/api/v1/admin/devices", headers={"Authorization": "Bearer anything"})
    assert r.status_code == 403 and "disabled" in r.json()["detail"]


def test_oversized_batch_refused(client, enroll, lead):
    k = enroll()
    r = k.signed("/api/v1/leads:batch", {"leads": [{"x": 1}] * 1001})
    assert r.status_code == 413
