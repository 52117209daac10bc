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
    # The badge is read again HOLD_S after Back; a loaded machine can take seconds between two
    # steps of this script, so the window for the Staff tap is widened (the rule itself is tested
    # with a clock in tests/scan/test_handled_codes.py).
    app.handled_codes.hold_s = 10.0
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


def scenario_rescan_duplicate(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """The badge of a visitor captured earlier (with nobody on duty) stays in view: "Already
    captured" without "by ?", then *Start over* leaves staff on Scan; the lead detail has no
    "by ?" either."""
    from kiosk.app.scripted import tap
    app.handled_codes.hold_s = 10.0      # as in scenario_rescan: a loaded machine is slow between steps
    yield lambda: app.sm.current == "duplicate"
    yield None
    yield None
    dup = app.screen("duplicate")
    facts["dup_message"] = dup.message
    tap(dup.ids.new_btn)
    yield lambda: app.sm.current == "scan"
    yield from stays_on_scan(app, 2.5, facts, "after_start_over")
    yield from _enter_staff(app)
    staff = app.screen("staff")
    rows = [w for w in staff.rv.children[0].children if getattr(w, "lead_id", "")]
    tap(rows[0])
    yield lambda: app.sm.current == "lead"
    yield None
    facts["lead_captured"] = app.screen("lead").captured_text


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


def _press(app: Any, vk: Any, *names: str) -> Iterator[Any]:
    """Tap keys by name or character on the keyboard's current layer, a frame apart (the layer
    may change after each)."""
    from kiosk.app.scripted import key_center, tap_at
    for name in names:
        tap_at(*key_center(vk, name))
        yield None
        yield None


def _focus(screen: Any, field: Any) -> Iterator[Any]:
    """Scroll a field into view, then tap it (a finger can only tap what is on screen)."""
    from kiosk.app.scripted import tap
    # The scroll view shrinks when the keyboard slides in, and a loaded machine lays that out a few
    # frames later: scroll again until the field really is on screen (a person waits for that too).
    for _ in range(50):
        screen.scroll.scroll_to(field, padding=12, animate=False)
        yield 0.2
        if _on_screen(screen.scroll, field):
            break
    tap(field)
    yield lambda: field.focus
    yield 0.1


def _on_screen(scroll: Any, field: Any) -> bool:
    """The whole field lies inside the scroll view's visible window area."""
    _, sy = scroll.parent.to_window(*scroll.pos)
    _, fy = field.parent.to_window(*field.pos)
    return bool(sy <= fy and fy + field.height <= sy + scroll.height)


def scenario_keyboard(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """Typing a visitor's name and e-mail address on the on-screen keyboard, one finger only."""
    from kiosk.app.scripted import key_center, tap
    scan = app.screen("scan")
    yield lambda: app.sm.current == "scan"
    yield None
    tap(scan.ids.manual)
    yield lambda: app.sm.current == "contact"
    yield None
    yield None
    contact = app.screen("contact")
    kb = contact.keyboard
    vk = kb.vk
    # a name: one tap on Shift gives one capital; accents are one layer away (with Shift too)
    yield from _focus(contact, contact.inputs["first_name"])
    yield lambda: kb.shown and kb.height > 100
    facts["text_layout"] = vk.layout
    yield from _press(app, vk, "shift1", *"zoe")
    facts["first_typed"] = contact.inputs["first_name"].text
    yield from _focus(contact, contact.inputs["last_name"])
    yield from _press(app, vk, "shift1", "sym", "\u00f6", "sym", *"zt", "sym", "\u00fc", "sym", *"rk")
    facts["last_typed"] = contact.inputs["last_name"].text
    # two taps on Shift lock capitals until the next tap
    yield from _focus(contact, contact.inputs["company"])
    from kiosk.app.scripted import tap_at
    tap_at(*key_center(vk, "shift1"))          # a quick double tap
    tap_at(*key_center(vk, "shift1"))
    yield None
    yield from _press(app, vk, *"ab", ".", "shift1", "c")   # caps lock leaves "." a "." (not ">")
    facts["company_typed"] = contact.inputs["company"].text
    from kiosk.app.keyboards import layouts
    facts["key_names"] = sorted({k[2] for name, layout in vk.available_layouts.items() if name in layouts()
                                 for keys in layout.values() if isinstance(keys, list) for k in keys})
    # the e-mail field: @ . .com - _ on the first layer
    yield from _focus(contact, contact.inputs["email"])
    facts["email_layout"] = vk.layout
    first_layer = {}
    for ch in ("@", ".", ".com", "-", "_"):
        try:
            key_center(vk, ch)
            first_layer[ch] = True
        except KeyError:
            first_layer[ch] = False
    facts["email_first_layer"] = first_layer
    yield from _press(app, vk, *"ana", "-", *"lu", "@", *"example", ".com")
    facts["email_typed"] = contact.inputs["email"].text
    app.root.export_to_png(str(out / "keyboard.png"))


def scenario_keyboard_de(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """The German QWERTZ layout keeps working: umlauts on the first layer, y and z swapped."""
    from kiosk.app.scripted import tap
    scan = app.screen("scan")
    yield lambda: app.sm.current == "scan"
    yield None
    tap(scan.ids.manual)
    yield lambda: app.sm.current == "contact"
    yield None
    yield None
    contact = app.screen("contact")
    kb = contact.keyboard
    vk = kb.vk
    yield from _focus(contact, contact.inputs["last_name"])
    yield lambda: kb.shown and kb.height > 100
    facts["layout"] = vk.layout
    facts["row2"] = "".join(k[1] or "" for k in vk.available_layouts[vk.layout]["normal_2"])
    yield from _press(app, vk, "shift1", *"m\u00fcller")
    facts["typed"] = contact.inputs["last_name"].text
    yield from _focus(contact, contact.inputs["email"])
    facts["email_layout"] = vk.layout
    yield from _press(app, vk, *"j", "@", *"beispiel", ".com")
    facts["email_typed"] = contact.inputs["email"].text


def _enter_staff(app: Any) -> Iterator[Any]:
    from kiosk.app.scripted import tap
    yield lambda: app.sm.current == "scan"
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


def _tap_tool(tools: Any, name: str) -> Iterator[Any]:
    """Tap one of the tools screen's buttons as staff would: scrolled into view first."""
    from kiosk.app.scripted import tap
    tools.scroll.scroll_to(tools.ids[name], animate=False)
    yield 0.1
    tap(tools.ids[name])


def _switch_language(app: Any, tools: Any, lang: str) -> Iterator[Any]:
    yield from _tap_tool(tools, f"lang_{lang}")
    yield lambda: app.lang == lang
    yield None


def scenario_german(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """Staff switch the kiosk to German: status lines follow, the lead tag is an "Einstufung"."""
    from kiosk.app.scripted import tap
    yield from _enter_staff(app)
    staff = app.screen("staff")
    tap(staff.ids.tools)
    yield lambda: app.sm.current == "tools"
    yield None
    yield None
    tools = app.screen("tools")
    yield from _tap_tool(tools, "staff_save")
    yield lambda: tools.message != ""
    facts["message_en"] = tools.message
    yield from _switch_language(app, tools, "de")
    facts["message_de"] = tools.message
    # the export line ("Saved 2 leads to ...") follows the language too: a stick under OUT
    from kiosk.app.usb import find_usb_mounts
    (out / "media" / "kiosk" / "STICK").mkdir(parents=True)
    app.services.staff._find_usb = lambda: find_usb_mounts([str(out / "media" / "*" / "*") + "/"],
                                                           require_mount=False)
    tools.refresh()
    yield lambda: tools.usb_present
    yield from _tap_tool(tools, "export")
    yield lambda: "Leads" in tools.message
    facts["export_de"] = tools.message
    yield from _switch_language(app, tools, "en")
    facts["export_en"] = tools.message
    yield from _switch_language(app, tools, "de")
    tap(tools.ids.back)
    yield lambda: app.sm.current == "staff"
    yield None
    yield None
    rows = [w for w in staff.rv.children[0].children if getattr(w, "lead_id", "")]
    tap(rows[0])
    yield lambda: app.sm.current == "lead"
    yield None
    yield None
    lead = app.screen("lead")
    facts["lead_texts"] = [w.text for w in lead.walk() if hasattr(w, "text") and isinstance(w.text, str)]


def scenario_discarded(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """A discarded lead's detail at 800x480, then staff re-tag it as warm."""
    from kiosk.app.scripted import tap
    yield from _enter_staff(app)
    staff = app.screen("staff")
    rows = [w for w in staff.rv.children[0].children if getattr(w, "lead_id", "")]
    facts["rows"] = len(rows)
    tap(rows[0])
    yield lambda: app.sm.current == "lead"
    yield None
    yield None
    lead = app.screen("lead")
    card = lead.ids.tag_card
    facts["tag_text"] = lead.tag_text
    facts["tag_fits"] = card.texture_size[0] <= card.width
    facts["reasons"] = [w.text for w in reversed(lead.reasons_box.children)]
    facts["discard_text"] = lead.discard_text
    app.root.export_to_png(str(out / "discarded.png"))
    lead.scroll.scroll_to(lead.ids.t_warm, animate=False) if getattr(lead, "scroll", None) else None
    yield 0.1
    tap(lead.ids.t_warm)
    yield lambda: lead.override_text != ""
    yield None
    facts["after_retag"] = lead.tag_text
    facts["after_discarded"] = lead.discarded


SCENARIOS: dict[str, Scenario] = {"german": scenario_german, "discarded": scenario_discarded, "rescan": scenario_rescan, "rescan_duplicate": scenario_rescan_duplicate, "duty": scenario_duty, "keyboard": scenario_keyboard,
                                  "keyboard_de": scenario_keyboard_de}


def main(argv: list[str], scenarios: dict[str, Scenario] | None = None) -> int:
    """Run scenario ``argv[0]`` from ``scenarios`` (this module's by default; layout_driver passes its own)."""
    scenarios = SCENARIOS if scenarios is None else scenarios
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
    result = run_script(app, lambda a: scenarios[name](a, out, facts), timeout_s=240, wait_timeout_s=60)
    services.close()
    facts["ok"] = result["ok"]
    facts["error"] = result["error"]
    (out / "result.json").write_text(json.dumps(facts, indent=1, default=str))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
