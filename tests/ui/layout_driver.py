"""Child process for test_layout: issue 17 item 6, the kiosk's layout on its two panels (800x480
landscape, 720x1280 portrait), driven by real touch events. Records window rectangles (x, y, w, h;
y up, Kivy's window coordinates) and screenshots; the test judges them. Usage as booth_driver.py.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).parent))

from booth_driver import Scenario, _enter_staff, _focus, _press, main  # noqa: E402
from ui_driver import choose, find_toggle  # noqa: E402


def rect(widget: Any) -> list[float]:
    """The widget's box in window coordinates."""
    x, y = widget.to_window(widget.x, widget.y)
    return [round(x, 1), round(y, 1), round(widget.width, 1), round(widget.height, 1)]


def frames(n: int = 3) -> Iterator[Any]:
    for _ in range(n):
        yield None


def scenario_capture_layout(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """Contact typed by hand (a wrong e-mail address fixed), then the default form answered by
    tapping, watching what a finger and an eye would meet at each step."""
    from kivy.core.window import Window
    from kiosk.app.scripted import tap
    facts["window"] = [Window.width, Window.height]
    yield lambda: app.sm.current == "scan"
    yield from frames()
    tap(app.screen("scan").ids.manual)
    yield lambda: app.sm.current == "contact"
    yield from frames()
    contact = app.screen("contact")
    facts["contact_next"], facts["contact_back"] = rect(contact.ids.next), rect(contact.ids.back)
    # Next with nothing typed: the error line must not move the fields or the buttons
    facts["contact_fields_before_error"] = {k: rect(f) for k, f in contact.inputs.items()}
    facts["contact_scroll_before_error"] = rect(contact.scroll)
    tap(contact.ids.next)
    yield lambda: contact.error != ""
    yield from frames(4)
    facts["name_error"] = contact.error
    facts["contact_fields_after_error"] = {k: rect(f) for k, f in contact.inputs.items()}
    facts["contact_scroll_after_error"] = rect(contact.scroll)
    facts["contact_next_after_error"] = rect(contact.ids.next)
    facts["contact_back_after_error"] = rect(contact.ids.back)
    facts["contact_error_label"] = rect(contact.ids.error)
    facts["contact_error_opacity"] = contact.ids.error.opacity
    app.root.export_to_png(str(out / "contact-error.png"))
    yield from _focus(contact, contact.inputs["email"])
    yield lambda: contact.keyboard.shown and contact.keyboard.height > 100
    yield from _press(app, contact.keyboard.vk, *"lena@example")
    facts["name_error_after_typing"] = contact.error
    yield from frames()
    facts["contact_next_with_keyboard"] = rect(contact.ids.next)
    facts["email_before_error"] = rect(contact.inputs["email"])
    tap(contact.ids.next)
    yield lambda: contact.error != ""
    yield from frames(4)
    facts["email_error"] = contact.error
    facts["email_after_error"] = rect(contact.inputs["email"])
    facts["email_error_label"] = rect(contact.ids.error)
    facts["contact_scroll_with_keyboard"] = rect(contact.scroll)
    facts["contact_next_after_email_error"] = rect(contact.ids.next)
    app.root.export_to_png(str(out / "contact-email-error.png"))
    yield from _press(app, contact.keyboard.vk, ".com")
    yield from frames()
    facts["email_typed"] = contact.inputs["email"].text
    facts["email_error_after_fix"] = contact.error
    facts["contact_error_height_after_fix"] = contact.ids.error.height
    tap(contact.ids.next)
    yield lambda: app.sm.current == "qualify"
    yield from frames(4)

    q = app.screen("qualify")
    facts["qualify_next"], facts["qualify_back"] = rect(q.ids.next), rect(q.ids.back)
    first = find_toggle(q, "budget", "approved")
    facts["option_before_error"] = rect(first)
    tap(q.ids.next)                                   # nothing chosen: "please answer"
    yield lambda: q.error != ""
    yield from frames(4)
    facts["qualify_error"] = q.error
    facts["option_after_error"] = rect(first)
    facts["next_after_error"] = rect(q.ids.next)
    facts["error_label"] = rect(q.ids.error)
    facts["error_opacity"] = q.ids.error.opacity
    facts["scroll_view"] = rect(q.scroll)
    app.root.export_to_png(str(out / "qualify-error.png"))

    yield from choose(app, "budget", "approved")      # one single choice: the step moves on by itself
    facts["error_after_answer"] = q.error
    yield lambda: q.step_no == 2
    yield from frames()
    yield from choose(app, "authority", "decision_maker")
    yield lambda: q.step_no == 3
    yield from frames()
    yield from choose(app, "need", "critical")
    yield lambda: "product_interest" in q.toggles
    yield from frames(4)
    facts["revealed_3"] = {"card": rect(q.cards["product_interest"]), "view": rect(q.scroll)}
    app.root.export_to_png(str(out / "qualify-revealed-3.png"))
    yield from choose(app, "product_interest", "crm_sync")
    tap(q.ids.next)
    yield lambda: q.step_no == 4
    yield from frames()
    yield from choose(app, "timing", "0_3_months")
    yield lambda: "evaluated_competitors" in q.toggles
    yield from frames(4)
    facts["revealed_4"] = {"card": rect(q.cards["evaluated_competitors"]), "view": rect(q.scroll)}
    app.root.export_to_png(str(out / "qualify-revealed-4.png"))
    yield from choose(app, "evaluated_competitors", True)
    yield lambda: q.step_no == 5
    yield from frames(4)
    facts["step5_view"] = rect(q.scroll)
    facts["step5_options"] = {f"{qid}={b.value}": rect(b) for qid in ("role", "follow_up") for b in q.toggles[qid]}
    app.root.export_to_png(str(out / "qualify-step5.png"))
    yield from choose(app, "role", "buyer")
    yield from choose(app, "follow_up", "demo")
    tap(q.ids.next)
    yield lambda: q.step_no == 6
    yield from frames()
    yield from choose(app, "consent", True)
    tap(q.ids.next)
    yield lambda: app.sm.current == "done"
    yield from frames()
    done = app.screen("done")
    facts["actions"] = {"done.next_visitor": rect(done.ids.next_visitor)}
    tap(done.ids.next_visitor)
    yield lambda: app.sm.current == "scan"
    # the same visitor's badge (same e-mail address) later: "Already captured"
    app.flow.badge_read("BEGIN:VCARD\nVERSION:3.0\nN:Weber;Lena;;;\nEMAIL:lena@example.com\nEND:VCARD")
    yield lambda: app.sm.current == "duplicate"
    yield from frames()
    dup = app.screen("duplicate")
    facts["actions"].update({"duplicate.new": rect(dup.ids.new_btn), "duplicate.update": rect(dup.ids.update_btn)})


def scenario_staff_layout(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """Staff look through leads (the list keeps its place, each lead opens at its top), fix a
    company name (Save confirms) and open the tools with sync not set up (a disabled button)."""
    from kivy.core.window import Window
    from kiosk.app.scripted import tap
    facts["window"] = [Window.width, Window.height]
    yield lambda: app.sm.current == "scan"
    yield from frames()
    tap(app.screen("scan").ids.staff_button)
    yield lambda: app.sm.current == "pin"
    yield from frames()
    pin_cancel = rect(app.screen("pin").ids.cancel)
    tap(app.screen("pin").ids.cancel)
    yield lambda: app.sm.current == "scan"
    yield from _enter_staff(app)
    staff = app.screen("staff")
    yield from frames()
    actions = facts["actions"] = {"pin.cancel": pin_cancel, "staff.exit": rect(staff.ids.exit),
                                  "staff.tools": rect(staff.ids.tools)}
    staff.rv.scroll_y = 0                 # scrolled to the bottom of the list (a swipe)
    yield from frames(4)

    def visible_rows() -> list[Any]:
        vx, vy, vw, vh = rect(staff.rv)

        def inside(w: Any) -> bool:
            x, y = w.to_window(*w.center)
            return vx <= x <= vx + vw and vy + 20 <= y <= vy + vh - 20
        return sorted((w for w in staff.rv.children[0].children if getattr(w, "lead_id", "") and inside(w)),
                      key=lambda w: -w.to_window(*w.center)[1])
    rows = visible_rows()
    tap(rows[-1])
    yield lambda: app.sm.current == "lead"
    yield from frames()
    lead = app.screen("lead")
    facts["first_lead"] = lead.lead_id
    actions.update({"lead.back": rect(lead.ids.back), "lead.save": rect(lead.ids.save)})
    facts["detail_scroll_first_open"] = lead.scroll.scroll_y
    lead.scroll.scroll_y = 0              # read down to the bottom (a swipe)
    yield from frames()
    tap(lead.ids.back)
    yield lambda: app.sm.current == "staff"
    yield from frames(4)
    facts["list_scroll_after_back"] = staff.rv.scroll_y
    rows = visible_rows()
    tap(rows[0])
    yield lambda: app.sm.current == "lead" and lead.lead_id != facts["first_lead"]
    yield from frames()
    facts["second_lead"] = lead.lead_id
    facts["detail_scroll_second_open"] = lead.scroll.scroll_y
    # edit the company and save
    yield from _focus(lead, lead.inputs["company"])
    yield lambda: lead.keyboard.shown
    yield from _press(app, lead.keyboard.vk, *"xy")
    if lead.ids.save.parent is not lead.ids.thumbs:   # in landscape it is the edit card's last row
        lead.scroll.scroll_to(lead.ids.save, padding=12, animate=False)
    yield from frames()
    tap(lead.ids.save)
    yield lambda: lead.message != ""
    yield from frames(3)
    facts["save_message"] = lead.message
    facts["save_message_error"] = lead.message_is_error
    facts["save_message_rect"] = rect(lead.ids.message)
    facts["keyboard_after_save"] = lead.keyboard.height
    app.root.export_to_png(str(out / "lead-saved.png"))
    tap(lead.ids.back)
    yield lambda: app.sm.current == "staff"
    yield from frames()
    tap(staff.ids.tools)
    yield lambda: app.sm.current == "tools"
    yield from frames()
    tools = app.screen("tools")
    tools.scroll.scroll_to(tools.ids.sync_now, padding=12, animate=False)
    yield from frames(4)
    actions["tools.back"] = rect(tools.ids.back)
    facts["sync_disabled"] = tools.ids.sync_now.disabled
    facts["sync_text"] = tools.ids.sync_now.text
    facts["sync_rect"] = rect(tools.ids.sync_now)
    app.root.export_to_png(str(out / "tools.png"))


def scenario_taps(app: Any, out: Path, facts: dict[str, Any]) -> Iterator[Any]:
    """The benchmark's scripted staffed capture (bench/ui_bench.py), its taps counted; then the way
    back from a step that moved on by itself."""
    import time
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from kiosk.app.scripted import tap
    from ui_bench import staffed_capture
    yield lambda: app.sm.current == "scan"
    yield from frames()
    yield from staffed_capture(app, facts)
    tap(app.screen("done").ids.next_visitor)
    yield lambda: app.sm.current == "scan"
    yield 1.0
    tap(app.screen("scan").ids.manual)
    yield lambda: app.sm.current == "contact"
    yield from frames()
    contact = app.screen("contact")
    yield from _focus(contact, contact.inputs["first_name"])
    yield from _press(app, contact.keyboard.vk, *"tom")
    tap(contact.ids.next)
    q = app.screen("qualify")
    yield lambda: app.sm.current == "qualify"
    yield from frames()
    yield from choose(app, "budget", "planned")
    yield lambda: q.step_no == 2
    facts["advanced_to"] = q.step_no
    yield from frames()
    tap(q.ids.back)
    yield lambda: q.step_no == 1
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.5:       # back on step 1 it stays there, the answer kept
        yield 0.1
    facts["after_back_step"] = q.step_no
    facts["kept"] = find_toggle(q, "budget", "planned").state
    yield from choose(app, "budget", "none")  # a changed answer moves on again
    yield lambda: q.step_no == 2
    facts["changed_answer"] = app.flow.answers.get("budget")


SCENARIOS: dict[str, Scenario] = {"capture_layout": scenario_capture_layout, "staff_layout": scenario_staff_layout,
                                  "taps": scenario_taps}

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], SCENARIOS))
