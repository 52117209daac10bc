"""Issue 14, case 1 (central side): a kiosk edit of a lead central edited meanwhile is merged
field by field against the common base; a same-field edit is kept as a visible conflict, never
answered `stale`/`conflict` and dropped."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from central.models import Lead, LeadVersion


def _central_edit(db, lead_id, **kw):  # type: ignore[no-untyped-def]
    from central.web import leadedit
    now = datetime.now(timezone.utc)
    with db.session(write=True) as s:
        if "notes" in kw:
            leadedit.set_notes(s, lead_id, kw["notes"], actor="fm@example.com", source="web", now=now)
        if kw.get("discard"):
            leadedit.discard(s, lead_id, kw["discard"], actor="fm@example.com", source="web", now=now)


def _kiosk_v2(original, **changes):  # type: ignore[no-untyped-def]
    v2 = {**original, "version": 2, "base_version": 1}
    for k, v in changes.items():
        if k.startswith("contact."):
            v2["contact"] = {**v2["contact"], k.split(".", 1)[1]: v}
        else:
            v2[k] = v
    v2["history"] = original["history"] + [{"version": 2, "at": original["captured_at"], "actor": "Ana",
                                            "changes": {k: {"old": None, "new": v} for k, v in changes.items()}}]
    return v2


def test_issue_scenario_notes_vs_notes_and_discard_is_a_kept_conflict(client, enroll, lead):
    db = client.app.state.db
    k = enroll()
    original = lead(notes="")
    assert k.send(original)[0]["status"] == "stored"
    _central_edit(db, original["id"], notes="central: called, wants pricing", discard="duplicate badge")  # v3
    res = k.send(_kiosk_v2(original, notes="kiosk: met the CTO"))[0]
    assert res["status"] == "merged", res
    assert res["version"] == 2 and res["merged_version"] == 4
    rec = res["record"]
    assert rec["version"] == 4 and rec["notes"] == "central: called, wants pricing"
    assert rec["score"]["discarded"] is True                                     # central's other edit survives
    (c,) = rec["conflicts"]
    assert (c["field"], c["kiosk"], c["central"]) == ("notes", "kiosk: met the CTO", "central: called, wants pricing")
    with db.begin() as conn:
        stored = conn.execute(select(Lead.version, Lead.record_json, Lead.discarded).where(Lead.id == original["id"])).one()
        v4 = conn.execute(select(LeadVersion.record_json).where(LeadVersion.lead_id == original["id"],
                                                                LeadVersion.version == 4)).scalar()
    assert stored.version == 4 and stored.discarded is True
    assert "kiosk: met the CTO" in str(stored.record_json["conflicts"]) and "kiosk: met the CTO" in str(v4)
    # the response was lost: the kiosk sends v2 again and gets the same answer, nothing new stored
    again = k.send(_kiosk_v2(original, notes="kiosk: met the CTO"))[0]
    assert again["status"] == "merged" and again["merged_version"] == 4
    with db.begin() as conn:
        assert conn.execute(select(Lead.version).where(Lead.id == original["id"])).scalar() == 4


def test_different_fields_both_survive_without_conflict(client, enroll, lead):
    db = client.app.state.db
    k = enroll()
    original = lead()
    k.send(original)
    _central_edit(db, original["id"], notes="central note")                       # v2 (central)
    res = k.send(_kiosk_v2(original, **{"contact.title": "CEO"}))[0]
    assert res["status"] == "merged" and res["merged_version"] == 3
    assert res["record"]["contact"]["title"] == "CEO" and res["record"]["notes"] == "central note"
    assert "conflicts" not in res["record"]
    # the kiosk, having taken v3, edits again on top of it: a plain store
    v4 = {**res["record"], "version": 4, "base_version": 3, "notes": "central note + kiosk"}
    assert k.send(v4)[0]["status"] == "stored"


def test_kiosk_line_without_central_edits_is_unchanged(client, enroll, lead):
    k = enroll()
    original = lead()
    k.send(original)
    v2 = _kiosk_v2(original, notes="x")
    assert k.send(v2)[0]["status"] == "stored"
    assert k.send(original)[0]["status"] == "stale"
    assert k.send(v2)[0]["status"] == "duplicate"
