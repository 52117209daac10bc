"""Qualify screen: one form section per step, drawn from the form definition.

The widgets mirror ``CaptureFlow`` (the step, the visible questions, the answers); a tap only calls
``flow.answer``. Cards are rebuilt when the set of visible questions changes, which is how a
conditional question appears the moment its condition is met.
"""
from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen

from kiosk.app import theme
from kiosk.app.form_view import QuestionView
from kiosk.app.widgets import KField, KToggle


class QualifyScreen(Screen):
    step_title = StringProperty("")
    step_no = NumericProperty(1)
    step_count = NumericProperty(1)
    last_step = BooleanProperty(False)
    error = StringProperty("")
    questions = ObjectProperty(None)
    scroll = ObjectProperty(None)
    keyboard = ObjectProperty(None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Any, ...] = ()
        self.toggles: dict[str, list[KToggle]] = {}
        self.text_fields: dict[str, KField] = {}

    # --- drawing ---------------------------------------------------------------------------------
    def refresh(self, flow: Any, force: bool = False) -> None:
        app = App.get_running_app()
        steps = flow.steps()
        step = steps[flow.step]
        visible = tuple(flow.visible_questions())
        key = (flow.step, step.is_consent, visible, app.lang)
        self.step_no = flow.step + 1
        self.step_count = len(steps)
        self.last_step = flow.step == len(steps) - 1
        self.step_title = app.tr("qualify.consent_title") if step.is_consent else step.title
        if force or key != self._shown:
            new_step = not self._shown or self._shown[0] != flow.step
            self._shown = key
            self._build(flow, step, visible, to_top=new_step)
        self._sync_states(flow)

    def _build(self, flow: Any, step: Any, visible: tuple[str, ...], to_top: bool = True) -> None:
        app = App.get_running_app()
        self.keyboard.hide()
        self.questions.clear_widgets()
        self.toggles = {}
        self.text_fields = {}
        accent = app.brand
        if step.is_consent:
            card = Factory.QuestionCard()
            card.add_widget(Factory.KText(text=flow.form_view.consent_text(app.lang), font_size=20))
            row = GridLayout(cols=1 if app.portrait else 2, spacing=10, size_hint_y=None)
            row.bind(minimum_height=row.setter("height"))
            buttons = []
            for value, tkey in ((True, "qualify.consent_yes"), (False, "qualify.consent_no")):
                btn = KToggle(text=app.tr(tkey), value=value, accent=accent, group=f"q-consent-{id(card)}",
                              allow_no_selection=False, height=64)
                btn.bind(on_release=lambda b: self._choose("consent", b.value))
                row.add_widget(btn)
                buttons.append(btn)
            self.toggles["consent"] = buttons
            card.add_widget(row)
            self.questions.add_widget(card)
        else:
            for qid in visible:
                self.questions.add_widget(self._card(flow.form_view.question(qid, app.lang), accent))
        if to_top:  # a question appearing mid-step must not jump the visitor back to the top
            self.scroll.scroll_y = 1

    def _card(self, q: QuestionView, accent: Any) -> Any:
        app = App.get_running_app()
        card = Factory.QuestionCard()
        label = q.label + ("" if q.required else "")
        card.add_widget(Factory.KText(text=label, bold=True, font_size=22))
        if q.help:
            card.add_widget(Factory.KMuted(text=q.help))
        if q.kind == "text":
            field = KField(key=q.id, multiline=False)
            field.bind(focus=self._on_focus, text=lambda f, t: self._text_answer(f.key, t))
            self.text_fields[q.id] = field
            card.add_widget(field)
            return card
        if q.kind == "yesno":
            choices = [(True, app.tr("nav.yes")), (False, app.tr("nav.no"))]
        elif q.kind == "scale":
            choices = [(n, str(n)) for n in range(1, 6)]
        else:
            choices = [(o.id, o.label) for o in q.options]
        cols = len(choices) if q.kind in ("scale", "yesno") else (1 if app.portrait else 2)
        grid = GridLayout(cols=cols, spacing=10, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        buttons = []
        for value, text in choices:
            btn = KToggle(text=text, value=value, accent=accent)
            if q.kind != "multi":
                btn.group = f"q-{q.id}-{id(card)}"
            btn.bind(on_release=lambda b, qid=q.id, kind=q.kind: self._toggle(qid, kind, b))
            grid.add_widget(btn)
            buttons.append(btn)
        self.toggles[q.id] = buttons
        card.add_widget(grid)
        return card

    def _sync_states(self, flow: Any) -> None:
        for qid, buttons in self.toggles.items():
            current = flow.answers.get(qid)
            for btn in buttons:
                chosen = (btn.value in current) if isinstance(current, list) else (
                    current is not None and btn.value == current and type(btn.value) is type(current))
                btn.state = "down" if chosen else "normal"
        for qid, field in self.text_fields.items():
            value = str(flow.answers.get(qid) or "")
            if field.text != value:
                field.text = value

    # --- input -----------------------------------------------------------------------------------
    def _toggle(self, qid: str, kind: str, btn: KToggle) -> None:
        app = App.get_running_app()
        flow = app.flow
        if kind == "multi":
            current = list(flow.answers.get(qid) or [])
            if btn.value in current:
                current.remove(btn.value)
            else:
                current.append(btn.value)
            self._choose(qid, current)
        else:
            self._choose(qid, btn.value)

    def _choose(self, qid: str, value: Any) -> None:
        self.error = ""
        App.get_running_app().answer(qid, value)

    def _text_answer(self, qid: str, text: str) -> None:
        App.get_running_app().answer(qid, text)

    def _on_focus(self, field: KField, focused: bool) -> None:
        if focused:
            App.get_running_app().activity()
            self.keyboard.attach(field)

    def go_next(self) -> None:
        App.get_running_app().flow_next()

    def go_back(self) -> None:
        App.get_running_app().flow_back()

    def on_leave(self, *_: Any) -> None:
        self.keyboard.hide()


_ = theme
