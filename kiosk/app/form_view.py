"""A thin, read-only view of a ``forms.Form`` in the shapes the screens draw.

The qualify screen needs the same few things for every question (kind, label in the current
language, options, required); reading them here, in one place, keeps the screens free of the form
model's details and lets a wording or attribute change in ``forms/`` be absorbed once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

# Question kinds as the screens know them; the form file may spell them a few ways.
_KIND_ALIASES = {
    "single": "single", "single_choice": "single", "choice": "single", "radio": "single",
    "multi": "multi", "multiple": "multi", "multiple_choice": "multi", "multi_choice": "multi",
    "checkbox": "multi",
    "yes_no": "yesno", "yesno": "yesno", "boolean": "yesno", "bool": "yesno",
    "scale": "scale", "scale_1_5": "scale", "rating": "scale",
    "text": "text", "short_text": "text", "string": "text",
}


def localized(value: Any, lang: str) -> str:
    """Text in ``lang`` from a plain string or a ``{lang: text}`` mapping, falling back to English,
    then to any language, so a half-translated form still shows words."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for key in (lang, "en"):
            if value.get(key):
                return str(value[key])
        for text in value.values():
            if text:
                return str(text)
        return ""
    getter = getattr(value, "get", None)
    if callable(getter):
        text = getter(lang) or getter("en")
        if text:
            return str(text)
    return str(value)


@dataclass(frozen=True)
class OptionView:
    id: str
    label: str


@dataclass(frozen=True)
class QuestionView:
    id: str
    kind: str               # single | multi | yesno | scale | text
    label: str
    help: str
    required: bool
    options: tuple[OptionView, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StepView:
    title: str
    question_ids: tuple[str, ...]
    is_consent: bool = False


def question_kind(question: Any) -> str:
    raw = str(getattr(question, "kind", "") or getattr(question, "type", "")).lower()
    kind = _KIND_ALIASES.get(raw)
    if kind is None:
        raise ValueError(f"question {getattr(question, 'id', '?')!r}: unknown kind {raw!r}")
    return kind


def _option(opt: Any, lang: str) -> OptionView:
    if isinstance(opt, (tuple, list)):
        return OptionView(str(opt[0]), localized(opt[1], lang) if len(opt) > 1 else str(opt[0]))
    return OptionView(str(getattr(opt, "id")), localized(getattr(opt, "label", getattr(opt, "id")), lang))


def question_view(question: Any, lang: str) -> QuestionView:
    return QuestionView(
        id=str(question.id),
        kind=question_kind(question),
        label=localized(getattr(question, "label", question.id), lang),
        help=localized(getattr(question, "help", None), lang),
        required=bool(getattr(question, "required", False)),
        options=tuple(_option(o, lang) for o in (getattr(question, "options", None) or ())),
    )


class FormView:
    """The steps of a form: one per section, then one for consent."""

    def __init__(self, form: Any) -> None:
        self.form = form
        self._questions = {str(q.id): q for s in form.sections for q in s.questions}

    def steps(self, lang: str) -> list[StepView]:
        steps = []
        for i, section in enumerate(self.form.sections):
            title = localized(getattr(section, "title", None) or getattr(section, "label", None), lang)
            steps.append(StepView(title or f"{i + 1}", tuple(str(q.id) for q in section.questions)))
        steps.append(StepView("", (), is_consent=True))
        return steps

    def question(self, qid: str, lang: str) -> QuestionView:
        return question_view(self._questions[qid], lang)

    def visible_ids(self, answers: Mapping[str, Any]) -> set[str]:
        return {str(q.id) for q in self.form.visible_questions(dict(answers))}

    def visible_in_step(self, step: StepView, answers: Mapping[str, Any]) -> list[str]:
        visible = self.visible_ids(answers)
        return [qid for qid in step.question_ids if qid in visible]

    def consent_text(self, lang: str) -> str:
        return localized(getattr(self.form.consent, "text", ""), lang)

    def consent_version(self) -> str:
        return str(getattr(self.form.consent, "version", ""))
