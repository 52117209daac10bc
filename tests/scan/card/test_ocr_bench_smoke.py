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
