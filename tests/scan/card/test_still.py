"""When the kiosk takes the card photo by itself: steady and sharp for a few frames, on real
rendered card images (blurred and moving ones must wait)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.scan.card.still import STEADY_FRAMES, StillDetector
from tests.scan.card.render import render_card


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    path = render_card(tmp_path_factory.mktemp("still") / "card.png",
                       [("Anna Schmidt", 60, True), ("Leiterin Vertrieb", 36, False),
                        ("anna@example.com", 32, False)], size=(1000, 560))
    card = cv2.imread(str(path))
    view = np.full((720, 1280, 3), 50, np.uint8)
    view[80:640, 140:1140] = card
    return view


def test_a_still_sharp_card_is_taken_after_a_few_frames(frame: np.ndarray) -> None:
    det = StillDetector()
    verdicts = [det.check(frame) for _ in range(STEADY_FRAMES + 1)]
    assert [v.ready for v in verdicts] == [False] * STEADY_FRAMES + [True]
    assert verdicts[-1].sharpness > 100 and verdicts[-1].motion < 1


def test_a_blurred_card_is_never_taken(frame: np.ndarray) -> None:
    det = StillDetector()
    blurred = cv2.GaussianBlur(frame, (0, 0), 9)
    assert not any(det.check(blurred).ready for _ in range(10))


def test_a_moving_card_waits_until_it_stops(frame: np.ndarray) -> None:
    det = StillDetector()
    moving = [np.roll(frame, 25 * i, axis=1) for i in range(8)]
    assert not any(det.check(f).ready for f in moving)
    assert [det.check(moving[-1]).ready for _ in range(STEADY_FRAMES)][-1] is True


def test_after_a_failed_read_the_same_view_waits_for_a_change(frame: np.ndarray) -> None:
    det = StillDetector(wait_for_motion=True)
    assert not any(det.check(frame).ready for _ in range(6))
    det.check(np.roll(frame, 40, axis=0))           # the card moved
    assert any(det.check(frame).ready for _ in range(STEADY_FRAMES + 1))


def test_an_empty_or_tiny_frame_is_not_ready() -> None:
    det = StillDetector()
    assert not det.check(np.zeros((2, 2, 3), np.uint8)).ready
    assert not any(det.check(np.full((480, 640, 3), 128, np.uint8)).ready for _ in range(5))

