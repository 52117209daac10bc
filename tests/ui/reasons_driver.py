"""Child process for test_reasons_language: a real KioskApp in German (SDL offscreen window) takes a
capture through its CaptureFlow, then reports what the Done screen and the staff lead detail show.
Usage: reasons_driver.py DATA_DIR OUT_DIR"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterator

from kiosk.app.runner import configure_kivy

ANSWERS = {"budget": "approved", "authority": "researcher", "need": "critical", "timing": "6_12_months",
           "evaluated_competitors": True, "role": "student", "follow_up": "demo", "consent": True}


def main(data: str, out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    configure_kivy((800, 480), fullscreen=False)
    from kiosk.app.flow import DONE, QUALIFY
    from kiosk.app.kiosk_app import KioskApp
    from kiosk.app.scripted import run_script
    from kiosk.bootstrap import build_services

    services = build_services(data, camera="none", language="de", with_sync=False, sounds=False)
    services.context.staff = "Ana"
    app = KioskApp(services)
    facts: dict[str, Any] = {}

    def texts(box: Any) -> list[str]:
        return [w.text for w in reversed(box.children)]

    def script(a: Any) -> Iterator[Any]:
        yield lambda: a.sm.current == "scan"
        flow = a.flow
        flow.manual_entry()
        flow.submit_contact({"first_name": "Tom", "last_name": "Nguyen", "company": "City University"})
        while flow.state == QUALIFY:
            for _ in range(3):  # answering may reveal conditional questions
                for qid in flow.visible_questions():
                    if qid in ANSWERS and qid not in flow.answers:
                        flow.answer(qid, ANSWERS[qid])
            if flow.current_step().is_consent:
                flow.answer("consent", True)
            flow.next()
        assert flow.state == DONE, flow.state
        yield lambda: a.sm.current == "done"
        yield None
        done = a.screen("done")
        facts["lang"] = a.lang
        facts["done_tag"] = done.tag_text
        facts["done_reasons"] = texts(done.reasons_box)
        lead_id = flow.saved["id"]
        facts["stored_reasons"] = services.flow.store.get(lead_id)["score"]["reasons"]
        a.services.staff.retag(lead_id, "hot")
        a.open_lead(lead_id)
        yield lambda: a.sm.current == "lead"
        yield None
        lead = a.screen("lead")
        facts["lead_reasons"] = texts(lead.reasons_box)
        facts["lead_discard_text"] = lead.discard_text
        facts["stored_after_retag"] = services.flow.store.get(lead_id)["score"]["reasons"]

    result = run_script(app, script, timeout_s=240, wait_timeout_s=60)
    services.close()
    facts.update(ok=result["ok"], error=result["error"])
    (out / "result.json").write_text(json.dumps(facts, indent=1, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
