"""The kiosk app with visitors' personal data sealed: a real Kivy window driven by touch events.
Capture (scan, qualify, save, done) works while locked; the staff area lists leads without names
and unlocks with the show passphrase typed on the on-screen keyboard."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.keys import make_keys

from .conftest import REPO, kivy_env

pytestmark = [pytest.mark.ui, pytest.mark.slow]
DRIVER = Path(__file__).with_name("sealed_driver.py")
PASSPHRASE = "heronhallfour"


def _run(tmp_path: Path, scenario: str, data: Path, camera: str) -> dict[str, Any]:
    out = tmp_path / f"out-{scenario}"
    proc = subprocess.run([sys.executable, str(DRIVER), scenario, str(data), str(out), camera],
                          env=kivy_env(tmp_path), capture_output=True, text=True, timeout=300, cwd=str(REPO))
    result = out / "result.json"
    assert result.exists(), f"driver crashed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    facts = json.loads(result.read_text())
    assert facts["ok"], f"scenario failed: {facts['error']}\n{proc.stderr[-4000:]}"
    return facts


def _card(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file() and not p.is_socket())


def test_capture_flow_runs_locked_and_leaves_nothing_readable(tmp_path: Path, badge_video: Path) -> None:
    data = tmp_path / "data"
    make_keys(data, PASSPHRASE)
    facts = _run(tmp_path, "capture_locked", data, f"video:{badge_video}")
    assert facts["locked_at_start"] is True and facts["locked_at_end"] is True
    assert facts["prefilled"]["first_name"] == "Lena"        # the visitor sees their own badge data
    assert facts["done_tag_text"] == "Hot" and any("budget approved" in r for r in facts["done_reasons"])
    assert facts["saved_before_done"] == [True]
    card = _card(data)
    for text in (b"Rheinwerk", b"lena.weber", b"Weber", b"BEGIN:VCARD", b"Chief Technology"):
        assert text not in card, text
    from kiosk.store import open_store
    store = open_store(data)
    try:
        (lead,) = store.find()
        assert lead["score"]["tag"] == "hot" and lead["contact"]["first_name"] is None
        store.sealer.unlock_passphrase(PASSPHRASE)  # type: ignore[attr-defined]
        (lead,) = store.find()
        assert lead["contact"]["email"] == "lena.weber@rheinwerk.example" and lead["contact"]["raw"].startswith("BEGIN:VCARD")
    finally:
        store.close()


def test_staff_area_locked_lists_without_names_and_unlocks(tmp_path: Path) -> None:
    from forms import default_form_path, load_form, score
    from kiosk.store import new_lead, open_store
    data = tmp_path / "data"
    make_keys(data, PASSPHRASE)
    form = load_form(default_form_path())
    hot = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
           "evaluated_competitors": True, "role": "buyer", "follow_up": "demo", "consent": True}
    cold = {"budget": "none", "authority": "researcher", "need": "nice_to_have", "timing": "no_plans",
            "role": "buyer", "follow_up": "info_pack", "consent": True}
    store = open_store(data)
    for first, company, answers in (("Leopoldine", "Quastenflosser AG", hot), ("Ottokar", "Zwirbel KG", cold)):
        store.save(new_lead(show_id="demo", kiosk_id="k", staff="Ana",
                            contact={"first_name": first, "company": company}, answers=answers,
                            score=score(form, answers).to_dict()))
    store.close()
    facts = _run(tmp_path, "staff_locked", data, "none")
    assert facts["locked"] is True
    rows = facts["rows_locked"]
    assert len(rows) == 2 and {r["name"] for r in rows} == {"(sealed)"}
    assert all(r["company"].startswith("Score ") and r["time"] for r in rows)
    assert {r["tag"] for r in rows} == {"Hot", "Nurture"} and facts["hot_rows_locked"] == 1
    assert "Leopoldine" not in json.dumps(rows)
    assert facts["wrong_error"] == "Wrong passphrase" and facts["still_locked"] is True and facts["field_cleared"]
    assert {r["name"] for r in facts["rows_unlocked"]} == {"Leopoldine", "Ottokar"}
    assert "Quastenflosser AG" in {r["company"] for r in facts["rows_unlocked"]}
