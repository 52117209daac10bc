"""Which badge codes the kiosk should act on: a badge it has just handled is still in the visitor's
hand when staff go back to *Scan* (Back, *Next visitor*, *Start over*), and reading it again at once
would bounce the kiosk to *Contact* or "Already captured" before staff can tap anything.

Pure (a clock is passed in), so the rule is tested without a camera. It is fed every decoded frame,
with or without codes, because "the badge has left the view" means decoded frames without it, not
just time: a slow decoder on a busy Pi may take more than a second per frame, and a badge it has
not looked at has not left.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable

GONE_S = 1.2        # not seen for this long, ...
GONE_FRAMES = 3     # ... in at least this many decoded frames = the badge has left the view
HOLD_S = 5.0        # a handled badge that never left the view is read again after this long ...


@dataclass
class _Handled:
    at: float
    last_seen: float
    misses: int = 0
    saved: bool = False   # ... unless its capture was saved: then only leaving the view re-arms it


class HandledCodes:
    """``frame(texts)`` for every decoded frame returns the codes to act on; ``handled(text)`` marks
    a code the kiosk acted on; ``rearm()`` is called when the kiosk shows *Scan* again (decoding was
    paused meanwhile, so a handled badge counts as in view at that moment)."""

    def __init__(self, gone_s: float = GONE_S, hold_s: float = HOLD_S, gone_frames: int = GONE_FRAMES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.gone_s = gone_s
        self.hold_s = hold_s
        self.gone_frames = gone_frames
        self._clock = clock
        self._codes: dict[str, _Handled] = {}

    def handled(self, text: str) -> None:
        now = self._clock()
        self._codes[text] = _Handled(now, now)

    def mark_saved(self, text: str) -> None:
        """The code's capture ended in a save: the duplicate prompt must never follow for it."""
        entry = self._codes.get(text)
        if entry is not None:
            entry.saved = True

    def rearm(self) -> None:
        now = self._clock()
        for entry in self._codes.values():
            entry.at = now
            entry.last_seen = now
            entry.misses = 0

    def frame(self, texts: Iterable[str]) -> list[str]:
        """One decoded frame's codes -> those the kiosk should act on (in order, no repeats)."""
        now = self._clock()
        seen = list(dict.fromkeys(texts))
        admitted = []
        for text in seen:
            entry = self._codes.get(text)
            if entry is None:
                admitted.append(text)
                continue
            gone = entry.misses >= self.gone_frames and now - entry.last_seen >= self.gone_s
            if gone or (not entry.saved and now - entry.at >= self.hold_s):
                del self._codes[text]
                admitted.append(text)
            else:
                entry.last_seen = now
                entry.misses = 0
        for text, entry in list(self._codes.items()):
            if text not in seen:
                entry.misses += 1
                if entry.misses > 10_000:   # long gone: forget it
                    del self._codes[text]
        return admitted
