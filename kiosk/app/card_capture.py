"""Photo of a card: watch the preview until the card is steady and sharp, take it, read it.

Runs on its own thread because OCR takes one to three seconds on a Pi: the UI thread keeps
drawing the progress indicator meanwhile. Callbacks run on this thread; the app wraps them with
``@mainthread``. The decision when to shoot is ``kiosk.scan.card.still`` (no Kivy there).
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Protocol

from kiosk.errors import KioskError
from kiosk.scan.card.still import StillDetector, StillVerdict

log = logging.getLogger(__name__)
POLL_S = 0.08


class CardReader(Protocol):
    """What the kiosk needs from the OCR side (``kiosk.bootstrap.make_card_reader`` wires it)."""

    def start(self) -> None:
        """Load the engine (seconds, once): called while the visitor still aims the card."""

    def read(self, frame: Any) -> dict[str, Any]:
        """``{"contact": {...}, "confidence": {...}, "text": [...]}`` of one BGR photo."""


class CardCapture:
    """One attempt at a card photo. ``latest()`` gives ``(frame_number, BGR frame)`` (the camera
    feed's newest full frame); ``on_verdict`` reports the still check (for the hint),
    ``on_taken(frame)`` the moment of the shot, then ``on_read(reading, frame)`` or
    ``on_error(message)``. ``take_now()`` shoots at the next frame (the capture button).
    ``still()`` gives the camera's best still (the Pi Camera Module 3's full resolution) or None:
    once the view is steady and sharp the card is taken with it, else with the video frame."""

    def __init__(self, latest: Callable[[], tuple[int, Any]], reader: CardReader,
                 on_taken: Callable[[Any], None], on_read: Callable[[dict[str, Any], Any], None],
                 on_error: Callable[[str], None],
                 on_verdict: Callable[[StillVerdict], None] = lambda _v: None,
                 detector: StillDetector | None = None,
                 still: Callable[[], Any] = lambda: None) -> None:
        self._latest = latest
        self._still = still
        self._reader = reader
        self._on_taken = on_taken
        self._on_read = on_read
        self._on_error = on_error
        self._on_verdict = on_verdict
        self._detector = detector or StillDetector()
        self._stop = threading.Event()
        self._now = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="leadkiosk-card", daemon=True)
        self._thread.start()

    def take_now(self) -> None:
        self._now.set()

    def cancel(self) -> None:
        """The result of a read already running is dropped (the app checks ``cancelled``)."""
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        loader = threading.Thread(target=self._warm_up, name="leadkiosk-ocr-load", daemon=True)
        loader.start()
        seen = 0
        frame = None
        while not self._stop.is_set():
            number, latest = self._latest()
            if latest is not None and number != seen:
                seen = number
                verdict = self._detector.check(latest)
                self._on_verdict(verdict)
                if verdict.ready or self._now.is_set():
                    frame = latest
                    break
            self._stop.wait(POLL_S)
        if frame is None or self._stop.is_set():
            return
        try:
            better = self._still()
        except Exception:  # the video frame is steady and sharp already
            log.exception("taking a still of the card")
            better = None
        if self._stop.is_set():
            return
        if better is not None:
            frame = better
        self._on_taken(frame)
        loader.join()
        try:
            reading = self._reader.read(frame)
        except KioskError as exc:
            if not self._stop.is_set():
                self._on_error(str(exc))
            return
        except Exception as exc:  # an engine bug must not take the kiosk down
            log.exception("reading a card")
            if not self._stop.is_set():
                self._on_error(f"{type(exc).__name__}: {exc}")
            return
        if not self._stop.is_set():
            self._on_read(reading, frame)

    def _warm_up(self) -> None:
        try:
            self._reader.start()
        except Exception:  # read() reports the same failure with its message
            log.warning("the card reader could not start", exc_info=True)
