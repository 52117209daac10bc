"""Decoding plus the repeat window: a badge held in front of the camera for five seconds is
one scan, not a hundred and fifty."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from kiosk.scan.decoder import Code, Decoder


class RepeatFilter:
    """Reports a (format, text) at most once per ``window_s``, counted from its last report: a
    badge held in view for 7 s with a 3 s window is reported at 0, 3 and 6 s, so the kiosk
    notices a visitor who is still waiting, yet never floods. ``window_s=0`` reports every
    sighting."""

    def __init__(self, window_s: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        if window_s < 0:
            raise ValueError(f"repeat window must be >= 0 seconds, got {window_s}")
        self.window_s = window_s
        self._clock = clock
        self._last_reported: dict[tuple[str, str], float] = {}

    def admit(self, codes: list[Code], now: float | None = None) -> list[Code]:
        now = self._clock() if now is None else now
        fresh = []
        for code in codes:
            key = (code.format, code.text)
            last = self._last_reported.get(key)
            if last is None or self.window_s == 0 or now - last >= self.window_s - 1e-9:
                fresh.append(code)
                self._last_reported[key] = now
        if len(self._last_reported) > 256:  # forget codes whose window is long over
            horizon = now - self.window_s
            self._last_reported = {k: t for k, t in self._last_reported.items() if t >= horizon}
        return fresh

    def reset(self) -> None:
        """Forget everything, e.g. after a lead is saved so the next visitor's first scan counts."""
        self._last_reported.clear()


class Scanner:
    """``scan(frame)`` -> codes not reported within the repeat window.

    For a live camera (``spread_retries=True``, the default) each frame gets the fast pass and
    one of the retry stages in turn (see ``Decoder.decode``), which keeps idle frames cheap; a
    hard-to-read badge held still is read within ``decoder.retry_count`` frames. Pass
    ``spread_retries=False`` for single images."""

    def __init__(self, decoder: Decoder | None = None, repeat_window_s: float = 3.0,
                 clock: Callable[[], float] = time.monotonic, spread_retries: bool = True) -> None:
        self.decoder = decoder or Decoder()
        self.repeats = RepeatFilter(repeat_window_s, clock)
        self.spread_retries = spread_retries
        self._frame_no = 0

    def scan(self, frame: np.ndarray, now: float | None = None) -> list[Code]:
        slot = self._frame_no if self.spread_retries else None
        self._frame_no += 1
        return self.repeats.admit(self.decoder.decode(frame, retry_slot=slot), now)
