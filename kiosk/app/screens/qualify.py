"""Qualify screen: one form section per step, drawn from the form definition.

The widgets mirror ``CaptureFlow`` (the step, the visible questions, the answers); a tap only calls
``flow.answer``. Cards are rebuilt when the set of visible questions changes, which is how a
conditional question appears the moment its condition is met.
"""
from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen

from kiosk.app import theme
from kiosk.app.form_view import QuestionView
from kiosk.app.widgets import KField, KToggle, option_columns

AUTO_ADVANCE_S = 0.35   # long enough to see the chosen answer light up before the next step slides in


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
        self.cards: dict[str, Any] = {}
        self._advance: Any = None

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
            before = set(self._shown[2]) if self._shown and not new_step else set(visible)
            self._shown = key
            self._build(flow, step, visible, to_top=new_step)
            revealed = [qid for qid in visible if qid not in before]
            if revealed:   # a question its condition just revealed comes into view, whole
                Clock.schedule_once(lambda _dt, q=revealed[-1]: self.show_question(q, first=revealed[0]), 0)
        self._sync_states(flow)

    def _build(self, flow: Any, step: Any, visible: tuple[str, ...], to_top: bool = True) -> None:
        app = App.get_running_app()
        self.keyboard.hide()
        self.questions.clear_widgets()
        self.toggles = {}
        self.text_fields = {}
        self.cards = {}
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
                self.cards[qid] = self._card(flow.form_view.question(qid, app.lang), accent)
                self.questions.add_widget(self.cards[qid])
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
        width = (self.scroll.width if self.scroll.width > 100 else Window.width) - 2 * 16 - 2 * 16 - 8
        cols = option_columns([t for _v, t in choices], width, app.portrait, one_row=q.kind in ("scale", "yesno"))
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
        app = App.get_running_app()
        app.answer(qid, value)
        if app.flow.step_done_by_choice():   # the step's last one-tap answer: on to the next step
            self._cancel_advance()
            step = app.flow.step
            self._advance = Clock.schedule_once(lambda _dt: self._auto_next(step), AUTO_ADVANCE_S)

    def _auto_next(self, step: int) -> None:
        self._advance = None
        app = App.get_running_app()
        if app.flow.state == "qualify" and app.flow.step == step and app.flow.step_done_by_choice():
            app.flow_next()

    def _cancel_advance(self) -> None:
        if self._advance is not None:
            self._advance.cancel()
            self._advance = None

    @property
    def advancing(self) -> bool:
        """An automatic move to the next step is pending (scripts wait for it rather than tap Next)."""
        return self._advance is not None

    def show_question(self, qid: str, first: str | None = None) -> None:
        """Scroll so the card of ``qid`` is wholly in view (from ``first``'s top if both fit), clear of
        the floating error line."""
        card = self.cards.get(qid)
        if card is None or card.parent is None or self.questions.height <= self.scroll.height:
            return   # everything is in view already (and scroll_to would push short content down)
        pad = self.ids.error.height + 20 if self.error else 12
        top_card = self.cards.get(first or qid) or card
        if top_card is not card and top_card.top - card.y + 2 * pad <= self.scroll.height:
            self.scroll.scroll_to(top_card, padding=pad, animate=False)
        self.scroll.scroll_to(card, padding=pad, animate=False)

    def show_missing(self, qids: list[str]) -> None:
        """After "please answer": bring the first unanswered question into view."""
        if qids:
            Clock.schedule_once(lambda _dt: self.show_question(qids[0]), 0)

    def _text_answer(self, qid: str, text: str) -> None:
        App.get_running_app().answer(qid, text)

    def _on_focus(self, field: KField, focused: bool) -> None:
        if focused:
            App.get_running_app().activity()
            self.keyboard.attach(field)

    def go_next(self) -> None:
        self._cancel_advance()   # a tap on Next during the pause must not skip a step
        App.get_running_app().flow_next()

    def go_back(self) -> None:
        self._cancel_advance()
        App.get_running_app().flow_back()

    def on_leave(self, *_: Any) -> None:
        self._cancel_advance()
        self.keyboard.hide()


_ = theme
