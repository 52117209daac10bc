"""Who is on duty: asked at the start of a shift and after the staff area closed itself from idle,
so every lead says who talked to the visitor (never "by ?"). A quick pick from the show's staff list,
or any other name typed in."""
from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


def duty_names(show_staff: tuple[str, ...] | list[str], current: str) -> list[str]:
    """The show's staff, with whoever was last on duty first (the usual answer is "still me")."""
    names = [n for n in show_staff if n]
    if current and current in names:
        names.remove(current)
    return ([current] if current else []) + names


class DutyScreen(Screen):
    keyboard = ObjectProperty(None)
    scroll = ObjectProperty(None)
    names_box = ObjectProperty(None)
    other_field = ObjectProperty(None)

    def on_pre_enter(self, *_: Any) -> None:
        app = App.get_running_app()
        ctx = app.services.context
        self.other_field.text = ""
        self.names_box.clear_widgets()
        self.buttons: dict[str, Any] = {}
        for name in duty_names(ctx.show.staff, ctx.staff):
            btn = Factory.KButton(text=name, bg=app.brand if name == ctx.staff else (0.93, 0.94, 0.96, 1),
                                  fg=(1, 1, 1, 1) if name == ctx.staff else (0.1, 0.12, 0.16, 1))
            btn.bind(on_release=lambda b: self.pick(b.text))
            self.names_box.add_widget(btn)
            self.buttons[name] = btn

    def on_field_focus(self, field: Any, focused: bool) -> None:
        if focused:
            self.keyboard.attach(field)

    def pick(self, name: str) -> None:
        name = (name or "").strip()
        if not name:
            return
        App.get_running_app().set_on_duty(name)

    def on_leave(self, *_: Any) -> None:
        self.keyboard.hide()
