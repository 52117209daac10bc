"""Staff tools: sync status and "sync now", staff on duty, language, mode, show, USB export."""
from __future__ import annotations

from typing import Any, Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.app.damage import details as damage_details
from kiosk.app.flow import local_time
from kiosk.app.staff import StaffError
from kiosk.errors import KioskError


class ToolsScreen(Screen):
    pending = NumericProperty(0)
    sent = NumericProperty(0)
    failed = NumericProperty(0)
    parked = NumericProperty(0)
    last_success = StringProperty("")
    last_error = StringProperty("")
    damage_text = StringProperty("")     # the lead store's damage (kiosk/app/damage.py); "" when whole
    sync_available = BooleanProperty(False)
    usb_present = BooleanProperty(False)
    usb_text = StringProperty("")
    message = StringProperty("")
    message_is_error = BooleanProperty(False)
    keyboard = ObjectProperty(None)
    scroll = ObjectProperty(None)
    shows_box = ObjectProperty(None)
    staff_field = ObjectProperty(None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._poll = None
        self._message_fn: Callable[[], str] | None = None
        App.get_running_app().bind(lang=self._reword)

    def on_pre_enter(self, *_: Any) -> None:
        app = App.get_running_app()
        self.message = ""
        self.staff_field.text = app.services.context.staff
        self.refresh()
        self._build_shows()
        self._poll = Clock.schedule_interval(lambda _dt: self.refresh(), 2.0)

    def on_leave(self, *_: Any) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        self.keyboard.hide()

    def on_field_focus(self, field: Any, focused: bool) -> None:
        if focused:
            self.keyboard.attach(field)

    def refresh(self) -> None:
        """Totals over all destinations, the newest success and the most recent error."""
        app = App.get_running_app()
        staff = app.services.staff
        self.sync_available = staff.sync_available()
        try:
            status = staff.sync_status()
        except KioskError as exc:
            self._say(app.tr("error.generic", error=str(exc)), True)
            status = {}
        totals = {"pending": 0, "sent": 0, "failed": 0, "parked": 0}
        last_ok, last_err = "", ""
        for dest in status.values() if isinstance(status, dict) else []:
            if not isinstance(dest, dict):
                continue
            for k in totals:
                totals[k] += int(dest.get(k) or 0)
            if (dest.get("last_success_at") or "") > last_ok:
                last_ok = dest["last_success_at"]
            if dest.get("last_error"):
                last_err = str(dest["last_error"])
        self.pending, self.sent, self.failed, self.parked = (totals[k] for k in ("pending", "sent", "failed", "parked"))
        self.last_success = local_time(last_ok) if last_ok else ""
        self.last_error = last_err
        damage = staff.store_damage()
        self.damage_text = "\n".join(damage_details(damage, app.tr)) if damage is not None else ""
        mounts = staff.usb_mounts()
        self.usb_present = bool(mounts)
        self.usb_text = str(mounts[0]) if mounts else app.tr("export.no_usb")

    def _build_shows(self) -> None:
        app = App.get_running_app()
        self.shows_box.clear_widgets()
        current = app.services.context.show.id
        for show in app.services.staff.shows():
            btn = Factory.ChoiceToggle(text=show.name or show.id, group="show",
                                       state="down" if show.id == current else "normal")
            btn.bind(on_release=lambda _b, sid=show.id: self.switch_show(sid))
            self.shows_box.add_widget(btn)

    def _say(self, text: str | Callable[[], str], error: bool = False) -> None:
        """``text`` may be a callable that words the message in the current language: a status
        line ("Saved 2 leads to ...") is re-worded when staff switch the language."""
        self._message_fn = text if callable(text) else None
        self.message = text() if callable(text) else text
        self.message_is_error = error

    def _reword(self, *_: Any) -> None:
        if getattr(self, "_message_fn", None) is not None:
            self.message = self._message_fn()

    def _guard(self, action: Any) -> bool:
        app = App.get_running_app()
        try:
            action()
            return True
        except StaffError as exc:
            self._say(lambda err=exc: app.tr(err.key, **err.values), True)
        except KioskError as exc:
            self._say(app.tr("error.generic", error=str(exc)), True)
        return False

    def acknowledge_damage(self) -> None:
        """Staff saw the damage report: the banner goes at once (recovery.log notes who)."""
        app = App.get_running_app()
        if self._guard(app.services.staff.acknowledge_damage):
            app.check_damage()
            self.refresh()

    def sync_now(self) -> None:
        app = App.get_running_app()
        if self._guard(app.services.staff.sync_now):
            self._say(lambda: app.tr("sync.running"))
            Clock.schedule_once(lambda _dt: self.refresh(), 1.0)

    def save_staff(self) -> None:
        app = App.get_running_app()
        if self._guard(lambda: app.services.staff.set_staff(self.staff_field.text)):
            self.keyboard.hide()
            self._say(lambda: f"{app.tr('settings.staff')}: {app.services.context.staff}")

    def set_language(self, lang: str) -> None:
        App.get_running_app().set_language(lang)

    def set_mode(self, mode: str) -> None:
        App.get_running_app().set_mode(mode)

    def switch_show(self, show_id: str) -> None:
        app = App.get_running_app()
        if self._guard(lambda: app.switch_show(show_id)):
            self._say(lambda: f"{app.tr('settings.show')}: {app.services.context.show.name}")
        self._build_shows()

    def export(self) -> None:
        app = App.get_running_app()
        try:
            path, count = app.services.staff.export_to_usb()
        except StaffError as exc:
            self._say(lambda err=exc: app.tr(err.key, **err.values), True)
            return
        self._say(lambda: app.tr("export.done", count=count, path=str(path.parent)))
