"""Runs one UI scenario in a fresh process (Kivy allows one window per process) and writes what it
saw to ``OUT/result.json``. Usage: ui_driver.py SCENARIO DATA_DIR OUT_DIR CAMERA [MODE] [SIZE]

Everything goes through the real app: bootstrap's real store, parser and decoder, a video-file
camera on the real camera thread, and real touch events dispatched through the Window at the
widgets' on-screen positions.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Iterator

from kiosk.app.runner import configure_kivy, parse_size


def find_toggle(screen: Any, qid: str, value: Any) -> Any:
    for btn in screen.toggles.get(qid, []):
        if btn.value == value and type(btn.value) is type(value):
            return btn
    raise AssertionError(f"no button for {qid}={value!r}; visible: {sorted(screen.toggles)}")


def choose(app: Any, qid: str, value: Any) -> Iterator[Any]:
    """Tap an answer and wait until the flow has it: inside a ScrollView a tap is delivered to the
    button only once the ScrollView has decided it is not a scroll gesture."""
    from kiosk.app.scripted import tap
    tap(find_toggle(app.screen("qualify"), qid, value))

    def answered() -> bool:
        got = app.flow.answers.get(qid)
        return value in got if isinstance(got, list) else got == value
    yield answered


def qualify_hot(app: Any, facts: dict[str, Any]) -> Iterator[Any]:
    """Answer the default BANT form for a hot lead by tapping, checking conditions on the way."""
    from kiosk.app.scripted import tap
    q = app.screen("qualify")
    yield lambda: app.sm.current == "qualify"
    yield None
    yield None
    yield from choose(app, "budget", "approved")
    yield None
    facts["progress_first"] = (q.step_no, q.step_count)
    tap(q.ids.next)
    yield lambda: q.step_no == 2
    yield None
    yield None
    yield from choose(app, "authority", "decision_maker")
    tap(q.ids.next)
    yield lambda: q.step_no == 3
    yield None
    yield None
    facts["conditional_before"] = "product_interest" in q.toggles
    yield from choose(app, "need", "critical")
    yield lambda: "product_interest" in q.toggles
    facts["conditional_after"] = True
    yield from choose(app, "product_interest", "crm_sync")
    tap(q.ids.next)
    yield lambda: q.step_no == 4
    yield None
    yield None
    # back is always possible: go back one step and forward again, the answer is kept
    tap(q.ids.back)
    yield lambda: q.step_no == 3
    yield None
    yield None
    facts["kept_after_back"] = find_toggle(q, "need", "critical").state == "down"
    tap(q.ids.next)
    yield lambda: q.step_no == 4
    yield None
    yield None
    yield from choose(app, "timing", "0_3_months")
    yield lambda: "evaluated_competitors" in q.toggles
    yield from choose(app, "evaluated_competitors", True)
    tap(q.ids.next)
    yield lambda: q.step_no == 5
    yield None
    yield None
    # Next without the required answers is refused with a message naming them
    tap(q.ids.next)
    yield None
    facts["required_error"] = q.error
    yield from choose(app, "role", "buyer")
    yield from choose(app, "follow_up", "demo")
    facts["min_target_px"] = min(min(b.height, b.width) for bs in q.toggles.values() for b in bs)
    tap(q.ids.next)
    yield lambda: q.step_no == q.step_count
    yield None
    yield None
    facts["consent_text"] = q.questions.children[-1].children[-1].text
    yield from choose(app, "consent", True)
    tap(q.ids.next)


def scenario_capture(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    from kiosk.app.scripted import tap
    scan = app.screen("scan")
    # The read's 0.22 s flash can fall between two frames when a loaded machine renders a frame
    # every few hundred ms, and a busy preview may not even have shown 3 frames before the read:
    # here the flash lasts 2 s (its colour, not its length, is what the test checks) and is caught
    # by a binding, its picture taken on the next frame.
    from kivy.clock import Clock
    quick_flash = scan.play_flash
    scan.play_flash = lambda duration=0.22, on_done=None: quick_flash(2.0, on_done)
    flashed: list[float] = []

    def on_flash(_w: Any, value: float) -> None:
        if value >= 0.99 and not flashed:
            flashed.append(time.monotonic())
            Clock.schedule_once(lambda _dt: scan.export_to_png(str(out / "flash.png")), 0)
    scan.bind(flash=on_flash)
    yield lambda: scan.frames_shown > 3 or bool(flashed)
    t_live = time.monotonic()
    facts["camera_state"] = scan.camera_state
    yield lambda: (out / "flash.png").exists()
    facts["flash_png"] = str(out / "flash.png")
    facts["preview_box"] = [int(v) for v in (*scan.ids.preview_box.pos, *scan.ids.preview_box.size)]
    yield lambda: app.sm.current == "contact"
    yield None
    yield None
    facts["badge_to_contact_after_live_s"] = round(time.monotonic() - t_live, 3)
    contact = app.screen("contact")
    facts["prefilled"] = contact.values()
    facts["raw_shown"] = contact.raw_text
    tap(contact.ids.next)
    yield from qualify_hot(app, facts)
    yield lambda: app.sm.current == "done"
    yield None
    yield None
    app.root.export_to_png(str(out / "done.png"))
    facts["done_png"] = str(out / "done.png")
    d = app.screen("done")
    facts["done_tag_text"] = d.tag_text
    facts["done_reasons"] = [w.text for w in reversed(d.reasons_box.children)]
    tap(d.ids.next_visitor)
    yield lambda: app.sm.current == "scan"
    yield None
    yield None


def scenario_manual(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    from kiosk.app.scripted import key_center, tap, tap_at, type_on
    scan = app.screen("scan")
    yield lambda: scan.camera_state == "none"
    facts["no_camera_text"] = scan.ids.no_camera.text
    app.root.export_to_png(str(out / "no_camera.png"))
    tap(scan.ids.manual)
    yield lambda: app.sm.current == "contact"
    yield None
    yield None
    contact = app.screen("contact")
    facts["manual_title"] = contact.manual
    # empty contact is refused
    tap(contact.ids.next)
    yield None
    facts["empty_error"] = contact.error
    field = contact.inputs["first_name"]
    tap(field)
    yield lambda: contact.keyboard.shown and contact.keyboard.height > 100
    yield 0.1
    kb_top = contact.keyboard.to_window(0, contact.keyboard.top)[1]
    fy = field.to_window(field.x, field.y)[1]
    facts["field_above_keyboard"] = fy >= kb_top
    type_on(contact.keyboard.vk, "lena")
    yield None
    last = contact.inputs["last_name"]
    tap(last)
    yield None
    type_on(contact.keyboard.vk, "berg")
    # Enter moves to the next field; the form scrolls so it stays visible above the keyboard
    tap_at(*key_center(contact.keyboard.vk, "enter"))
    yield 0.2
    focused = [f for f in contact.inputs.values() if f.focus]
    facts["next_focused"] = focused[0].key if focused else None
    if focused:
        f = focused[0]
        bottom = f.to_window(f.x, f.y)[1]
        top = f.to_window(f.x, f.top)[1]
        view_top = contact.scroll.to_window(0, contact.scroll.top)[1]
        facts["next_visible_above_keyboard"] = bottom >= kb_top and top <= view_top + 1
    type_on(contact.keyboard.vk, "nordwind")
    yield None
    facts["typed"] = contact.values()
    tap(contact.ids.next)
    yield from qualify_hot(app, facts)
    yield lambda: app.sm.current == "done"
    yield None
    yield None


def scenario_duplicate(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    from kiosk.app.scripted import tap
    yield lambda: app.sm.current == "duplicate"
    yield None
    yield None
    d = app.screen("duplicate")
    facts["dup_message"] = d.message
    app.root.export_to_png(str(out / "duplicate.png"))
    tap(d.ids.update_btn)
    yield lambda: app.sm.current == "contact"
    yield None
    yield None
    contact = app.screen("contact")
    facts["dup_prefilled"] = contact.values()
    contact.inputs["title"].text = "Chief Technology Officer"
    tap(contact.ids.next)
    q = app.screen("qualify")
    yield lambda: app.sm.current == "qualify"
    yield None
    yield None
    facts["dup_answers_kept"] = find_toggle(q, "budget", "approved").state == "down"
    for _ in range(q.step_count):
        tap(q.ids.next)
        yield None
    yield lambda: app.sm.current == "done"
    yield None
    yield None
    facts["done_updated"] = app.screen("done").updated


def scenario_pin(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    from kiosk.app.scripted import tap
    scan = app.screen("scan")
    tap(scan.ids.staff_button)
    yield lambda: app.sm.current == "pin"
    yield None
    yield None
    pin = app.screen("pin")
    keys = {w.text: w for w in pin.ids.keypad.children}
    for digit in "9876":
        tap(keys[digit])
    tap(pin.ids.ok)
    yield None
    facts["after_wrong"] = app.sm.current
    facts["wrong_error"] = pin.error
    app.root.export_to_png(str(out / "pin.png"))
    for digit in "1234":
        tap(keys[digit])
    tap(pin.ids.ok)
    yield lambda: app.sm.current == "staff"
    yield None
    yield None
    staff = app.screen("staff")
    yield None
    facts["staff_count"] = staff.count
    tap(staff.ids.f_hot)
    yield None
    facts["hot_count"] = staff.count
    tap(staff.ids.f_all)
    yield None
    # search with the on-screen keyboard
    tap(staff.ids.search)
    yield lambda: staff.keyboard.shown and staff.keyboard.height > 100
    yield 0.1
    from kiosk.app.scripted import type_on
    type_on(staff.keyboard.vk, "otto")
    yield lambda: staff.count == 1
    facts["search_count"] = staff.count
    staff.keyboard.hide()
    yield 0.1
    rows = [w for w in staff.rv.children[0].children if getattr(w, "lead_id", "")]
    tap(rows[0])
    yield lambda: app.sm.current == "lead"
    yield None
    yield None
    lead = app.screen("lead")
    facts["lead_title"] = lead.title_text
    tap(lead.ids.t_hot)
    yield lambda: lead.override_text != ""
    facts["retag_text"] = lead.tag_text
    facts["override_text"] = lead.override_text
    app.root.export_to_png(str(out / "lead.png"))
    tap(lead.ids.back)
    yield lambda: app.sm.current == "staff"
    yield None
    yield None
    tap(staff.ids.exit)
    yield lambda: app.sm.current == "scan"


def scenario_idle(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    from kiosk.app.scripted import tap
    scan = app.screen("scan")
    yield lambda: scan.camera_state == "none"
    yield None
    # what the scan screen says to whoever stands in front of it (issue 17 item 9)
    facts["scan_texts"] = [w.text for w in scan.walk() if isinstance(getattr(w, "text", None), str)
                           and w.text and getattr(w, "opacity", 1) > 0]
    tap(scan.ids.manual)
    yield lambda: app.sm.current == "contact"
    yield None
    yield None
    contact = app.screen("contact")
    contact.inputs["first_name"].text = "Private"
    contact.inputs["email"].text = "private@visitor.example"
    tap(contact.ids.next)
    yield lambda: app.sm.current == "qualify"
    yield None
    yield None
    t0 = time.monotonic()
    yield lambda: app.root.banner.visible
    facts["warned_after_s"] = round(time.monotonic() - t0, 2)
    facts["warning_text"] = app.root.banner.text
    app.root.export_to_png(str(out / "idle.png"))
    # a touch on "I'm still here" keeps the visitor's data
    tap(app.root.ids.stay)
    yield None
    facts["still_here_kept"] = app.sm.current == "qualify" and not app.root.banner.visible
    yield lambda: app.root.banner.visible
    yield lambda: app.sm.current == "scan"
    yield None
    yield None
    facts["reset_after_s"] = round(time.monotonic() - t0, 2)
    facts["cleared_fields"] = contact.values()
    facts["flow_contact"] = dict(app.flow.contact)
    facts["questions_left"] = len(app.screen("qualify").questions.children)


def scenario_pin_guard(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """Issue 18 item 2: wrong PINs tapped on the real keypad make it wait; the right PIN then
    does not open the staff area."""
    from kiosk.app.scripted import tap
    tap(app.screen("scan").ids.staff_button)
    yield lambda: app.sm.current == "pin"
    yield None
    pin = app.screen("pin")
    keys = {w.text: w for w in pin.ids.keypad.children}
    errors = []
    for attempt in ("1111", "2222", "3333", "4444", "1234"):
        for digit in attempt:
            tap(keys[digit])
        tap(pin.ids.ok)
        yield None
        errors.append(pin.error)
    facts["errors"] = errors
    facts["after_right_pin"] = app.sm.current
    app.root.export_to_png(str(out / "pin-wait.png"))


def scenario_card(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """Issue 20: a still-image camera shows a business card; staff tap "Photo of a card", the
    kiosk takes it once steady and sharp, reads it off the UI thread with a progress bar, fills
    the contact form (doubtful fields highlighted), and the lead is saved with the card's fields."""
    from kiosk.app.scripted import tap
    scan = app.screen("scan")
    yield lambda: scan.frames_shown > 3 and scan.camera_state == "live"
    yield None
    yield None
    facts["card_button_h"] = scan.ids.card_button.height
    tap(scan.ids.card_button)
    yield lambda: scan.card_state == "aim"
    yield lambda: scan.ids.guide.width > 100   # the guide frame is laid out over the picture
    yield None
    scan.export_to_png(str(out / "card-aim.png"))
    facts["aim_png"] = str(out / "card-aim.png")
    facts["guide"] = [int(v) for v in (*scan.ids.guide.to_window(*scan.ids.guide.pos), *scan.ids.guide.size)]
    facts["barcode_paused"] = app.feed.paused
    yield lambda: scan.card_state == "reading"
    facts["reading_seen"] = True
    t_read = time.monotonic()
    yield lambda: scan.card_progress > 5   # the bar moves while OCR runs on its own thread
    facts["progress_moving"] = scan.card_progress
    scan.export_to_png(str(out / "card-reading.png"))
    facts["reading_png"] = str(out / "card-reading.png")
    facts["reading_box"] = [int(v) for v in (*scan.ids.reading_box.to_window(*scan.ids.reading_box.pos),
                                             *scan.ids.reading_box.size)]
    yield lambda: app.sm.current == "contact"
    facts["read_s"] = round(time.monotonic() - t_read, 2)   # for the log only: no timing asserts
    yield None
    yield None
    contact = app.screen("contact")
    facts["prefilled"] = contact.values()
    facts["raw_shown"] = contact.raw_text
    facts["doubtful"] = contact.doubtful()
    facts["confidence"] = dict(app.flow.confidence)
    facts["photo_bytes"] = len(app.flow.card_photo or b"")
    app.root.export_to_png(str(out / "card-contact.png"))
    facts["contact_png"] = str(out / "card-contact.png")
    # a highlighted field: staff tap it (confirm), the highlight goes
    if facts["doubtful"]:
        first = contact.inputs[facts["doubtful"][0]]
        tap(first)
        yield None
        facts["confirmed_clears"] = not first.check
    yield from _save_hot_card_lead(app, contact, facts)


def _save_hot_card_lead(app: Any, contact: Any, facts: dict[str, Any]) -> Iterator[Any]:
    """From the contact screen a card filled: Next, a hot qualification, saved; what was stored."""
    from kiosk.app.scripted import tap
    tap(contact.ids.next)
    yield from qualify_hot(app, facts)
    yield lambda: app.sm.current == "done"
    yield None
    facts["saved_contact"] = dict(app.flow.saved["contact"])
    facts["saved_photo_chars"] = len(app.flow.saved.get("card_photo") or "")


def scenario_card_contact(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """Issue 20 "(and on Contact)": staff start typing on the contact screen (manual entry), then
    tap *Photo of a card* there; the preview with the guide shows, the card is taken and read, and
    back on the contact screen the card filled the empty fields while the typed one stayed."""
    from kiosk.app.scripted import tap, type_on
    scan = app.screen("scan")
    yield lambda: scan.frames_shown > 3 and scan.camera_state == "live"
    tap(scan.ids.manual)
    yield lambda: app.sm.current == "contact"
    yield None
    contact = app.screen("contact")
    facts["contact_card_button_h"] = contact.card_button.height
    tap(contact.inputs["first_name"])
    yield lambda: contact.keyboard.shown
    type_on(contact.keyboard.vk, "lena")
    yield None
    facts["typed"] = contact.inputs["first_name"].text
    contact.keyboard.hide()
    yield None
    contact.scroll.scroll_to(contact.card_button, padding=10, animate=False)   # as staff would scroll
    yield None
    yield None
    app.root.export_to_png(str(out / "card-button-on-contact.png"))
    tap(contact.card_button)
    yield lambda: app.sm.current == "scan" and scan.card_state == "aim"
    facts["flow_state_while_aiming"] = app.flow.state
    facts["barcode_paused"] = app.feed.paused
    yield lambda: scan.card_state == "reading"
    yield lambda: app.sm.current == "contact" and contact.inputs["email"].text != ""
    yield None
    facts["prefilled"] = contact.values()
    facts["doubtful"] = contact.doubtful()
    facts["raw_shown"] = contact.raw_text
    app.root.export_to_png(str(out / "card-contact-from-contact.png"))
    yield from _save_hot_card_lead(app, contact, facts)


SCENARIOS = {"card": scenario_card, "card_contact": scenario_card_contact, "pin_guard": scenario_pin_guard, "capture": scenario_capture, "demo": scenario_capture, "manual": scenario_manual, "duplicate": scenario_duplicate,
             "pin": scenario_pin, "idle": scenario_idle}


def main(argv: list[str]) -> int:
    name, data, out_dir, camera = argv[:4]
    mode = argv[4] if len(argv) > 4 else "staffed"
    size = parse_size(argv[5] if len(argv) > 5 else "800x480")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    configure_kivy(size, fullscreen=False)
    from kiosk.app.kiosk_app import KioskApp
    from kiosk.app.scripted import run_script
    from kiosk.bootstrap import build_services

    services = build_services(data, camera=camera, mode=mode, with_sync=False, sounds=False)
    services.context.staff = "Ana"
    if name == "idle":
        services.context.idle_timeout_s = 3.0
    app = KioskApp(services)
    facts: dict[str, Any] = {}
    saved_before_done: list[Any] = []

    def script(a: Any) -> Iterator[Any]:
        def on_screen(_sm: Any, current: str) -> None:
            if current == "done":
                lead = a.flow.saved
                saved_before_done.append(bool(lead) and services.flow.store.get(lead["id"]) is not None)
        a.sm.bind(current=on_screen)
        yield from SCENARIOS[name](a, out, facts)

    t0 = time.monotonic()
    # reading a card loads the OCR models and runs them on a shared 2-core machine: wait longer
    slow = name.startswith("card")
    result = run_script(app, script, timeout_s=420 if slow else 240, wait_timeout_s=300 if slow else 60)
    services.close()
    facts["saved_before_done"] = saved_before_done
    facts["ok"] = result["ok"]
    facts["error"] = result["error"]
    facts["elapsed_s"] = round(time.monotonic() - t0, 2)
    (out / "result.json").write_text(json.dumps(facts, indent=1, default=str))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
