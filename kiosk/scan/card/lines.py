"""What an OCR engine hands the card parser: one text line with its box and confidence.

Kept apart from any engine so the parser and its tests depend on plain data only."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OcrLine:
    """``box`` is (left, top, right, bottom) in image pixels; ``confidence`` is the engine's 0..1."""

    text: str
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    confidence: float = 1.0

    @property
    def height(self) -> float:
        return max(0.0, self.box[3] - self.box[1])

    @property
    def top(self) -> float:
        return self.box[1]
