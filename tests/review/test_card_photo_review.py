"""Issue 20, end to end: a lead read from a business card at a kiosk with sealed personal data
keeps the card's photo sealed on the card (no readable copy in the store's files), syncs it to
the real central system (its own process, loopback, SQLite), and the review lead page shows it
in headless Chromium, at desktop width and at 390 px."""
from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from review_helpers import PASSWORD, USERS, signed_in_page  # type: ignore[import-not-found]
from tests.scan.card.render import render_card

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROWS = [("Lukas Brandt", 60, True), ("Head of Procurement", 36, False), ("Elbwerk Logistik GmbH", 38, True),
        ("l.brandt@elbwerk.example", 32, False), ("+49 40 5550 1234", 32, False)]
SCORE = {"score": 80, "computed_tag": "hot", "override": None, "tag": "hot", "discarded": False,
         "discard_reason": None, "reasons": ["budget approved +30"], "form_id": "bant", "form_version": "2026.1"}


def _shots(tmp_path: Path) -> Path:
    d = Path(os.environ.get("LEADKIOSK_REVIEW_SCREENSHOTS") or tmp_path / "screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_card_photo_sealed_on_the_kiosk_synced_and_shown_on_the_lead_page(browser, tmp_path: Path,
                                                                         monkeypatch) -> None:
    from kiosk.cli import main
    from kiosk.scan.card.photo import encode_photo
    from kiosk.store import new_lead, open_store
    from kiosk.sync_wiring import build_worker
    from sync.testing.central_process import RealCentral

    card = cv2.imread(str(render_card(tmp_path / "card.png", ROWS, size=(1000, 560))))
    photo = base64.b64encode(encode_photo(card, crop=False)).decode("ascii")
    central = RealCentral(tmp_path / "central.db")
    code = central.cli("enroll-code", "--show", "fair", "--name", "Fair 2026").strip().split()[-1]
    email, role = USERS["marketer"]
    subprocess.run([sys.executable, "-m", "kiosk", "central", "user", "add", "--db", central.db_url,
                    "--email", email, "--role", role, "--password-stdin"],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60)
    central.start()
    data = tmp_path / "kiosk"
    try:
        assert main(["enroll", central.url, code, "--data", str(data), "--name", "booth-1"]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO("Hall 7 pretzel stand\n"))
        assert main(["keys", "init", "--data", str(data), "--passphrase-stdin"]) == 0
        store = open_store(data)                       # as at boot: sealed and locked
        assert store.sealer.locked
        lead = new_lead(show_id="fair", kiosk_id="booth-1", staff="Ana",
                        contact={"first_name": "Lukas", "last_name": "Brandt", "company": "Elbwerk Logistik GmbH",
                                 "title": "Head of Procurement", "email": "l.brandt@elbwerk.example",
                                 "phone": "+494055501234", "format": "card",
                                 "raw": "\n".join(r[0] for r in ROWS)},
                        answers={"consent": True}, score=SCORE, card_photo=photo)
        lead_id = store.save(lead)["id"]
        assert store.get(lead_id)["card_photo"] is None   # locked: the photo is sealed like the name
        on_card = b"".join(p.read_bytes() for p in sorted((data / "leads").rglob("*")) if p.is_file())
        assert photo[100:160].encode() not in on_card and b"Brandt" not in on_card
        worker = build_worker(data, store)
        assert worker is not None
        worker.start()
        try:
            deadline = time.monotonic() + 60
            while store.pending("central") and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not store.pending("central"), worker.status()
        finally:
            worker.stop()
            store.close()

        shots = _shots(tmp_path)
        for width, height, name in ((1280, 1000, "lead-card.png"), (390, 844, "lead-card-390.png")):
            page = signed_in_page(browser, central.url, "marketer", width=width, height=height)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{central.url}/leads/{lead_id}")
            assert "Lukas Brandt" in page.inner_text("h1")
            img = page.locator("#card-photo")
            img.scroll_into_view_if_needed()
            page.wait_for_function("document.querySelector('#card-photo').complete")
            natural = page.evaluate("[document.querySelector('#card-photo').naturalWidth,"
                                    " document.querySelector('#card-photo').naturalHeight]")
            assert natural == [card.shape[1], card.shape[0]]      # the very photo, decoded by the browser
            box = img.bounding_box()
            assert box is not None and 100 < box["width"] <= width   # fits a phone's width
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
            assert "Head of Procurement" in page.inner_text("#raw")    # the text the kiosk read
            page.screenshot(path=str(shots / name), full_page=False)
            assert not errors
            page.context.close()
    finally:
        central.stop()
