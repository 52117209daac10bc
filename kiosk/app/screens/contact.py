"""Contact screen: the parsed badge pre-filled and editable; raw text beside the fields when the
badge could not be parsed. After a photo of a card, the card's text is beside the fields and the
fields the engine was unsure of are highlighted until staff touch them (they confirm or correct)."""
from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.app import theme
from kiosk.app.flow import contact_problem
from kiosk.app.widgets import KField

FIELDS: tuple[tuple[str, str], ...] = (
    ("first_name", "contact.first_name"), ("last_name", "contact.last_name"),
    ("company", "contact.company"), ("title", "contact.title_field"),
    ("email", "contact.email"), ("phone", "contact.phone"), ("country", "contact.country"),
)
_INPUT_TYPES = {"email": "mail", "phone": "tel"}
PROBLEM_FIELD = {"contact.bad_email": "email", "contact.need_name": "first_name"}
CHECK_BELOW = 0.75   # card fields read with less confidence than this are highlighted for staff


class ContactScreen(Screen):
    raw_text = StringProperty("")
    from_card = BooleanProperty(False)
    manual = BooleanProperty(False)
    card_offered = BooleanProperty(False)   # camera live and a card reader: "Photo of a card" shows
    error = StringProperty("")
    error_key = StringProperty("")
    inputs = DictProperty({})
    fields = ObjectProperty(None)
    scroll = ObjectProperty(None)
    keyboard = ObjectProperty(None)

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        self._labels: dict[str, Label] = {}
        for key, tkey in FIELDS:
            box = Factory.FieldBox()
            label = Factory.KMuted(text=app.tr(tkey))
            field = KField(key=key, input_type=_INPUT_TYPES.get(key, "text"))
            field.bind(focus=self._on_focus, text=self._recheck)
            box.add_widget(label)
            box.add_widget(field)
            self.fields.add_widget(box)
            self.inputs[key] = field
            self._labels[key] = label
        # Photo of a card from here too (it fills the fields still empty): in the grid's free
        # cell beside the last field, so the fields keep their room above the keyboard
        box = Factory.FieldBox()
        box.add_widget(Factory.KMuted(text=""))
        self.card_button = Factory.KButton(text=app.tr("scan.card"), bg=theme.NEUTRAL_BTN, fg=theme.INK,
                                           height=56, font_size=20)
        self.card_button.bind(on_release=lambda *_: app.start_card())
        box.add_widget(self.card_button)
        self.fields.add_widget(box)
        self._card_box = box
        self.bind(card_offered=self._show_card_button)
        self._show_card_button(self, self.card_offered)
        app.bind(lang=self._relabel)

    def _show_card_button(self, _screen: Any, offered: bool) -> None:
        self.card_button.disabled = not offered
        self.card_button.opacity = 1 if offered else 0
        self._card_box.height = 90 if offered else 0

    def _relabel(self, app: Any, _lang: str) -> None:
        for key, tkey in FIELDS:
            self._labels[key].text = app.tr(tkey)
        self.card_button.text = app.tr("scan.card")

    def _recheck(self, *_: Any) -> None:
        """Clear the error line as soon as what it complained about is fixed."""
        if self.error and contact_problem(self.values()) != self.error_key:
            self.error = ""
            self.error_key = ""

    def show_problem(self) -> None:
        """After an error: the field it is about (or the one being typed in) is scrolled clear of
        the error line floating over the bottom of the fields, when it is under it."""
        Clock.schedule_once(lambda _dt: self._lift_problem_field(), 0)

    def _lift_problem_field(self) -> None:
        field = self.keyboard.target if self.keyboard.target is not None else \
            self.inputs.get(PROBLEM_FIELD.get(self.error_key, ""))
        if not self.error or field is None or field.parent is None:
            return
        clear = self.ids.error.top + 8                        # screen coordinates, as the scroll's
        bottom = self.to_widget(*field.to_window(field.x, field.y))[1]
        spare = self.fields.height - self.scroll.height
        if bottom >= clear or spare <= 0:
            return
        self.scroll.scroll_y = max(0.0, self.scroll.scroll_y - (clear - bottom) / spare)

    def doubtful(self) -> list[str]:
        """The fields still highlighted for staff to check."""
        return [key for key, field in self.inputs.items() if field.check]

    def _on_focus(self, field: KField, focused: bool) -> None:
        if focused:
            field.check = False   # staff looked at it: confirmed or corrected
            App.get_running_app().activity()
            self.keyboard.attach(field)

    def load(self, contact: dict[str, Any], confidence: dict[str, float] | None = None) -> None:
        """Fill the fields from the flow's contact (an empty dict clears a previous visitor);
        ``confidence`` (a card photo's) highlights the doubtful fields, found or not."""
        fmt = contact.get("format")
        self.manual = fmt == "manual"
        self.from_card = fmt == "card"
        raw = contact.get("raw") or ""
        self.raw_text = raw if fmt in ("unknown", "card", None) and raw else ""
        self.error = ""
        self.error_key = ""
        for key, field in self.inputs.items():
            field.text = str(contact.get(key) or "")
            field.check = self.from_card and confidence is not None and \
                float(confidence.get(key, 0.0)) < CHECK_BELOW
        self.keyboard.hide()
        if self.scroll is not None:
            self.scroll.scroll_y = 1

    def values(self) -> dict[str, str]:
        return {key: field.text for key, field in self.inputs.items()}

    def submit(self) -> None:
        App.get_running_app().submit_contact(self.values())

    def go_back(self) -> None:
        App.get_running_app().flow_back()

    def on_leave(self, *_: Any) -> None:
        self.keyboard.hide()


_ = theme
