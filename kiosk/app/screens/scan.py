"""Scan screen: live preview, prompt, flash on a read, manual entry, "no camera" fallback."""
from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, ObjectProperty, OptionProperty
from kivy.uix.screenmanager import Screen


class ScanScreen(Screen):
    camera_state = OptionProperty("starting", options=["starting", "live", "none"])
    flash = NumericProperty(0.0)
    preview = ObjectProperty(None)
    frames_shown = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._texture: Texture | None = None
        self._shape: tuple[int, int] | None = None

    def show_frame(self, frame: Any) -> None:
        """Blit a BGR numpy frame; the texture is reused while the frame size stays the same."""
        h, w = frame.shape[:2]
        if self._texture is None or self._shape != (w, h):
            self._texture = Texture.create(size=(w, h), colorfmt="bgr")
            self._texture.flip_vertical()
            self._shape = (w, h)
        if not frame.flags["C_CONTIGUOUS"]:
            frame = frame.copy(order="C")
        self._texture.blit_buffer(frame.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        if self.preview is not None:
            self.preview.texture = self._texture
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
