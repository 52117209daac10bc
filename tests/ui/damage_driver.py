"""Child process for test_damage_ui: the kiosk started on a lead store damaged on disk (real
KioskApp, SDL offscreen window, real touch events). Usage: damage_driver.py SCENARIO DATA OUT MODE

banner (self_serve): the damage banner shows from the start, over the scan screen, and stays when
    the idle warning comes up on the qualify screen: both visible, neither covering the other.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).parent))

from kiosk.app.runner import configure_kivy  # noqa: E402

Scenario = Callable[[Any, Path, dict[str, Any]], Iterator[Any]]


def _box(w: Any) -> list[float]:
    x, y = w.to_window(*w.pos)
    return [x, y, x + w.width, y + w.height]


def _banner_facts(app: Any, facts: dict[str, Any], key: str) -> None:
    from kivy.core.window import Window
    banner = app.root.damage_banner
    label = banner.ids.get("damage_label") or app.root.ids.damage_label
    facts[key] = {"visible": banner.visible, "opacity": banner.opacity, "text": banner.text,
                  "label_text": label.text, "box": _box(banner), "label_lines": label.texture_size[1],
                  "window": list(Window.size), "screen_box": _box(app.sm)}


def scenario_banner(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    from kiosk.app.scripted import tap
    yield lambda: app.sm.current == "scan" and app.root.damage_banner.visible
    yield None
    yield None
    _banner_facts(app, facts, "at_scan")
    facts["staff_button_box"] = _box(app.screen("scan").ids.staff_button)
    app.root.export_to_png(str(out / "damage-scan.png"))
    tap(app.screen("scan").ids.manual)
    yield lambda: app.sm.current == "contact"
    yield None
    yield None
    contact = app.screen("contact")
    contact.inputs["first_name"].text = "Private"
    contact.inputs["email"].text = "private@visitor.example"
    tap(contact.ids.next)
    yield lambda: app.sm.current == "qualify"
    # the visitor walks away: 8 s left of the idle timeout, inside the warning window (no reset
    # before the facts are read, however slow the frames on a loaded machine)
    app.flow.last_activity -= app.services.context.idle_timeout_s - 8.0
    yield lambda: app.root.banner.visible          # the self-serve idle warning
    yield None
    _banner_facts(app, facts, "with_idle")
    facts["idle"] = {"visible": app.root.banner.visible, "text": app.root.banner.text, "box": _box(app.root.banner)}
    app.root.export_to_png(str(out / "damage-idle.png"))
    tap(app.root.ids.stay)                          # "I'm still here" hides the idle warning only
    yield None
    yield None
    facts["after_stay"] = {"idle": app.root.banner.visible, "damage": app.root.damage_banner.visible}


def scenario_tools(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    from kiosk.app.scripted import tap
    yield lambda: app.sm.current == "scan" and app.root.damage_banner.visible
    yield None
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
    yield None
    yield None
    tap(app.screen("staff").ids.tools)
    yield lambda: app.sm.current == "tools"
    yield None
    yield None
    tools = app.screen("tools")
    facts["heading"] = tools.ids.damage_heading.text
    facts["details"] = tools.ids.damage_text.text
    facts["details_height"] = tools.ids.damage_text.height
    facts["banner_on_tools"] = app.root.damage_banner.visible
    app.root.export_to_png(str(out / "damage-tools.png"))


def scenario_acknowledge(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """Restarted after the damage was found: the banner is still up; staff acknowledge it on the
    sync screen and it goes."""
    from kiosk.app.scripted import tap
    yield from scenario_tools(app, out, facts)
    _banner_facts(app, facts, "before_ack")
    tools = app.screen("tools")
    tools.scroll.scroll_to(tools.ids.damage_ack, animate=False)
    yield 0.1
    tap(tools.ids.damage_ack)
    yield lambda: not app.root.damage_banner.visible
    yield None
    facts["after_ack"] = {"banner": app.root.damage_banner.visible, "details": tools.ids.damage_text.text,
                          "message": tools.message}
    tap(tools.ids.back)
    yield lambda: app.sm.current == "staff"
    yield 2.5                                       # a poll of the store's report comes and goes
    facts["banner_later"] = app.root.damage_banner.visible


def scenario_quiet(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    yield lambda: app.sm.current == "scan"
    yield 2.5
    facts["banner"] = app.root.damage_banner.visible


SCENARIOS: dict[str, Scenario] = {"banner": scenario_banner, "tools": scenario_tools,
                                  "acknowledge": scenario_acknowledge, "quiet": scenario_quiet}


def main(argv: list[str]) -> int:
    name, data, out_dir, mode = argv[:4]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    configure_kivy((800, 480), fullscreen=False)
    from kiosk.app.kiosk_app import KioskApp
    from kiosk.app.scripted import run_script
    from kiosk.bootstrap import build_services

    services = build_services(data, camera="none", mode=mode, with_sync=False, sounds=False)
    services.context.staff = "Ana"
    services.context.idle_timeout_s = 120.0    # the script moves the visitor's last touch back instead
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
