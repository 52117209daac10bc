"""Issue 14: `leadkiosk leads show ID [--json]` and `leadkiosk leads edit ID [--notes] [--tag]
[--set contact.FIELD=VALUE ...] [--actor]`: a new version, queued for sync; setting a field in a
two-way conflict settles it."""
from __future__ import annotations

import json
from pathlib import Path

from kiosk.cli import main
from kiosk.store import open_store
from tests.support.records import make_lead


def test_edit_makes_one_version_queued_for_sync(tmp_path: Path, capsys) -> None:
    store = open_store(tmp_path)
    lead = store.save(make_lead(1))
    store.mark_sync(lead["id"], "central", 1, "sent")
    store.close()
    code = main(["leads", "edit", lead["id"].upper(), "--notes", "met at the bar", "--tag", "hot",
                 "--set", "contact.title=CEO", "--set", "contact.phone=", "--actor", "Ben", "--data", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    rec = json.loads(out.out)
    assert rec["version"] == 2 and rec["notes"] == "met at the bar"
    assert rec["score"]["override"] == "hot" and rec["score"]["tag"] == "hot"
    assert rec["contact"]["title"] == "CEO" and rec["contact"]["phone"] is None
    assert rec["history"][-1]["actor"] == "Ben" and "contact.title" in rec["history"][-1]["changes"]
    assert main(["leads", "show", lead["id"], "--json", "--data", str(tmp_path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == 2 and shown["sync"]["central"]["sent_version"] == 1
    store = open_store(tmp_path)
    assert [x["id"] for x in store.pending("central")] == [lead["id"]]     # queued for sync
    store.close()
    assert main(["leads", "edit", lead["id"], "--tag", "computed", "--data", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["score"]["override"] is None
    assert main(["leads", "edit", lead["id"], "--set", "shoe=44", "--data", str(tmp_path)]) == 2
    assert main(["leads", "edit", lead["id"], "--data", str(tmp_path)]) == 2
    assert main(["leads", "edit", "0b0c6c9e-1111-4222-8333-444455556666", "--notes", "x", "--data", str(tmp_path)]) == 1
    assert main(["leads", "show", "0b0c6c9e-1111-4222-8333-444455556666", "--data", str(tmp_path)]) == 1


def test_conflict_listed_by_show_and_settled_by_edit(tmp_path: Path, capsys) -> None:
    store = open_store(tmp_path)
    lead = store.save(make_lead(2))
    store.mark_sync(lead["id"], "central", 1, "sent")
    remote = dict(lead, version=3, notes="central: wants pricing", conflicts=[
        {"field": "notes", "base": "", "kiosk": "kiosk: met the CTO", "central": "central: wants pricing",
         "kiosk_version": 2, "central_version": 3, "at": "x"}])
    store.take_remote(remote, "central")
    store.close()
    assert main(["leads", "show", lead["id"], "--data", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "CONFLICT notes" in out.err and "kiosk: met the CTO" in out.err
    assert main(["leads", "edit", lead["id"], "--notes", "met the CTO; wants pricing", "--data", str(tmp_path)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert "conflicts" not in rec and rec["version"] == 4
