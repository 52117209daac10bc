"""``leadkiosk screenshots``: every screen, at each display size, as PNG.

Each size renders in its own process (Kivy has one window per process and its size is fixed at
start on some drivers); with no display the child uses SDL's offscreen driver, which renders real
pixels that ``export_to_png`` reads back. Sample leads live in an in-memory store.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

VCARD = ("BEGIN:VCARD\nVERSION:3.0\nN:Becker;Jana;;;\nFN:Jana Becker\nORG:Nordlicht Logistik GmbH\n"
         "TITLE:Head of Operations\nEMAIL:jana.becker@nordlicht.example\nTEL:+49 40 1234567\n"
         "ADR:;;;Hamburg;;;Germany\nEND:VCARD")
GARBAGE = "ZX-2026#A7F3-9921-K"


def _timeout_s() -> float:
    """Seconds one size may take to stage every scene: 120 is ample on a Pi or a PC; a much slower
    machine (arm64 under qemu-user emulation, where it takes several minutes) sets
    LEADKIOSK_RENDER_TIMEOUT_S."""
    return float(os.environ.get("LEADKIOSK_RENDER_TIMEOUT_S", "120"))


def render_all(out: str | os.PathLike[str], sizes: list[tuple[int, int]], lang: str = "en",
               at: datetime | None = None) -> list[Path]:
    """``at`` (aware): the wall time the screens show (lead times, "today"), fixed so that two
    renderings, e.g. on amd64 and on arm64 minutes apart, can be compared pixel for pixel; default now."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    env = dict(os.environ, KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1")
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["SDL_VIDEODRIVER"] = "offscreen"
    for w, h in sizes:
        cmd = [sys.executable, "-m", "kiosk.app.render_screens", str(out_dir), f"{w}x{h}", lang,
               at.isoformat() if at else ""]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=_timeout_s() + 60)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
            raise RuntimeError(f"rendering screens at {w}x{h} failed (exit {proc.returncode})")
        for line in proc.stdout.splitlines():
            if line.startswith("PNG "):
                files.append(Path(line[4:]))
    return files


def sample_frame(size: tuple[int, int] = (960, 540)) -> Any:
    """A frame for the preview: the demo video's view of the badge if available, else a plain
    backdrop (the screenshot shows the layout either way)."""
    import numpy as np
    try:
        import cv2

        from kiosk.bootstrap import demo_video
        cap = cv2.VideoCapture(str(demo_video()))
        frame = None
        for _ in range(45):
            ok, f = cap.read()
            if not ok:
                break
            frame = f
        cap.release()
        if frame is not None:
            return frame
    except Exception:
        pass
    w, h = size
    ramp = np.linspace(40, 90, w, dtype=np.uint8)
    frame = np.dstack([np.tile(ramp, (h, 1))] * 3)
    return frame


CARD_LINES = (("Lukas Brandt", 1.9, 3), ("Head of Procurement", 1.1, 2), ("Elbwerk Logistik GmbH", 1.2, 2),
              ("l.brandt@elbwerk.example", 1.0, 2), ("+49 40 5550 1234", 1.0, 2))
CARD_READING = {
    "contact": {"first_name": "Lukas", "last_name": "Brandt", "title": "Head of Procurement",
                "company": "Elbwerk Logistik GmbH", "email": "l.brandt@elbwerk.example",
                "phone": "+494055501234", "country": "DE", "website": None},
    "confidence": {"first_name": 0.9, "last_name": 0.9, "title": 0.62, "company": 0.97, "email": 1.0,
                   "phone": 0.98, "country": 0.5, "website": 0.0},
    "text": [line for line, _, _ in CARD_LINES]}


def sample_card_frame() -> Any:
    """A camera's view of a business card on a desk, drawn with OpenCV (the card-mode scenes)."""
    import cv2
    import numpy as np
    frame = np.full((720, 1280, 3), (58, 52, 46), np.uint8)
    cv2.rectangle(frame, (190, 130), (1090, 620), (250, 250, 250), -1)
    y = 220
    for text, scale, thick in CARD_LINES:
        cv2.putText(frame, text, (240, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (30, 30, 30), thick, cv2.LINE_AA)
        y += int(48 * scale) + 22
    return frame


def sample_services(lang: str, clock: Any = None) -> Any:
    """``clock`` (aware wall time, default the real one): the sample leads are "today" by it."""
    from datetime import datetime, timedelta, timezone

    from forms import score

    from kiosk.bootstrap import build_services
    from kiosk.store import MemoryLeadStore, new_lead

    data = Path(tempfile.mkdtemp(prefix="leadkiosk-shots-"))
    clock = clock or (lambda: datetime.now(timezone.utc))
    store = MemoryLeadStore(clock=clock)
    services = build_services(data, camera="none", store=store, with_sync=False, sounds=False, language=lang,
                              clock=clock)
    services.context.staff = "Ana"
    form = services.context.form
    now = clock()
    people = [
        ("Lukas", "Schmidt", "Bergwerk AG", {"budget": "approved", "authority": "decision_maker", "need": "critical",
                                             "timing": "0_3_months", "evaluated_competitors": True, "role": "buyer",
                                             "follow_up": "demo"}),
        ("Sofia", "Rossi", "Lumen Retail", {"budget": "planned", "authority": "influencer", "need": "important",
                                            "timing": "3_6_months", "evaluated_competitors": False, "role": "buyer",
                                            "follow_up": "call"}),
        ("Tom", "Nguyen", "City University", {"budget": "none", "authority": "researcher", "need": "nice_to_have",
                                              "timing": "no_plans", "role": "student", "follow_up": "info_pack"}),
        ("Maria", "García", "Vela Systems", {"budget": "unknown", "authority": "other", "need": "important",
                                              "timing": "6_12_months", "evaluated_competitors": True, "role": "buyer",
                                              "follow_up": "info_pack"}),
    ]
    for i, (first, last, company, answers) in enumerate(people):
        answers = dict(answers, consent=True)
        result = score(form, answers).to_dict()
        lead = new_lead(show_id=services.context.show.id, kiosk_id="booth-1", staff="Ana",
                        contact={"first_name": first, "last_name": last, "company": company,
                                 "email": f"{first.lower()}@{company.split()[0].lower()}.example",
                                 "format": "vcard", "raw": "BEGIN:VCARD..."},
                        answers=answers, score=result, captured_at=now - timedelta(minutes=7 * (i + 1)))
        store.save(lead)
    return services


def _scenes(app: Any, out_dir: Path, tag: str) -> Iterator[Any]:
    from kiosk.app.scripted import tap

    flow = app.flow
    written: list[str] = []

    def shot(name: str) -> Iterator[Any]:
        yield None
        yield 0.05
        path = out_dir / f"{name}-{tag}.png"
        app.root.export_to_png(str(path))
        written.append(str(path))
        print(f"PNG {path}", flush=True)

    scan = app.screen("scan")
    from kiosk.app.camera_feed import preview_frame
    scan.show_frame(preview_frame(sample_frame()))
    yield from shot("01-scan")
    scan.play_flash(duration=10)
    yield 0.1
    yield from shot("02-scan-read")
    scan.flash = 0
    from kivy.animation import Animation
    Animation.cancel_all(scan, "flash")
    scan.camera_state = "none"
    yield from shot("03-scan-no-camera")
    scan.camera_state = "live"
    flow.badge_read(VCARD)
    yield from shot("04-contact")
    flow.reset()
    flow.badge_read(GARBAGE)
    contact = app.screen("contact")
    contact.inputs["first_name"].focus = True
    yield 0.2
    yield from shot("05-contact-unparsed-keyboard")
    contact.inputs["first_name"].focus = False
    contact.keyboard.hide()
    flow.reset()
    flow.badge_read(VCARD)
    flow.submit_contact(app.screen("contact").values())
    flow.answer("budget", "approved")
    yield from shot("06-qualify-budget")
    flow.next()
    flow.answer("authority", "decision_maker")
    flow.next()
    flow.answer("need", "critical")
    flow.answer("product_interest", ["badge_scanner", "crm_sync"])
    yield from shot("07-qualify-need-conditional")
    flow.next()
    flow.answer("timing", "0_3_months")
    flow.answer("evaluated_competitors", True)
    flow.next()
    flow.answer("role", "buyer")
    flow.answer("follow_up", "demo")
    yield from shot("08-qualify-about")
    flow.next()
    flow.answer("consent", True)
    yield from shot("09-qualify-consent")
    flow.next()
    yield from shot("10-done-staffed")
    app.mode = "self_serve"
    app.screen("done").load(flow.saved, staffed=False, updated=False)
    yield from shot("11-done-self-serve")
    app.mode = "staffed"
    flow.finish()
    flow.badge_read(VCARD)
    yield from shot("12-duplicate")
    flow.decline_update()
    app.open_staff()
    pin = app.screen("pin")
    pin.entered = "99"
    pin.submit()
    pin.entered = "12"
    yield from shot("13-pin-wrong")
    app.enter_staff()
    yield 0.1
    yield from shot("14-staff-leads")
    leads = app.services.staff.todays_leads()
    app.open_lead(leads[-1]["id"])
    yield 0.1
    yield from shot("15-lead-detail")
    app.open_tools()
    yield 0.1
    yield from shot("16-tools")
    app.close_staff()
    # photo of a card: the guide frame while aiming, then the contact read from it (staged: this
    # process has no camera; tests/ui/test_card_photo_ui.py drives the real thing)
    scan.camera_state = "live"
    scan.card_offered = True
    scan.show_frame(preview_frame(sample_card_frame()))
    scan.card_state = "aim"
    scan.card_steady = True
    scan.card_hint = app.tr("scan.card_hold_still")
    yield from shot("18-card-aim")
    scan.card_state = "reading"
    scan.card_progress = 45
    yield from shot("19-card-reading")
    scan.card_state = "off"
    scan.card_hint = ""
    scan.card_progress = 0
    flow.card_read(CARD_READING, None)
    yield from shot("20-card-contact")
    flow.reset()
    # idle warning in self-serve
    app.mode = "self_serve"
    app.services.context.mode = "self_serve"
    app.services.context.idle_timeout_s = 60
    flow.manual_entry()
    flow.submit_contact({"first_name": "Jana", "email": "jana@example.com"})
    flow.last_activity -= 53          # the real idle timer puts up the warning at 7 s left
    yield lambda: app.root.banner.visible
    yield from shot("17-idle-warning")
    app.services.context.idle_timeout_s = 0
    _ = tap
    (out_dir / f"index-{tag}.json").write_text(json.dumps(written, indent=1))


def _child(out: str, size: str, lang: str, at: str = "") -> int:
    from kiosk.app.runner import configure_kivy, parse_size

    dims = parse_size(size)
    configure_kivy(dims, fullscreen=False)
    from kiosk.app.kiosk_app import KioskApp
    from kiosk.app.scripted import run_script

    fixed = datetime.fromisoformat(at) if at else None
    services = sample_services(lang, clock=(lambda: fixed) if fixed else None)
    services.context.idle_timeout_s = 0  # the idle timer must not interfere with staged scenes
    app = KioskApp(services)
    tag = f"{dims[0]}x{dims[1]}" + ("" if lang == "en" else f"-{lang}")
    # a staged condition (the idle banner) waits in wall time too: longer where everything is slower
    result = run_script(app, lambda a: _scenes(a, Path(out), tag), timeout_s=_timeout_s(),
                        wait_timeout_s=max(15.0, _timeout_s() / 8))
    services.close()
    if not result["ok"]:
        sys.stderr.write(f"{result['error']!r}\n")  # repr: a bare TimeoutError() has no message
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child(*sys.argv[1:5]))
