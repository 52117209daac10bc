"""Scan screen: live preview, prompt, flash on a read, manual entry, "no camera" fallback, and the
photo of a card (guide frame on the preview, a progress bar while the card is read)."""
from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import (BooleanProperty, NumericProperty, ObjectProperty, OptionProperty,
                             StringProperty)
from kivy.uix.screenmanager import Screen

PROGRESS_STEP_S = 0.2
PROGRESS_ROUND_S = 2.0


class ScanScreen(Screen):
    camera_state = OptionProperty("starting", options=["starting", "live", "none"])
    flash = NumericProperty(0.0)
    preview = ObjectProperty(None)
    frames_shown = NumericProperty(0)
    # photo of a card: off | aim (guide frame, waiting for a steady sharp card) | reading (OCR)
    card_state = OptionProperty("off", options=["off", "aim", "reading"])
    card_offered = BooleanProperty(False)
    card_steady = BooleanProperty(False)
    card_hint = StringProperty("")
    card_progress = NumericProperty(0.0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._textures: list[Texture] = []
        self._shape: tuple[int, int] | None = None
        self._next = 0

    def show_frame(self, frame: Any) -> None:
        """Blit an RGB numpy frame (CameraFeed prepares it).

        Two textures, used in turn: uploading into the texture the previous frame is still being
        drawn with makes the GL driver wait for that draw to finish (measured: ~100 ms per frame
        with Mesa's software renderer while the decoder keeps the CPU busy)."""
        h, w = frame.shape[:2]
        if not self._textures or self._shape != (w, h):
            self._textures = [Texture.create(size=(w, h), colorfmt="rgb") for _ in range(2)]
            for tex in self._textures:
                tex.flip_vertical()
            self._shape = (w, h)
        if not frame.flags["C_CONTIGUOUS"]:
            frame = frame.copy(order="C")
        texture = self._textures[self._next]
        self._next = 1 - self._next
        texture.blit_buffer(frame.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        if self.preview is not None:
            self.preview.texture = texture
            self.preview.canvas.ask_update()
        self.frames_shown += 1
        if self.camera_state != "live":
            self.camera_state = "live"

    def play_flash(self, duration: float = 0.22, on_done: Any = None) -> None:
        Animation.cancel_all(self, "flash")
        self.flash = 1.0
        anim = Animation(flash=0.0, duration=duration, t="in_quad")
        if on_done is not None:
            anim.bind(on_complete=lambda *_: on_done())
        anim.start(self)


    def start_progress(self) -> None:
        """An indeterminate progress bar: OCR gives no progress of its own, so the bar runs and
        starts over until the result arrives (the point is that the kiosk visibly works). It moves
        in steps five times a second, not every frame: each redraw costs a Pi's software renderer
        CPU that the OCR thread needs."""
        self.stop_progress()
        self._progress_ev = Clock.schedule_interval(self._step_progress, PROGRESS_STEP_S)

    def _step_progress(self, _dt: float) -> None:
        self.card_progress = (self.card_progress + 100 * PROGRESS_STEP_S / PROGRESS_ROUND_S) % 100

    def stop_progress(self) -> None:
        ev = getattr(self, "_progress_ev", None)
        if ev is not None:
            ev.cancel()
        self._progress_ev = None
        self.card_progress = 0.0
