"""UI scenarios on a kiosk whose personal data is sealed (one process each, like ui_driver.py):
``capture_locked`` runs the whole capture flow while locked; ``staff_locked`` opens the staff area
locked (rows without names), refuses a wrong passphrase and unlocks with the right one, typed on
the on-screen keyboard. Usage: sealed_driver.py SCENARIO DATA_DIR OUT_DIR CAMERA"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import ui_driver  # the sibling script: same runner, same capture scenario

PASSPHRASE = "heronhallfour"


def _rows(staff: Any) -> list[dict[str, Any]]:
    return [dict(name=r["name"], company=r["company"], tag=r["tag_text"], time=r["time_text"]) for r in staff.rv.data]


def scenario_capture_locked(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    facts["locked_at_start"] = app.services.staff.keys.locked
    yield from ui_driver.scenario_capture(app, out, facts)
    facts["locked_at_end"] = app.services.staff.keys.locked


def scenario_staff_locked(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    from kiosk.app.scripted import tap, type_on
    scan = app.screen("scan")
    tap(scan.ids.staff_button)
    yield lambda: app.sm.current == "pin"
    yield None
    pin = app.screen("pin")
    keys = {w.text: w for w in pin.ids.keypad.children}
    for digit in "1234":
        tap(keys[digit])
    tap(pin.ids.ok)
    yield lambda: app.sm.current == "staff"
    yield None
    yield None
    staff = app.screen("staff")
    facts["locked"] = staff.locked
    facts["rows_locked"] = _rows(staff)
    tap(staff.ids.f_hot)
    yield None
    facts["hot_rows_locked"] = len(staff.rv.data)
    tap(staff.ids.f_all)
    yield None
    app.root.export_to_png(str(out / "staff-locked.png"))
    field = staff.ids.passphrase
    tap(field)
    yield lambda: staff.keyboard.shown and staff.keyboard.height > 100
    yield 0.1
    type_on(staff.keyboard.vk, "wrongguess")
    tap(staff.ids.unlock)
    yield None
    yield None
    facts["wrong_error"] = staff.unlock_error
    facts["still_locked"] = staff.locked
    facts["field_cleared"] = field.text == ""
    tap(field)
    yield lambda: staff.keyboard.shown and staff.keyboard.height > 100
    yield 0.1
    type_on(staff.keyboard.vk, PASSPHRASE)
    tap(staff.ids.unlock)
    yield lambda: not staff.locked
    yield None
    facts["rows_unlocked"] = _rows(staff)
    tap(staff.ids.exit)
    yield lambda: app.sm.current == "scan"


ui_driver.SCENARIOS.update(capture_locked=scenario_capture_locked, staff_locked=scenario_staff_locked)

if __name__ == "__main__":
    sys.exit(ui_driver.main(sys.argv[1:]))
