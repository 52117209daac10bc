"""Issue 14, case 3: lead ids are lower-case UUIDs at every boundary, so a different spelling of
another kiosk's lead id cannot slip past the ownership check and store a shadow copy."""
from __future__ import annotations

from sqlalchemy import func, select

from central.models import Lead, LeadVersion


def test_upper_case_id_of_another_kiosks_lead_is_a_conflict(client, enroll, lead):
    a, b = enroll(name="booth-a"), enroll(name="booth-b")
    original = lead()
    assert a.send(original)[0]["status"] == "stored"
    for spelling in (original["id"].upper(), original["id"][:8].upper() + original["id"][8:]):
        shadow = lead(lead_id=spelling, notes="B's content")
        res = b.send(shadow)[0]
        assert res["status"] == "conflict", res
        assert res["id"] == original["id"]          # answered in the canonical spelling
    with client.app.state.db.begin() as conn:
        assert conn.execute(select(func.count()).select_from(Lead)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(LeadVersion)).scalar() == 1
        assert conn.execute(select(Lead.id)).scalar() == original["id"]


def test_owner_sending_its_id_in_upper_case_updates_the_same_lead(client, enroll, lead):
    a = enroll()
    original = lead()
    assert a.send(original)[0]["status"] == "stored"
    again = lead(lead_id=original["id"].upper(), version=2, notes="second")
    res = a.send(again)[0]
    assert res == {"id": original["id"], "version": 2, "status": "stored", "reason": None}
    with client.app.state.db.begin() as conn:
        rows = conn.execute(select(Lead.id, Lead.version, Lead.record_json)).all()
    assert [(r.id, r.version) for r in rows] == [(original["id"], 2)]
    assert rows[0].record_json["id"] == original["id"]


def test_non_canonical_shapes_are_rejected(client, enroll, lead):
    a = enroll()
    import uuid
    u = uuid.uuid4()
    for bad in ("{" + str(u) + "}", u.hex, "urn:uuid:" + str(u), " " + str(u)):
        res = a.send(lead(lead_id=bad))[0]
        assert res["status"] == "rejected" and "id" in res["reason"], (bad, res)


def test_kiosk_store_normalises_ids(tmp_path):
    from kiosk.store import MemoryLeadStore, new_lead, open_store
    for store in (MemoryLeadStore(), open_store(tmp_path)):
        rec = new_lead(show_id="demo", kiosk_id="k", staff="Ana", contact={"first_name": "A"}, answers={},
                       score={"score": 1, "tag": "warm", "computed_tag": "warm", "override": None,
                              "discarded": False, "discard_reason": None, "reasons": []},
                       lead_id="0B0C6C9E-1111-4222-8333-444455556666")
        saved = store.save(rec)
        assert saved["id"] == "0b0c6c9e-1111-4222-8333-444455556666"
        assert store.get("0B0C6C9E-1111-4222-8333-444455556666")["id"] == saved["id"]
        assert store.edit(saved["id"].upper(), {"notes": "x"}, actor="t")["version"] == 2
        store.close()
