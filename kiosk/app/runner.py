"""Starting Kivy the way a kiosk needs: window size or full screen decided before Kivy creates its
window, no stray command-line parsing by Kivy, and a clear message instead of a traceback when
there is no display at all."""
from __future__ import annotations

import glob
import logging
import os
import sys
from typing import Any

NO_DISPLAY_HINT = """leadkiosk: no display found (no $DISPLAY or $WAYLAND_DISPLAY, and not on a Linux console with KMS).
  - on a desktop, run it from a terminal inside your graphical session;
  - on a server without a screen:   xvfb-run -a ./deploy/dev/run-kiosk   (or: xvfb-run -a .venv/bin/leadkiosk run)
  - to check it renders headless:   SDL_VIDEODRIVER=offscreen ./deploy/dev/run-kiosk
  - to see every screen as PNG:     .venv/bin/leadkiosk screenshots --out shots/"""


def display_available(env: dict[str, str] | None = None) -> bool:
    """A window can open: an X11/Wayland session, an explicit SDL driver, or a KMS console (the Pi
    started by systemd on tty1 without a desktop)."""
    env = dict(os.environ if env is None else env)
    if env.get("SDL_VIDEODRIVER") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return True
    return bool(glob.glob("/dev/dri/card*")) and _on_console()


def _on_console() -> bool:
    try:
        tty = os.ttyname(sys.stdin.fileno())
    except OSError:
        tty = ""
    return tty.startswith("/dev/tty") and tty[len("/dev/tty"):].isdigit() or bool(os.environ.get("INVOCATION_ID"))


def parse_size(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        w, h = text.lower().split("x")
        size = int(w), int(h)
    except ValueError:
        raise ValueError(f"--size expects WIDTHxHEIGHT, e.g. 800x480, got {text!r}") from None
    if min(size) < 200:
        raise ValueError(f"--size {text!r} is too small (at least 200x200)")
    return size


class _NoCutbufferNoise(logging.Filter):
    """Kivy on Linux always looks for xclip/xsel for X11's middle-click "cut buffer" and, when
    neither is installed, logs CRITICAL with two tracebacks. A touchscreen kiosk never
    middle-clicks, so exactly that message is dropped; every other Kivy error still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Cutbuffer: Unable to find any valuable Cutbuffer provider")


def _quiet_cutbuffer() -> None:
    import shutil
    if shutil.which("xclip") or shutil.which("xsel"):
        return
    from kivy.logger import Logger
    if not any(isinstance(f, _NoCutbufferNoise) for f in Logger.filters):
        Logger.addFilter(_NoCutbufferNoise())


def configure_kivy(size: tuple[int, int] | None, fullscreen: bool) -> None:
    """Must run before anything imports ``kivy.core.window``."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    # A normal start must look normal: Kivy would otherwise probe xclip/xsel (two tracebacks and
    # "CRITICAL Cutbuffer" when they are missing) and GStreamer/ffpyplayer for audio. SDL2 does
    # both on every platform the kiosk runs on; a real failure of SDL2 itself still shows.
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    os.environ.setdefault("KIVY_AUDIO", "sdl2")
    _quiet_cutbuffer()
    from kivy.config import Config
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "show_cursor", "0")
        Config.set("graphics", "borderless", "1")
    else:
        Config.set("graphics", "fullscreen", "0")
        w, h = size or (800, 480)
        Config.set("graphics", "width", str(w))
        Config.set("graphics", "height", str(h))
        Config.set("graphics", "resizable", "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")
    # Touchscreens: no red dots on right-click, no multitouch simulation on a mouse. A Pi display
    # profile (kiosk/deploy/kivy/*.ini, marked by its [leadkiosk] section) already chose the one
    # touch provider; a mouse provider next to it would double every tap.
    if not Config.has_section("leadkiosk"):
        Config.set("input", "mouse", "mouse,disable_multitouch")
        # No multisampling, as on the Pi display profiles (multisamples = 0): Kivy's default of 2
        # gets a 4x MSAA surface from Mesa's software renderer, which then shades every pixel of
        # the whole window four times on each camera frame. Measured on the kiosk's scan screen
        # (bench/ui_bench.py, llvmpipe): ~55 ms of renderer CPU per preview frame with MSAA,
        # ~22 ms without, which is what held the preview near 20 fps (issue 21). The UI is
        # axis-aligned boxes and text; Kivy's lines and rounded corners do their own smoothing.
        Config.set("graphics", "multisamples", "0")
    Config.set("graphics", "maxfps", "60")


def _keep_running() -> None:
    """At a booth an unexpected error in one callback must not take the kiosk down: log it and go
    on (the lead store is already durable; the systemd watchdog still restarts a frozen UI)."""
    import logging

    from kivy.base import ExceptionHandler, ExceptionManager

    class KeepRunning(ExceptionHandler):  # type: ignore[misc]
        def handle_exception(self, inst: BaseException) -> Any:
            if isinstance(inst, (KeyboardInterrupt, SystemExit)):
                return ExceptionManager.RAISE
            logging.getLogger("leadkiosk.app").error("unexpected error, kiosk keeps running", exc_info=inst)
            return ExceptionManager.PASS

    ExceptionManager.add_handler(KeepRunning())


def run_kiosk(services: Any, size: tuple[int, int] | None, fullscreen: bool) -> int:
    configure_kivy(size, fullscreen)
    from kiosk.app.kiosk_app import KioskApp
    _keep_running()
    app = KioskApp(services, fullscreen=fullscreen)
    import signal
    # systemd stops the kiosk with SIGTERM: leave through Kivy's normal stop (camera released,
    # store closed) instead of dying mid-frame.
    signal.signal(signal.SIGTERM, lambda *_: app.stop())
    try:
        app.run()
    finally:
        services.close()
    return 0
