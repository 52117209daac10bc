"""Issue 20 on the real kiosk window: a still-image camera shows a business card (drawn with PIL
at test time, photographed on a dark desk), staff tap *Photo of a card*, the kiosk takes it by
itself once steady and sharp, reads it offline (RapidOCR) off the UI thread with a progress bar,
fills the contact form and saves the lead with the card's fields."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.scan.card.render import render_card

pytestmark = [pytest.mark.ui, pytest.mark.slow]

ROWS = [("Anna Schmidt", 64, True), ("Leiterin Vertrieb", 38, False),
        ("Müller Maschinenbau GmbH", 40, True), ("anna.schmidt@mueller-maschinenbau.de", 34, False),
        ("Tel. +49 89 1234 5678", 34, False)]


def _camera_view(folder: Path) -> Path:
    """A 1280x720 "camera frame": the card on a dark desk, inside the guide frame."""
    import cv2
    card = render_card(folder / "card-only.png", ROWS, size=(1000, 560))
    img = cv2.imread(str(card))
    card.unlink()
    frame = np.full((720, 1280, 3), (52, 48, 44), np.uint8)
    y, x = (720 - img.shape[0]) // 2, (1280 - img.shape[1]) // 2
    frame[y:y + img.shape[0], x:x + img.shape[1]] = img
    path = folder / "frame.png"
    cv2.imwrite(str(path), frame)
    return path


def _png(path: str) -> np.ndarray:
    import cv2
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    assert img is not None, path
    return img


def _crop(img: np.ndarray, box: list[int]) -> np.ndarray:
    """``box`` in Kivy window coordinates (y up) -> the PNG's pixels (rows top-down)."""
    x, y, w, h = box
    hh = img.shape[0]
    return img[hh - (y + h):hh - y, x:x + w]


def test_photo_of_a_card_fills_the_contact_and_saves_the_lead(run_ui, tmp_path: Path) -> None:
    camera = tmp_path / "camera"
    camera.mkdir()
    _camera_view(camera)
    data = tmp_path / "data"
    facts = run_ui("card", data, f"images:{camera}", timeout=600)

    assert facts["card_button_h"] >= 48
    assert facts["barcode_paused"] is True          # no badge decoding while a card is aimed
    assert facts["reading_seen"] and facts["progress_moving"] > 5
    got = facts["prefilled"]
    assert got["first_name"] == "Anna" and got["last_name"] == "Schmidt"
    assert got["company"] == "Müller Maschinenbau GmbH"
    assert got["email"] == "anna.schmidt@mueller-maschinenbau.de"
    assert got["phone"].replace(" ", "").endswith("8912345678")
    assert "Leiterin Vertrieb" in facts["raw_shown"]   # the card's text beside the fields
    assert facts["photo_bytes"] > 10_000
    # every field the engine was unsure of is highlighted, and only those
    for key, value in facts["confidence"].items():
        if key != "website":
            assert (key in facts["doubtful"]) == (value < 0.75), (key, value, facts["doubtful"])
    assert "country" in facts["doubtful"]     # guessed from the phone's +49, not printed
    assert facts["confirmed_clears"] is True

    saved = facts["saved_contact"]
    assert saved["format"] == "card"
    assert saved["email"] == "anna.schmidt@mueller-maschinenbau.de"
    assert saved["last_name"] == "Schmidt" and saved["company"] == "Müller Maschinenbau GmbH"
    assert saved["phone"] == "+498912345678"
    assert facts["saved_before_done"] == [True]
    assert facts["saved_photo_chars"] > 10_000            # the card's photo is kept with the lead

    # pixels: the guide frame is drawn over the card (white, or green once steady: a still camera
    # is steady at once), the progress box is dark
    aim = _png(facts["aim_png"])
    gx, gy, gw, gh = facts["guide"]
    scan_h = aim.shape[0]
    edge = aim[scan_h - (gy + gh // 2), gx - 1:gx + 3]          # left edge of the guide, mid-height
    assert edge[:, 1].max() > 140, edge
    reading = _crop(_png(facts["reading_png"]), facts["reading_box"])
    assert reading.size and reading.mean() < 120                  # dark overlay with the bar on it
    contact = _png(facts["contact_png"])
    assert contact.std() > 20


def test_photo_of_a_card_from_the_contact_screen_fills_the_empty_fields(run_ui, tmp_path: Path) -> None:
    camera = tmp_path / "camera"
    camera.mkdir()
    _camera_view(camera)
    facts = run_ui("card_contact", tmp_path / "data", f"images:{camera}", timeout=600)

    assert facts["contact_card_button_h"] >= 48
    assert facts["typed"] == "lena"
    assert facts["flow_state_while_aiming"] == "contact"   # the visitor's capture goes on
    assert facts["barcode_paused"] is True
    got = facts["prefilled"]
    assert got["first_name"] == "lena"                      # typed by staff: kept
    assert got["last_name"] == "Schmidt"                    # empty: filled from the card
    assert got["company"] == "Müller Maschinenbau GmbH"
    assert got["email"] == "anna.schmidt@mueller-maschinenbau.de"
    assert "first_name" not in facts["doubtful"]
    assert "Leiterin Vertrieb" in facts["raw_shown"]
    saved = facts["saved_contact"]
    assert saved["format"] == "card" and saved["first_name"] == "lena" and saved["last_name"] == "Schmidt"
    assert facts["saved_photo_chars"] > 10_000
