"""``read_upright``'s choice of orientation, with a TextReader that reads only an upright image
(the real engine is exercised end to end in test_read_card_cli.py)."""
from __future__ import annotations

import numpy as np

from kiosk.scan.card.engine import read_upright
from kiosk.scan.card.lines import OcrLine


class MarkerReader:
    """Reads text only when the marker pixel is top-left, as OCR reads only upright text."""

    def __init__(self, lines: list[OcrLine]) -> None:
        self.lines, self.calls = lines, 0

    def read(self, image: np.ndarray) -> list[OcrLine]:
        self.calls += 1
        if image[0, 0] == 255:
            return self.lines
        return [OcrLine("~ ;", (0, 0, 5, 5), 0.3)]


def _image() -> np.ndarray:
    image = np.zeros((4, 6), dtype=np.uint8)
    image[0, 0] = 255
    return image


CARD = [OcrLine(t, (0, i * 10, 100, i * 10 + 8), 0.97)
        for i, t in enumerate(["Anna Schmidt", "Leiterin Vertrieb", "Acme GmbH", "a@acme.de"])]


def test_upright_card_is_read_once() -> None:
    reader = MarkerReader(CARD)
    assert read_upright(reader, _image()) == CARD and reader.calls == 1


def test_turned_cards_are_tried_in_every_orientation() -> None:
    for turns in (1, 2, 3):
        reader = MarkerReader(CARD)
        assert read_upright(reader, np.rot90(_image(), -turns)) == CARD


def test_a_clear_two_line_badge_is_not_turned() -> None:
    badge = [OcrLine("Thomas Weber", (0, 0, 100, 30), 0.98), OcrLine("Weber KG", (0, 40, 80, 60), 0.95)]
    reader = MarkerReader(badge)
    assert read_upright(reader, _image()) == badge and reader.calls == 1


def test_nothing_readable_anywhere_gives_the_least_bad_reading() -> None:
    reader = MarkerReader(CARD)
    blank = np.zeros((4, 6), dtype=np.uint8)
    assert read_upright(reader, blank) == [OcrLine("~ ;", (0, 0, 5, 5), 0.3)]
    assert reader.calls == 4


def test_start_loads_both_models_once() -> None:
    """RapidOCR loads each model on first use; start() reads one small line so detection and
    recognition are loaded while the visitor still aims the card, and only the first time (the
    kiosk calls start() for every card)."""
    from kiosk.scan.card.engine import RapidOcrReader
    reader = RapidOcrReader()
    reader.start()
    engine = reader._engine
    assert engine.text_det is not None and engine.text_rec is not None
    calls: list[int] = []
    reader._engine = lambda image: calls.append(1) or engine(image)
    reader.start()
    assert calls == []
