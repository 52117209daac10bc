"""A synthetic finger for scripts that drive the real app (screenshots, UI tests, benchmark).

Kivy ships one in ``kivy.tests.common``, but that module imports pytest, which a kiosk installed
with the run profile does not have; ``leadkiosk screenshots`` must work there too.
"""
from __future__ import annotations

from kivy.base import EventLoop
from kivy.input.motionevent import MotionEvent


class ScriptTouch(MotionEvent):
    """One touch at window coordinates, dispatched through the event loop like a real finger."""

    def __init__(self, x: float, y: float) -> None:
        win = EventLoop.window
        super().__init__(self.__class__.__name__, 99,
                         {"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)},
                         is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args: dict[str, float]) -> None:
        self.sx = args["x"]
        self.sy = args["y"]
        super().depack(args)

    def touch_down(self) -> None:
        EventLoop.post_dispatch_input("begin", self)

    def touch_move(self, x: float, y: float) -> None:
        win = EventLoop.window
        self.move({"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)})
        EventLoop.post_dispatch_input("update", self)

    def touch_up(self) -> None:
        EventLoop.post_dispatch_input("end", self)
