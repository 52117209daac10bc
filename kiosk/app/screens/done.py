"""Done screen (tag and reasons for staff, a thank-you for visitors) and the duplicate question."""
from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ColorProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.app import theme


class DoneScreen(Screen):
    staffed = BooleanProperty(True)
    updated = BooleanProperty(False)
    tag_text = StringProperty("")
    score_text = StringProperty("")
    tag_color = ColorProperty(theme.TAG_COLORS["nurture"])
    reasons_box = ObjectProperty(None)

    def load(self, lead: dict[str, Any] | None, staffed: bool, updated: bool) -> None:
        """Self-serve never receives the tag at all: the labels are emptied, not just hidden."""
        app = App.get_running_app()
        self.staffed = staffed
        self.updated = updated
        self.reasons_box.clear_widgets()
        if not staffed or not lead:
            self.tag_text = self.score_text = ""
            return
        score = lead.get("score") or {}
        tag = score.get("tag") or "nurture"
        discarded = bool(score.get("discarded"))
        self.tag_text = app.tr("tag.discarded") if discarded else app.tr(f"tag.{tag}")
        self.tag_color = theme.TAG_COLORS["discarded" if discarded else tag] if (
            discarded or tag in theme.TAG_COLORS) else theme.TAG_COLORS["nurture"]
        self.score_text = app.tr("done.score", score=score.get("score", 0))
        lines, discard_reason = app.services.flow.reasons(lead, app.lang)
        if discarded:
            lines.insert(0, app.tr("done.discarded", reason=discard_reason or ""))
        for line in lines:
            self.reasons_box.add_widget(Factory.KText(text=f"•  {line}", font_size=19))


class DuplicateScreen(Screen):
    message = StringProperty("")
    who = StringProperty("")
