"""Driving a running KioskApp from a script: the screenshots, the UI tests and the benchmark all
step through the real app this way, with real touch events on the widgets' real positions.

A script is a generator run on Kivy's clock; it yields a number (seconds to wait), a callable
(wait until it returns true) or None (wait one frame). Everything runs on the UI thread.
"""
from __future__ import annotations

import time
import traceback
from typing import Any, Callable, Generator, Iterator

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kiosk.app.touch import ScriptTouch

Step = Any
Script = Callable[[App], Generator[Step, None, None]]


class ScriptTimeout(AssertionError):
    pass


def run_script(app: App, script: Script, timeout_s: float = 60.0, wait_timeout_s: float = 15.0) -> dict[str, Any]:
    """Run ``script(app)`` inside ``app.run()``; returns {"ok", "error"}. Stops the app at the end."""
    outcome: dict[str, Any] = {"ok": False, "error": None}
    state: dict[str, Any] = {"gen": None, "until": 0.0, "cond": None, "cond_deadline": 0.0}
    started = time.monotonic()

    def fail(message: str) -> None:
        outcome["error"] = message
        app.stop()

    def tick(_dt: float) -> bool:
        now = time.monotonic()
        if now - started > timeout_s:
            fail(f"script timed out after {timeout_s} s")
            return False
        if state["gen"] is None:
            state["gen"] = iter(script(app))
        if now < state["until"]:
            return True
        cond = state["cond"]
        if cond is not None:
            try:
                done = cond()
            except Exception:
                fail(traceback.format_exc())
                return False
            if not done:
                if now > state["cond_deadline"]:
                    code = getattr(cond, "__code__", None)
                    where = f"{code.co_filename}:{code.co_firstlineno}" if code else repr(cond)
                    fail(f"condition not met within {wait_timeout_s} s: {where}")
                    return False
                return True
            state["cond"] = None
        gen: Iterator[Step] = state["gen"]
        try:
            step = next(gen)
        except StopIteration:
            outcome["ok"] = True
            app.stop()
            return False
        except Exception:
            fail(traceback.format_exc())
            return False
        if callable(step):
            state["cond"] = step
            state["cond_deadline"] = now + wait_timeout_s
        elif isinstance(step, (int, float)):
            state["until"] = now + float(step)
        return True

    def begin(*_: Any) -> None:
        Clock.schedule_interval(tick, 0)

    app.bind(on_start=begin)
    app.run()
    return outcome


def center_of(widget: Any) -> tuple[float, float]:
    return widget.to_window(widget.center_x, widget.center_y)


def tap(widget: Any) -> tuple[float, float]:
    """A real touch down + up at the widget's centre, dispatched through the Window like a finger."""
    x, y = center_of(widget)
    tap_at(x, y)
    return x, y


def tap_at(x: float, y: float) -> None:
    touch = ScriptTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def window_size() -> tuple[int, int]:
    return int(Window.width), int(Window.height)


def key_center(vk: Any, char: str) -> tuple[float, float]:
    """Window position of the key that types ``char`` (or the special key named ``char``) on the
    VKeyboard's current layer, computed from the keyboard's own geometry."""
    layout = vk.available_layouts[vk.layout]
    geometry = vk.layout_geometry
    w, h = vk.size
    for line in range(1, layout["rows"] + 1):
        keys = layout[f"{vk.layout_mode}_{line}"]
        for key, ((x, y), (kw, kh)) in zip(keys, geometry[f"LINE_HINT_{line}"]):
            if key[1] == char or key[2] == char:
                return vk.to_window((x + kw / 2) * w, (y + kh / 2) * h)
    raise KeyError(f"no key {char!r} on layout {vk.layout} ({vk.layout_mode})")


def type_on(vk: Any, text: str) -> None:
    for char in text:
        tap_at(*key_center(vk, char))
