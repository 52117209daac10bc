"""Issue 14: lead store damage is loud on the kiosk. The store's files are really damaged on disk
(bytes overwritten in the middle of the journal; the journal deleted), then the real kiosk app
starts on them (one process per scenario, damage_driver.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import REPO, kivy_env

DRIVER = Path(__file__).with_name("damage_driver.py")
pytestmark = [pytest.mark.ui, pytest.mark.slow]


def _damaged_store(data: Path, how: str) -> list[str]:
    """Four leads saved and closed, then the journal damaged as a failing card or a careless
    copy would; returns the lead ids."""
    from kiosk.store import open_store
    from tests.support.records import make_lead
    store = open_store(data)
    ids = [store.save(make_lead(i))["id"] for i in range(4)]
    store.close()
    journal = data / "leads" / "store.journal"
    raw = journal.read_bytes()
    if how == "overwritten":
        mid = len(raw) // 2
        journal.write_bytes(raw[:mid] + b"\xde\xad\xbe\xef" * 2 + raw[mid + 8:])
    else:
        journal.unlink()
    return ids


def _run(tmp_path: Path, scenario: str, data: Path, mode: str) -> dict[str, Any]:
    out = tmp_path / f"out-{scenario}"
    proc = subprocess.run([sys.executable, str(DRIVER), scenario, str(data), str(out), mode],
                          env=kivy_env(tmp_path), capture_output=True, text=True, timeout=150, cwd=str(REPO))
    result = out / "result.json"
    assert result.exists(), f"driver crashed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    facts = json.loads(result.read_text())
    assert facts["ok"], f"scenario failed: {facts['error']}\n{proc.stderr[-4000:]}"
    facts["out"] = str(out)
    return facts


def test_damage_banner_shows_what_is_damaged_and_that_it_is_kept_beside_the_idle_warning(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _damaged_store(data, "overwritten")
    facts = _run(tmp_path, "banner", data, "self_serve")
    scan = facts["at_scan"]
    assert scan["visible"] and scan["opacity"] == 1 and scan["label_text"] == scan["text"]
    text = scan["text"]
    assert text.startswith("STAFF: the lead store is damaged")
    assert "journal store.journal is damaged" in text and "1 lost lead(s) known by id" in text
    assert "The damaged files are kept (store.journal.damaged-" in text
    assert "Private" not in text and "@" not in text
    width, height = scan["window"]
    x0, y0, x1, y1 = scan["box"]
    assert (x0, x1, y1) == (0, width, height) and y1 - y0 >= 64          # across the top, on screen
    assert scan["screen_box"][3] <= y0 + 0.5                                # the screens sit below it
    assert facts["staff_button_box"][3] <= y0 + 0.5                         # Staff stays reachable
    # the self-serve idle warning comes up too: both shown, neither over the other
    both = facts["with_idle"]
    assert both["visible"] and both["text"] == text
    idle = facts["idle"]
    assert idle["visible"] and idle["text"].startswith("Still there?")
    assert idle["box"][3] <= both["box"][1] + 0.5
    assert facts["after_stay"] == {"idle": False, "damage": True}
    assert (Path(facts["out"]) / "damage-idle.png").stat().st_size > 0


def test_sync_screen_lists_the_damage_the_lost_ids_and_where_the_files_are_kept(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ids = _damaged_store(data, "overwritten")
    facts = _run(tmp_path, "tools", data, "staffed")
    assert facts["heading"] == "Lead store damaged" and facts["banner_on_tools"]
    details = facts["details"]
    assert "1 problem(s) found when the kiosk started; 1 lost lead(s) known by id" in details
    assert "• journal store.journal is damaged" in details
    lost = [i for i in ids if i in details]
    assert len(lost) == 1, details
    kept = [p for p in (data / "leads").iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and f"Damaged file kept as {kept[0]}" in details
    assert f"Recovery report: {data / 'leads' / 'recovery.log'}" in details
    assert "fetched back at the next sync" in details
    assert facts["details_height"] > 60


def test_a_deleted_journal_says_nothing_was_left_to_keep(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _damaged_store(data, "deleted")
    facts = _run(tmp_path, "banner", data, "self_serve")
    text = facts["at_scan"]["text"]
    assert "journal store.journal is missing" in text and "0 lost lead(s) known by id" in text
    assert "Nothing was left to keep (the file is gone)" in text


def test_damage_stays_loud_after_a_restart_until_staff_acknowledge_it(tmp_path: Path) -> None:
    """The run that found the damage kept the files and rebuilt; the kiosk was switched off before
    anyone looked. The next start still warns; staff acknowledge it; later starts are quiet."""
    from kiosk.store import open_store
    data = tmp_path / "data"
    _damaged_store(data, "overwritten")
    store = open_store(data)                  # the run that found it (then the power cut)
    assert store.damage
    store.close()
    store = open_store(data)
    assert store.damage == [] and len(store.damage_kept_earlier) == 1   # the store itself opens whole
    store.close()
    facts = _run(tmp_path, "acknowledge", data, "staffed")
    before = facts["before_ack"]
    assert before["visible"] and "damage found on an earlier start (1 damaged file(s) kept" in before["text"]
    assert "The damaged files are kept (store.journal.damaged-" in before["text"]
    kept = [p for p in (data / "leads").iterdir() if ".damaged-" in p.name]
    assert f"Damaged file kept as {kept[0]}" in facts["details"]
    assert facts["after_ack"]["banner"] is False and facts["after_ack"]["details"] == ""
    assert facts["banner_later"] is False
    assert kept[0].exists()                                            # the files stay
    assert "damage report acknowledged by Ana" in (data / "leads" / "recovery.log").read_text()
    quiet = _run(tmp_path, "quiet", data, "staffed")
    assert quiet["banner"] is False
