"""PIN pad in front of the staff area; the check is StaffService.check_pin (hashed in the config)."""
from __future__ import annotations

import os
from typing import Any

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

MAX_LEN = 12


_DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


class PinScreen(Screen):
    entered = StringProperty("")
    error = StringProperty("")
    failures = NumericProperty(0)
    # A filled circle per digit needs a font that has one; Kivy's Roboto does not.
    dot_font = StringProperty(_DEJAVU if os.path.exists(_DEJAVU) else "Roboto")
    dot = StringProperty("\u25cf" if os.path.exists(_DEJAVU) else "*")

    def press(self, digit: str) -> None:
        App.get_running_app().activity()
        if len(self.entered) < MAX_LEN:
            self.entered += digit
        self.error = ""

    def clear(self) -> None:
        self.entered = ""

    def submit(self) -> None:
        app = App.get_running_app()
        if app.services.staff.check_pin(self.entered):
            self.entered = ""
            self.error = ""
            self.failures = 0
            app.enter_staff()
        else:
            self.failures += 1
            self.entered = ""
            self.error = app.tr("pin.wrong")

    def on_pre_enter(self, *_: Any) -> None:
        self.entered = ""
        self.error = ""
