"""Child process for test_booth_ux: booth staff's everyday paths on a real KioskApp (SDL offscreen
window, real touch events), one scenario per process. Usage:
booth_driver.py SCENARIO DATA_DIR OUT_DIR CAMERA [MODE] [SIZE] [STAFF] [LANG]

STAFF "-" leaves the kiosk without a staff member on duty (a fresh kiosk).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).parent))

from kiosk.app.runner import configure_kivy, parse_size  # noqa: E402
from ui_driver import qualify_hot  # noqa: E402

Scenario = Callable[[Any, Path, dict[str, Any]], Iterator[Any]]


def stays_on_scan(app: Any, seconds: float, facts: dict[str, Any], key: str) -> Iterator[Any]:
    """Watch the scan screen for ``seconds`` and record every screen shown meanwhile."""
    seen: list[str] = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if not seen or seen[-1] != app.sm.current:
            seen.append(app.sm.current)
        yield 0.05
    facts[key] = seen


def scenario_rescan(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """The badge stays in view the whole time: Back from Contact, then a full capture and Next
    visitor. Neither may bounce the kiosk off Scan; staff can then tap Staff."""
    from kiosk.app.scripted import tap
    scan = app.screen("scan")
    yield lambda: app.sm.current == "contact"
    yield None
    yield None
    contact = app.screen("contact")
    tap(contact.ids.back)
    yield lambda: app.sm.current == "scan"
    t_back = time.monotonic()
    yield from stays_on_scan(app, 2.5, facts, "after_back")
    facts["reads_after_back"] = len(app.badges_seen)
    # still on scan: a tap on Staff reaches the PIN pad
    facts["before_staff_tap"] = app.sm.current
    tap(scan.ids.staff_button)
    yield 0.3
    facts["after_staff_tap"] = app.sm.current
    yield lambda: app.sm.current == "pin"
    facts["staff_reachable"] = True
    yield None
    yield None
    tap(app.screen("pin").ids.cancel)
    yield lambda: app.sm.current == "scan"
    # after "a few seconds" the badge (still in view) is read again: the visitor is still waiting
    yield lambda: app.sm.current == "contact"
    facts["reread_after_s"] = round(time.monotonic() - t_back, 2)
    yield None
    yield None
    tap(app.screen("contact").ids.next)
    yield from qualify_hot(app, facts)
    yield lambda: app.sm.current == "done"
    yield None
    tap(app.screen("done").ids.next_visitor)
    yield lambda: app.sm.current == "scan"
    # the visitor is still standing there with the badge: no duplicate prompt for the lead just saved
    yield from stays_on_scan(app, 7.0, facts, "after_next_visitor")


def scenario_duty(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """A fresh kiosk asks who is on duty; so does the staff area after closing itself from idle."""
    from kiosk.app.scripted import tap, type_on
    yield lambda: app.sm.current == "duty"
    yield None
    yield None
    duty = app.screen("duty")
    facts["first_screen"] = app.sm.current
    facts["names"] = list(duty.buttons)
    app.root.export_to_png(str(out / "duty.png"))
    tap(duty.buttons["Ben"])
    yield lambda: app.sm.current == "scan"
    facts["on_duty"] = app.services.context.staff
    yield None
    yield None
    # the staff area, left open, closes itself and asks again
    tap(app.screen("scan").ids.staff_button)
    yield lambda: app.sm.current == "pin"
    yield None
    yield None
    pin = app.screen("pin")
    keys = {w.text: w for w in pin.ids.keypad.children}
    for digit in "1234":
        tap(keys[digit])
    tap(pin.ids.ok)
    yield lambda: app.sm.current == "staff"
    app.staff_timeout_s = 1.0
    yield lambda: app.sm.current == "duty"
    yield None
    yield None
    facts["after_idle"] = app.sm.current
    facts["names_after_idle"] = list(duty.buttons)
    # someone not on the list types their name
    tap(duty.other_field)
    yield lambda: duty.keyboard.shown and duty.keyboard.height > 100
    yield 0.1
    type_on(duty.keyboard.vk, "zoe")
    tap(duty.ids.other_ok)
    yield lambda: app.sm.current == "scan"
    facts["on_duty_typed"] = app.services.context.staff


SCENARIOS: dict[str, Scenario] = {"rescan": scenario_rescan, "duty": scenario_duty}


def main(argv: list[str]) -> int:
    name, data, out_dir, camera = argv[:4]
    mode = argv[4] if len(argv) > 4 else "staffed"
    size = parse_size(argv[5] if len(argv) > 5 else "800x480")
    staff = argv[6] if len(argv) > 6 else "Ana"
    lang = argv[7] if len(argv) > 7 else None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    configure_kivy(size, fullscreen=False)
    from kiosk.app.kiosk_app import KioskApp
    from kiosk.app.scripted import run_script
    from kiosk.bootstrap import build_services

    services = build_services(data, camera=camera, mode=mode, language=lang, with_sync=False, sounds=False)
    if staff != "-":
        services.context.staff = staff
    app = KioskApp(services)
    facts: dict[str, Any] = {}
    result = run_script(app, lambda a: SCENARIOS[name](a, out, facts), timeout_s=90)
    services.close()
    facts["ok"] = result["ok"]
    facts["error"] = result["error"]
    (out / "result.json").write_text(json.dumps(facts, indent=1, default=str))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
