"""Issue 18, item 2 in the real Kivy app (SDL offscreen), driven by taps on the keypad: wrong PINs
make it wait, the right PIN then does not open the staff area, and a restart over the same data
directory is still waiting."""
from __future__ import annotations

from pathlib import Path


def test_keypad_waits_and_a_restart_keeps_the_wait(run_ui, tmp_path: Path) -> None:
    data = tmp_path / "data"
    facts = run_ui("pin_guard", data, "none")
    assert facts["errors"][:3] == ["Wrong PIN, try again"] * 3
    assert facts["errors"][3].startswith("Too many wrong PINs: wait")
    assert facts["errors"][4].startswith("Too many wrong PINs")      # 1234 was right, but not now
    assert facts["after_right_pin"] == "pin"
    again = run_ui("pin_guard", data, "none")
    assert all(e.startswith("Too many wrong PINs") for e in again["errors"])
    assert again["after_right_pin"] == "pin"
