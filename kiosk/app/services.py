"""Everything the app needs from the outside world, handed in by ``kiosk.bootstrap`` (or a test).

The app never constructs a camera, store or sync worker itself: that is how the same app runs on
a Pi camera, the demo video, a test video, or with no camera at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from kiosk.app.context import KioskContext
from kiosk.app.flow import CaptureFlow
from kiosk.app.staff import StaffService


@dataclass
class KioskServices:
    context: KioskContext
    flow: CaptureFlow
    staff: StaffService
    # () -> FrameSource (not yet opened); None means "no camera configured": manual entry only.
    open_camera: Callable[[], Any] | None = None
    decode: Callable[[Any], Sequence[str]] = lambda frame: []
    sounds: bool = True
    max_fps: float = 30.0
    # Photo of a card (kiosk.app.card_capture.CardReader); None: the kiosk offers no card button.
    card_reader: Any = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Stop workers and close the store, in reverse order of creation."""
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # closing one part must not leave the others open
                import logging
                logging.getLogger(__name__).exception("closing a kiosk service")
        self.closers.clear()
