"""What the kiosk shows when it cannot start: a missing or read-only data directory, a full disk,
a broken config file. At a booth nobody reads the journal, so the reason goes on the screen (and
into the log), and the kiosk keeps trying: once the cause is fixed (the USB stick plugged back in,
space freed, the file corrected) it starts by itself, without anybody touching it.
"""
from __future__ import annotations

import logging
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk import watchdog
from kiosk.app import theme
from kiosk.app.i18n import Translator

log = logging.getLogger("leadkiosk.app")


class StartupErrorApp(App):
    """Shows ``message`` and calls ``retry`` every ``retry_s`` seconds until it returns true; then
    the app stops with ``resumed`` set, and the caller starts the kiosk."""

    def __init__(self, message: str, retry: Callable[[], bool], *, retry_s: float = 5.0,
                 language: str = "en") -> None:
        super().__init__()
        self.message = message
        self.retry = retry
        self.retry_s = retry_s
        self.resumed = False
        self.t = Translator(language)

    def build(self) -> BoxLayout:
        self.title = "leadkiosk"
        Window.clearcolor = theme.BG
        root = BoxLayout(orientation="vertical", padding=32, spacing=16)
        for text, size, color, bold in (
                (self.t("startup.title"), 34, theme.DANGER, True),
                (self.message, 20, theme.INK, False),
                (self.t("startup.retry", seconds=int(self.retry_s)), 18, theme.MUTED, False)):
            label = Label(text=text, font_size=size, color=color, bold=bold, halign="center",
                          valign="middle")
            label.bind(size=lambda lbl, sz: setattr(lbl, "text_size", (sz[0], None)))
            root.add_widget(label)
        Clock.schedule_interval(self._try_again, self.retry_s)
        Clock.schedule_interval(lambda _dt: watchdog.ping(), watchdog.interval_s(default=5.0))
        watchdog.ready()
        watchdog.status(f"cannot start: {self.message}"[:200])
        return root

    def _try_again(self, _dt: float) -> bool:
        try:
            ok = self.retry()
        except Exception:  # noqa: BLE001  (the retry must never take the error screen down)
            log.exception("retry failed")
            ok = False
        if ok:
            self.resumed = True
            self.stop()
            return False
        return True
