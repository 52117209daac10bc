"""Issue 14, cases 1 and 2, end to end: the real central (`leadkiosk central serve`) and the real
`leadkiosk sync --once`. Central's edits reach the kiosk; a kiosk edit of a lead central edited
twice meanwhile is merged (same field: a conflict kept on both sides), never `stale` and dropped."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from kiosk.cli import main  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from sync.testing.central_process import RealCentral  # noqa: E402
from tests.support.records import make_lead  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def pair(tmp_path: Path):  # type: ignore[no-untyped-def]
    central = RealCentral(tmp_path / "central.db")
    code = central.cli("enroll-code", "--show", "demo").strip().split()[-1]
    central.start()
    data = tmp_path / "kiosk"
    assert main(["enroll", central.url, code, "--data", str(data)]) == 0
    from central.db import Database
    db = Database(f"sqlite:///{tmp_path / 'central.db'}")
    yield central, data, db
    db.dispose()
    central.stop()


def _edit(db, lead_id, fn, *args):  # type: ignore[no-untyped-def]
    from central.web import leadedit
    with db.session(write=True) as s:
        getattr(leadedit, fn)(s, lead_id, *args, actor="fm@example.com", source="web",
                              now=datetime.now(timezone.utc))


def _sync(data: Path, capsys) -> tuple[int, dict]:
    code = main(["sync", "--once", "--json", "--max-wait", "20", "--data", str(data)])
    return code, json.loads(capsys.readouterr().out)["destinations"]["central"]


def _central_record(db, lead_id):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from central.models import Lead, LeadVersion
    with db.begin() as conn:
        rec = conn.execute(select(Lead.record_json).where(Lead.id == lead_id)).scalar()
        versions = [r for (r,) in conn.execute(select(LeadVersion.record_json).where(LeadVersion.lead_id == lead_id))]
    return rec, versions


def test_case1_kiosk_notes_survive_two_central_edits(pair, capsys) -> None:
    central, data, db = pair
    store = open_store(data)
    lead = store.save(make_lead(1))
    store.close()
    capsys.readouterr()
    assert _sync(data, capsys)[0] == 0
    _edit(db, lead["id"], "set_notes", "central: wants pricing")      # central v2
    _edit(db, lead["id"], "discard", "duplicate badge")               # central v3
    store = open_store(data)
    store.edit(lead["id"], {"notes": "kiosk: met the CTO"}, actor="Ana")   # kiosk v2
    store.close()
    code, st = _sync(data, capsys)
    assert code == 0 and st["parked"] == 0 and st["pending"] == 0, st
    rec, versions = _central_record(db, lead["id"])
    assert any("kiosk: met the CTO" in json.dumps(v) for v in versions)
    assert [(c["field"], c["kiosk"], c["central"]) for c in rec["conflicts"]] == [
        ("notes", "kiosk: met the CTO", "central: wants pricing")]
    assert rec["score"]["discarded"] is True
    store = open_store(data)
    local = store.get(lead["id"])
    store.close()
    assert local["version"] == rec["version"] and local["score"]["discarded"] is True
    assert local["conflicts"][0]["kiosk"] == "kiosk: met the CTO"              # visible on the kiosk too
    assert main(["leads", "show", lead["id"], "--data", str(data)]) == 0
    assert "kiosk: met the CTO" in capsys.readouterr().out


def test_case2_central_edits_reach_the_kiosk(pair, capsys) -> None:
    central, data, db = pair
    store = open_store(data)
    lead = store.save(make_lead(2))
    store.close()
    capsys.readouterr()
    assert _sync(data, capsys)[0] == 0
    _edit(db, lead["id"], "set_override", "hot")
    _edit(db, lead["id"], "edit_contact", {"company": "Initech", "title": "VP Sales"})
    _edit(db, lead["id"], "discard", "competitor")
    code, st = _sync(data, capsys)
    assert code == 0, st
    store = open_store(data)
    local = store.get(lead["id"])
    # a staff edit made now, on top of central's version, goes back as a plain new version
    store.edit(lead["id"], {"notes": "follow up Monday"}, actor="Ana")
    store.close()
    assert local["score"]["tag"] == "hot" and local["score"]["override"] == "hot"
    assert local["contact"]["company"] == "Initech" and local["contact"]["title"] == "VP Sales"
    assert local["score"]["discarded"] is True and local["score"]["discard_reason"] == "competitor"
    assert local["sync"]["central"]["state"] == "sent" and local["version"] == 4
    assert [h["version"] for h in local["history"]][-3:] == [2, 3, 4]
    code, st = _sync(data, capsys)
    assert code == 0
    rec, _ = _central_record(db, lead["id"])
    assert rec["notes"] == "follow up Monday" and rec["contact"]["company"] == "Initech" and "conflicts" not in rec


def test_case5_leads_lost_locally_are_restored_from_central(pair, capsys) -> None:
    central, data, db = pair
    store = open_store(data)
    ids = [store.save(make_lead(i))["id"] for i in (3, 4)]
    store.close()
    capsys.readouterr()
    assert _sync(data, capsys)[0] == 0
    (data / "leads" / "store.journal").write_bytes(b"")           # both saves are gone locally
    code = main(["leads", "list", "--json", "--data", str(data)])
    out = capsys.readouterr()
    assert code == 1 and json.loads(out.out) == [] and "empty" in out.err
    _sync(data, capsys)                                           # the next sync fetches them back
    code = main(["leads", "list", "--json", "--data", str(data)])
    listed = {x["id"] for x in json.loads(capsys.readouterr().out)}
    assert code == 0 and listed == set(ids)
    log = (data / "leads" / "recovery.log").read_text()
    assert "restored 2 lead(s) from central" in log and all(i in log for i in ids)
