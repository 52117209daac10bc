"""The in-memory form: immutable objects built only by the loader after full validation, so the
scoring engine and the UI never have to second-guess a field."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from forms.text import Text

KINDS = ("single", "multi", "yesno", "scale", "text")
TAGS = ("hot", "warm", "nurture")
SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True)
class Option:
    """One answer a visitor can pick. ``short`` is the plain words used in score reasons, in the
    form's first language; ``shorts`` the same per language (None: ``short`` in every language)."""

    id: str
    label: Text
    points: int | float = 0
    short: str = ""
    shorts: Text | None = None

    def short_in(self, language: str | None) -> str:
        return self.shorts[language] if language is not None and self.shorts else self.short


@dataclass(frozen=True)
class Condition:
    """A test on one answer; used by ``show_if``, must-have rules and disqualifiers alike, so
    marketers learn one syntax. One operator is set (``at_least`` with ``at_most`` make a range)."""

    question: str
    in_: frozenset[str] | None = None
    not_in: frozenset[str] | None = None
    at_least: int | None = None
    at_most: int | None = None
    answered: bool | None = None

    def holds(self, selected: list[str] | None) -> bool:
        """``selected`` is the answer as option ids (None = unanswered or hidden)."""
        if self.answered is not None:
            return (selected is not None) == self.answered
        if selected is None:
            return False
        if self.in_ is not None:
            return any(s in self.in_ for s in selected)
        if self.not_in is not None:
            return not any(s in self.not_in for s in selected)
        value = int(selected[0])
        low = self.at_least if self.at_least is not None else SCALE_MIN
        high = self.at_most if self.at_most is not None else SCALE_MAX
        return low <= value <= high


@dataclass(frozen=True)
class Rule:
    """A must-have rule (``text`` = what it requires, e.g. "timing within 6 months") or a
    disqualifier (``text`` = the discard reason sales will read). ``text`` is in the form's first
    language, ``texts`` per language (None: ``text`` in every language)."""

    condition: Condition
    text: str
    texts: Text | None = None

    def text_in(self, language: str | None) -> str:
        return self.texts[language] if language is not None and self.texts else self.text


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    label: Text
    help: Text
    options: tuple[Option, ...] = ()
    required: bool = False
    show_if: tuple[Condition, ...] = ()
    short: str = ""
    max_length: int | None = None
    low: Text | None = None    # scale: words under 1
    high: Text | None = None   # scale: words under 5
    shorts: Text | None = None  # ``short`` per language (None: ``short`` in every language)

    def short_in(self, language: str | None) -> str:
        return self.shorts[language] if language is not None and self.shorts else self.short

    def option(self, option_id: str) -> Option | None:
        for opt in self.options:
            if opt.id == option_id:
                return opt
        return None

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def selected(self, value: Any) -> list[str]:
        """The answer as option ids (yes/no as ``yes``/``no``, scale as ``"1"``..``"5"``)."""
        if self.kind == "single":
            return [value]
        if self.kind == "multi":
            return list(value)
        if self.kind == "yesno":
            return ["yes" if value else "no"]
        if self.kind == "scale":
            return [str(value)]
        return [] if value in (None, "") else ["text"]


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Consent:
    """The exact text shown and its version, stored with every lead as proof of what was agreed."""

    text: Text
    version: str


@dataclass(frozen=True)
class Scoring:
    hot: int | float
    warm: int | float
    hot_requires: tuple[Rule, ...] = ()
    warm_requires: tuple[Rule, ...] = ()
    disqualifiers: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Form:
    id: str
    version: str
    languages: tuple[str, ...]
    title: Text
    sections: tuple[Section, ...]
    consent: Consent
    scoring: Scoring
    source: str = "<form>"
    _by_id: Mapping[str, Question] = field(default_factory=dict, repr=False, compare=False)

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def visible_questions(self, answers: Mapping[str, Any]) -> list[Question]:
        """Questions to show given the answers so far, in form order. A question whose condition
        names a hidden question is hidden too (its answer would be dropped)."""
        from forms.answers import visible_selection

        return [q for q in self.questions if q.id in visible_selection(self, answers)[0]]

    def max_points(self) -> int | float:
        """The most points any answer set can reach (ignoring conditions): used to warn when a
        threshold cannot be reached."""
        total: int | float = 0
        for q in self.questions:
            pts = [o.points for o in q.options]
            if not pts:
                continue
            if q.kind == "multi":
                total += sum(p for p in pts if p > 0)
            else:
                total += max(max(pts), 0)
        return total

    def warnings(self) -> list[str]:
        """Legal but probably unintended things a marketer should look at (shown by ``form check``)."""
        out = []
        top = self.max_points()
        if self.scoring.hot > top:
            out.append(f"hot threshold {self.scoring.hot} cannot be reached: at most {top} points")
        if self.scoring.warm > top:
            out.append(f"warm threshold {self.scoring.warm} cannot be reached: at most {top} points")
        return out

    def label(self, key: str, lang: str) -> str:
        """Translation helper for the UI. Keys: ``title``, ``consent``, ``<section id>`` (section
        title, when not also a question id), ``<question>``, ``<question>.help``,
        ``<question>.<option>``, ``<question>.low``/``.high``; unknown keys return the key itself
        so a typo shows up on screen instead of crashing the kiosk."""
        if key == "title":
            return self.title[lang]
        if key == "consent":
            return self.consent.text[lang]
        head, _, tail = key.partition(".")
        q = self.question(head)
        if q is None:
            for s in self.sections:
                if s.id == head and not tail:
                    return s.title[lang]
            return key
        if not tail:
            return q.label[lang]
        if tail == "help":
            return q.help[lang]
        if tail in ("low", "high") and q.kind == "scale":
            t = q.low if tail == "low" else q.high
            return t[lang] if t else ""
        opt = q.option(tail)
        return opt.label[lang] if opt else key
