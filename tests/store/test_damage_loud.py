"""Issue 14, case 5: store damage is loud and preserved. Through the real commands: `capture`
and `leads list` exit non-zero naming what was lost, read-only `leads list` writes nothing,
a writer preserves the damaged file and names the lost lead ids in recovery.log."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kiosk.cli import main

HOT = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
       "evaluated_competitors": False, "role": "buyer", "follow_up": "demo", "consent": True}


def _capture(data: Path, capsys, *names: str) -> tuple[int, list[str], str]:
    import io
    import sys
    stdin = "\n".join(json.dumps({"contact": {"first_name": n, "company": "Acme"}, "answers": HOT})
                      for n in names) + "\n"
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(["capture", "--data", str(data)])
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return code, out.out.split(), out.err


def _list(data: Path, capsys) -> tuple[int, list[str], str]:
    code = main(["leads", "list", "--json", "--data", str(data)])
    out = capsys.readouterr()
    return code, [x["id"] for x in json.loads(out.out or "[]")], out.err


def _files(data: Path) -> dict[str, tuple[int, int]]:
    leads = data / "leads"
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in leads.iterdir() if p.name != ".lock"}


@pytest.fixture
def three(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    data = tmp_path / "kiosk"
    code, ids, _ = _capture(data, capsys, "Ada", "Bob", "Cy")
    assert code == 0 and len(ids) == 3
    return data, ids


def _journal(data: Path) -> Path:
    return data / "leads" / "store.journal"


def test_bytes_overwritten_mid_journal_name_the_lost_lead(three, capsys) -> None:
    data, ids = three
    raw = _journal(data).read_bytes()
    lines = raw.split(b"\n")
    k = next(i for i, ln in enumerate(lines) if ids[1].encode() in ln)
    start = sum(len(ln) + 1 for ln in lines[:k])
    pos = start + (len(lines[k]) * 3) // 4          # inside Bob's line, past his id
    _journal(data).write_bytes(raw[:pos] + b"XXXXXXXX" + raw[pos + 8:])
    before = _files(data)
    code, listed, err = _list(data, capsys)
    assert code != 0
    assert set(listed) == {ids[0], ids[2]}
    assert ids[1] in err and "lost" in err
    assert _files(data) == before                       # read-only: not one byte written, no temp files
    code, new, err = _capture(data, capsys, "Dee")      # a writer recovers, preserves, logs
    assert code != 0 and len(new) == 1 and ids[1] in err
    log = (data / "leads" / "recovery.log").read_text()
    assert ids[1] in log
    kept = [p for p in (data / "leads").iterdir() if ".damaged-" in p.name]
    assert kept and any(b"XXXXXXXX" in p.read_bytes() for p in kept)


def test_journal_replaced_by_garbage_is_loud(three, capsys) -> None:
    data, ids = three
    _journal(data).write_bytes(os.urandom(3000).replace(b"\n", b"?") + b"\n")
    code, listed, err = _list(data, capsys)
    assert code != 0 and listed == [] and "journal" in err


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_emptied_or_deleted_journal_is_detected_and_logged(three, capsys, how: str) -> None:
    data, ids = three
    if how == "emptied":
        _journal(data).write_bytes(b"")
    else:
        _journal(data).unlink()
    before = _files(data)
    code, listed, err = _list(data, capsys)
    assert code != 0 and listed == [] and ("missing" in err or "empty" in err) and "lost" in err
    assert _files(data) == before
    code, _, err = _capture(data, capsys, "Eve")
    assert code != 0
    log = (data / "leads" / "recovery.log").read_text()
    assert "journal" in log and ("missing" in log or "empty" in log) and "lost" in log
    if how == "emptied":
        assert any(".damaged-" in p.name for p in (data / "leads").iterdir())


def test_torn_tail_is_not_called_never_acknowledged_when_capture_printed_the_id(three, capsys) -> None:
    data, ids = three
    raw = _journal(data).read_bytes()
    last_start = raw.rstrip(b"\n").rfind(b"\n") + 1
    assert ids[2].encode() in raw[last_start:]
    _journal(data).write_bytes(raw[:last_start + (len(raw) - last_start) * 2 // 3])
    code, listed, err = _list(data, capsys)
    assert code != 0 and ids[2] not in listed
    assert ids[2] in err
    assert "never acknowledged" not in err.replace("if it was never acknowledged", "")


def test_snapshot_that_is_a_directory_is_a_clear_error(three, capsys) -> None:
    data, ids = three
    snap = data / "leads" / "store.snapshot"
    snap.unlink()
    snap.mkdir()
    code, listed, err = _list(data, capsys)
    assert code != 0 and "store.snapshot" in err and "Traceback" not in err


def test_a_clean_store_lists_with_exit_zero_and_writes_nothing(three, capsys) -> None:
    data, ids = three
    before = _files(data)
    code, listed, err = _list(data, capsys)
    assert code == 0 and set(listed) == set(ids)
    assert _files(data) == before


def test_sync_status_reports_the_damage_and_writes_nothing(three, capsys) -> None:
    data, ids = three
    _journal(data).write_bytes(b"")
    before = _files(data)
    assert main(["sync", "status", "--json", "--data", str(data)]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["store_damage"]["problems"] and "empty" in st["store_damage"]["problems"][0]
    assert _files(data) == before


def test_sync_status_reports_damage_kept_by_an_earlier_start_until_acknowledged(three, capsys) -> None:
    from kiosk.store import open_store
    data, ids = three
    _journal(data).write_bytes(b"")
    open_store(data).close()                  # the kiosk's run that found it: files kept, store rebuilt
    assert main(["sync", "status", "--json", "--data", str(data)]) == 0
    st = json.loads(capsys.readouterr().out)["store_damage"]
    assert st["problems"] == [] and len(st["kept_earlier_unacknowledged"]) == 1
    assert ".damaged-" in st["kept_earlier_unacknowledged"][0]
    assert main(["sync", "status", "--data", str(data)]) == 0
    assert "DAMAGED EARLIER, NOT YET ACKNOWLEDGED" in capsys.readouterr().out
    store = open_store(data)
    store.acknowledge_damage("Ana")
    store.close()
    assert main(["sync", "status", "--json", "--data", str(data)]) == 0
    assert json.loads(capsys.readouterr().out)["store_damage"]["kept_earlier_unacknowledged"] == []
