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
        """Delays after wrong PINs and the demo-PIN refusal are StaffService.try_pin's."""
        app = App.get_running_app()
        attempt = app.services.staff.try_pin(self.entered)
        self.entered = ""
        if attempt.ok:
            self.error = ""
            self.failures = 0
            app.enter_staff()
        else:
            self.failures += 1
            self.error = app.tr(attempt.key, seconds=attempt.wait_s)

    def on_pre_enter(self, *_: Any) -> None:
        self.entered = ""
        self.error = ""
        new_pin = App.get_running_app().services.staff.take_new_pin()
        if new_pin:  # generated at provisioning: shown this once
            self.error = App.get_running_app().tr("pin.new", pin=new_pin)
