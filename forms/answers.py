"""Checking visitor answers against a form. Every offending question is collected before raising,
so a kiosk or an import script can fix all of them in one go."""
from __future__ import annotations

from typing import Any, Mapping

from forms.errors import AnswerError
from forms.model import SCALE_MAX, SCALE_MIN, Form, Question

CONSENT_KEY = "consent"


def _ids(q: Question) -> str:
    return ", ".join(q.option_ids)


def check_value(q: Question, value: Any) -> str | None:
    """Why ``value`` is not a valid answer to ``q``, or None if it is."""
    if q.kind == "single":
        if not isinstance(value, str):
            return f"expected one option id (one of: {_ids(q)}), got {type(value).__name__}"
        if q.option(value) is None:
            return f"unknown option {value!r}; expected one of: {_ids(q)}"
    elif q.kind == "multi":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return f"expected a list of option ids (from: {_ids(q)})"
        unknown = [v for v in value if q.option(v) is None]
        if unknown:
            return f"unknown option(s) {', '.join(map(repr, unknown))}; expected some of: {_ids(q)}"
        if len(set(value)) != len(value):
            return "an option is listed twice"
    elif q.kind == "yesno":
        if not isinstance(value, bool):
            return f"expected true or false, got {value!r}"
    elif q.kind == "scale":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number {SCALE_MIN}-{SCALE_MAX}, got {value!r}"
        if not SCALE_MIN <= value <= SCALE_MAX:
            return f"expected a whole number {SCALE_MIN}-{SCALE_MAX}, got {value}"
    elif q.kind == "text":
        if not isinstance(value, str):
            return f"expected text, got {type(value).__name__}"
        if q.max_length is not None and len(value) > q.max_length:
            return f"text is {len(value)} characters; at most {q.max_length} allowed"
    return None


def is_empty(q: Question, value: Any) -> bool:
    """Unanswered: None, or an empty list / blank text (what a UI sends for "nothing picked")."""
    if value is None:
        return True
    if q.kind == "multi" and isinstance(value, (list, tuple)) and not value:
        return True
    return q.kind == "text" and isinstance(value, str) and not value.strip()


def visible_selection(form: Form, answers: Mapping[str, Any]
                      ) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    """One pass in form order (conditions only name earlier questions): returns the visible
    question ids, the valid visible answers as option ids, and why invalid visible answers are
    invalid. Never raises, so the UI can call it on half-filled answers."""
    visible: list[str] = []
    selected: dict[str, list[str]] = {}
    bad: dict[str, str] = {}
    for q in form.questions:
        if not all(c.holds(selected.get(c.question)) for c in q.show_if):
            continue
        visible.append(q.id)
        value = answers.get(q.id)
        if is_empty(q, value):
            continue
        why = check_value(q, value)
        if why:
            bad[q.id] = why
        else:
            selected[q.id] = q.selected(value)
    return visible, selected, bad


def validate_answers(form: Form, answers: Mapping[str, Any], require_consent: bool = True
                     ) -> tuple[dict[str, Any], list[str], bool | None]:
    """Returns (accepted answers, ids dropped because hidden, consent) or raises AnswerError naming
    every offending question. Hidden answers are dropped unchecked: the UI may keep a stale answer
    after the visitor changed an earlier one, and that is not the visitor's mistake."""
    if not isinstance(answers, Mapping):
        raise AnswerError({"(answers)": f"expected an object of question id -> answer, got {type(answers).__name__}"})
    problems: dict[str, str] = {}
    known = {q.id for q in form.questions}
    for key in answers:
        if key != CONSENT_KEY and key not in known:
            problems[str(key)] = f"unknown question; this form ({form.id} {form.version}) asks: {', '.join(q.id for q in form.questions)}"
    visible, _selected, bad = visible_selection(form, answers)
    problems.update(bad)
    shown = set(visible)
    accepted: dict[str, Any] = {}
    dropped: list[str] = []
    for q in form.questions:
        value = answers.get(q.id)
        if q.id not in shown:
            if q.id in answers and not is_empty(q, value):
                dropped.append(q.id)
            continue
        if is_empty(q, value):
            if q.required:
                problems[q.id] = "required answer missing"
            continue
        if q.id not in bad:
            accepted[q.id] = list(value) if q.kind == "multi" else value
    consent = answers.get(CONSENT_KEY)
    if consent is None:
        if require_consent:
            problems[CONSENT_KEY] = ("required: the visitor must answer the consent question "
                                     "(true or false) before the lead can be saved")
    elif not isinstance(consent, bool):
        problems[CONSENT_KEY] = f"expected true or false, got {consent!r}"
    if problems:
        raise AnswerError(problems)
    return accepted, dropped, consent
