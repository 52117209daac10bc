"""The card generator of the OCR benchmark makes cards whose truth the parser can be checked
against (the bench itself is run by hand: it reads real photos with the real engine)."""
from __future__ import annotations

import random
import runpy
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_generated_cards_are_1080p_and_carry_their_truth() -> None:
    bench = runpy.run_path(str(REPO / "bench" / "ocr_bench.py"), run_name="ocr_bench")
    rng = random.Random(3)
    card, truth = bench["make_card"](rng, badge=False)
    badge, badge_truth = bench["make_card"](rng, badge=True)
    assert card.size == badge.size == (1920, 1080)
    assert set(truth) == {"first_name", "last_name", "title", "company", "email", "phone"}
    assert truth["phone"].startswith("+") and "@" in truth["email"]
    assert set(badge_truth) == {"first_name", "last_name", "company"}
    # the card is not a blank frame: the pasted card differs from the grey table
    assert len(set(card.getdata())) > 10


def test_tesseract_baseline_reads_a_card_into_lines() -> None:
    """The bench's named baseline gives the parser the same OcrLine shape RapidOCR does."""
    import shutil

    import numpy as np
    import pytest
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed (apt-get install tesseract-ocr): the bench's baseline only")
    bench = runpy.run_path(str(REPO / "bench" / "ocr_bench.py"), run_name="ocr_bench")
    card, truth = bench["make_card"](random.Random(5), badge=False)
    image = np.asarray(card)[:, :, ::-1].copy()   # PIL RGB -> OpenCV BGR
    lines = bench["TesseractReader"]().read(image)
    assert lines and all(0.0 <= ln.confidence <= 1.0 and ln.box[2] > ln.box[0] for ln in lines)
    text = " ".join(ln.text for ln in lines)
    assert truth["email"] in text.replace(" ", "")
