"""Staff area: today's leads with a tag filter and search; while the kiosk is locked (personal
data sealed) the rows show time, tag and score without names, and a passphrase field unlocks."""
from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.app import theme
from kiosk.app.flow import local_time


class LeadRow(ButtonBehavior, BoxLayout):
    lead_id = StringProperty("")
    time_text = StringProperty("")
    name = StringProperty("")
    company = StringProperty("")
    tag_text = StringProperty("")
    tag_color = ColorProperty(theme.TAG_COLORS["nurture"])

    def on_release(self) -> None:
        App.get_running_app().open_lead(self.lead_id)


def row_data(lead: dict[str, Any], tr: Any) -> dict[str, Any]:
    contact = lead.get("contact") or {}
    score = lead.get("score") or {}
    name = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p) \
        or contact.get("email") or tr("staff.unnamed")
    company = contact.get("company") or ""
    if isinstance(lead.get("sealed"), dict):  # locked: no names, but time, tag and score
        name, company = tr("keys.sealed_name"), tr("keys.score", score=score.get("score", "-"))
    key = "discarded" if score.get("discarded") else (score.get("tag") or "nurture")
    return {
        "lead_id": lead["id"], "time_text": local_time(lead.get("captured_at")), "name": name,
        "company": company, "tag_text": tr(f"tag.{key}"),
        "tag_color": theme.TAG_COLORS.get(key, theme.TAG_COLORS["nurture"]),
    }


class StaffScreen(Screen):
    count = NumericProperty(0)
    tag_filter = StringProperty("", allownone=True)
    text_filter = StringProperty("")
    rv = ObjectProperty(None)
    search = ObjectProperty(None)
    keyboard = ObjectProperty(None)
    locked = BooleanProperty(False)
    unlock_error = StringProperty("")

    def set_filter(self, tag: str | None) -> None:
        self.tag_filter = tag or ""
        self.reload()

    def set_text(self, text: str) -> None:
        self.text_filter = text
        self.reload()

    def on_search_focus(self, field: Any, focused: bool) -> None:
        if focused:
            self.keyboard.attach(field)

    def unlock(self, field: Any) -> None:
        """Passphrase typed: unlock (empty: through central). The field never keeps the text."""
        app = App.get_running_app()
        keys = app.services.staff.keys
        passphrase, field.text = field.text, ""
        self.keyboard.hide()
        if keys is None:
            return
        answer = keys.unlock(passphrase or None)
        self.unlock_error = "" if answer.get("ok") else (
            app.tr("keys.wrong") if "wrong passphrase" in str(answer.get("message")) else str(answer.get("message")))
        self.reload()

    def reload(self) -> None:
        app = App.get_running_app()
        keys = app.services.staff.keys
        self.locked = bool(keys is not None and keys.locked)
        leads = app.services.staff.todays_leads(tag=self.tag_filter or None, text=self.text_filter or None)
        self.rv.data = [row_data(lead, app.tr) for lead in leads]
        self.count = len(leads)

    def on_pre_enter(self, *_: Any) -> None:
        self.reload()

    def on_leave(self, *_: Any) -> None:
        self.keyboard.hide()
