"""Lead detail for staff: edit the contact, re-tag (override beside the computed tag), discard with a
reason or reinstate. Every change goes through StaffService, which bumps the lead's version."""
from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ColorProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.app import theme
from kiosk.app.flow import local_time
from kiosk.app.screens.contact import FIELDS
from kiosk.app.staff import StaffError
from kiosk.app.widgets import KField
from kiosk.errors import KioskError


class LeadScreen(Screen):
    lead_id = StringProperty("")
    title_text = StringProperty("")
    captured_text = StringProperty("")
    tag_text = StringProperty("")
    tag_color = ColorProperty(theme.TAG_COLORS["nurture"])
    override_text = StringProperty("")
    raw_text = StringProperty("")
    discarded = BooleanProperty(False)
    discard_text = StringProperty("")
    message = StringProperty("")
    message_is_error = BooleanProperty(False)
    inputs = DictProperty({})
    fields = ObjectProperty(None)
    scroll = ObjectProperty(None)
    keyboard = ObjectProperty(None)
    reasons_box = ObjectProperty(None)
    discard_reason = ObjectProperty(None)

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        self._labels = {}
        for key, tkey in FIELDS:
            box = Factory.FieldBox()
            label = Factory.KMuted(text=app.tr(tkey))
            self._labels[key] = (label, tkey)
            box.add_widget(label)
            field = KField(key=key)
            field.bind(focus=self.on_field_focus)
            box.add_widget(field)
            self.fields.add_widget(box)
            self.inputs[key] = field
        app.bind(lang=lambda a, _l: [lbl.__setattr__("text", a.tr(t)) for lbl, t in self._labels.values()])

    def on_field_focus(self, field: Any, focused: bool) -> None:
        if focused:
            self.keyboard.attach(field)

    def show(self, lead: dict[str, Any], message: str = "", error: bool = False) -> None:
        app = App.get_running_app()
        self.lead_id = lead["id"]
        contact = lead.get("contact") or {}
        score = lead.get("score") or {}
        name = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
        self.title_text = name or contact.get("email") or app.tr("staff.unnamed")
        if isinstance(lead.get("sealed"), dict):
            self.title_text = app.tr("keys.sealed_name")
        when = local_time(lead.get("captured_at"))
        self.captured_text = (app.tr("lead.captured", time=when, staff=lead["staff"]) if lead.get("staff")
                              else app.tr("lead.captured_nostaff", time=when))
        reasons, discard_reason = app.services.staff.reasons(lead, app.lang)
        self.discarded = bool(score.get("discarded"))
        self.discard_text = discard_reason or ""
        tag = score.get("tag") or "nurture"
        key = "discarded" if self.discarded else tag
        self.tag_text = app.tr(f"tag.{key}")
        self.tag_color = theme.TAG_COLORS.get(key, theme.TAG_COLORS["nurture"])
        override = score.get("override")
        self.override_text = app.tr("lead.override", tag=app.tr(f"tag.{score.get('computed_tag') or 'nurture'}")) \
            if override else ""
        for tkey, wid in (("hot", "t_hot"), ("warm", "t_warm"), ("nurture", "t_nurture")):
            self.ids[wid].state = "down" if override == tkey else "normal"
        self.ids.t_auto.state = "down" if not override else "normal"
        self.raw_text = contact.get("raw") or ""
        for k, field in self.inputs.items():
            field.text = str(contact.get(k) or "")
        self.discard_reason.text = ""
        self.reasons_box.clear_widgets()
        if self.discarded and discard_reason:   # said once, in the discard card below
            reasons = [r for r in reasons if discard_reason not in r]
        for line in reasons:
            self.reasons_box.add_widget(Factory.KText(text=f"•  {line}", font_size=18))
        conflicts = app.services.staff.conflicts(lead)
        if conflicts and not message:   # edited here and centrally: staff must see both values
            message, error = "\n".join(app.tr("lead.conflict", **c) for c in conflicts), True
        self.message = message
        self.message_is_error = error

    def _run(self, action: Any, ok_key: str = "") -> None:
        app = App.get_running_app()
        try:
            lead = action()
        except StaffError as exc:
            self.message, self.message_is_error = app.tr(exc.key, **exc.values), True
            return
        except KioskError as exc:
            self.message, self.message_is_error = app.tr("error.generic", error=str(exc)), True
            return
        self.keyboard.hide()
        self.show(lead, message=app.tr(ok_key) if ok_key else "")

    def retag(self, tag: str | None) -> None:
        staff = App.get_running_app().services.staff
        self._run(lambda: staff.retag(self.lead_id, tag))

    def save_contact(self) -> None:
        staff = App.get_running_app().services.staff
        values = {k: (f.text.strip() or None) for k, f in self.inputs.items()}
        self._run(lambda: staff.edit_contact(self.lead_id, values), ok_key="lead.saved")

    def discard(self) -> None:
        staff = App.get_running_app().services.staff
        self._run(lambda: staff.discard(self.lead_id, self.discard_reason.text))

    def reinstate(self) -> None:
        staff = App.get_running_app().services.staff
        self._run(lambda: staff.reinstate(self.lead_id))

    def on_leave(self, *_: Any) -> None:
        self.keyboard.hide()
