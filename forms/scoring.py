"""The scoring engine: a pure function from (form, answers) to an explainable result. Runs
offline on the kiosk, on import, and again on central when a form is recalibrated, so it must give
the same answer everywhere and say why in words sales can read."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from forms.answers import validate_answers
from forms.errors import AnswerError
from forms.model import TAGS, Form, Question, Rule
from forms.wording import number, templates


def _num(n: int | float) -> int | float:
    return int(n) if isinstance(n, float) and n.is_integer() else n


@dataclass(frozen=True)
class ScoreResult:
    """``tag`` is the override when staff set one, else the computed tag; both are kept so a
    report can show where staff disagreed with the form."""

    score: int | float
    computed_tag: str
    override: str | None
    discarded: bool
    discard_reason: str | None
    reasons: tuple[str, ...]
    dropped: tuple[str, ...]
    form_id: str
    form_version: str
    answers: dict[str, Any] = field(default_factory=dict)   # accepted answers (hidden ones dropped)
    consent: bool | None = None
    consent_version: str = ""

    @property
    def tag(self) -> str:
        return self.override or self.computed_tag

    @property
    def dropped_ids(self) -> list[str]:
        return [d.split(" ", 1)[0] for d in self.dropped]

    def to_dict(self) -> dict[str, Any]:
        """The ``score`` object of the lead record (ARCHITECTURE.md)."""
        return {"score": self.score, "tag": self.tag, "computed_tag": self.computed_tag,
                "override": self.override, "discarded": self.discarded,
                "discard_reason": self.discard_reason, "reasons": list(self.reasons),
                "dropped": list(self.dropped), "form_id": self.form_id,
                "form_version": self.form_version}


def _answer_words(q: Question | None, selected: list[str] | None, shown: bool, lang: str,
                  t: Mapping[str, str]) -> str:
    if q is None or not shown:
        return t["not_asked"]
    if selected is None:
        return t["not_answered"]
    words = []
    for oid in selected:
        opt = q.option(oid)
        words.append(opt.short_in(lang) if opt else oid)
    return ", ".join(words) if words else t["none_picked"]


def reason_language(form: Form, language: str | None) -> str:
    """The language reasons are written in: ``language`` when the form has it, else the form's
    first language (what stored leads and CRMs get, so the default never changes under them)."""
    return language if language in form.languages else form.languages[0]


def score(form: Form, answers: Mapping[str, Any], override: str | None = None, *,
          require_consent: bool = True, language: str | None = None) -> ScoreResult:
    """Score one lead. Raises AnswerError naming every offending question, including a missing
    ``consent`` answer unless ``require_consent=False`` (re-scoring stored leads whose consent is
    kept outside the answers). ``reasons`` and ``discard_reason`` are worded in ``language``
    (default and fallback: the form's first language); only words change with it, never numbers
    or tags, so a screen can re-score a stored lead to explain it in the reader's language."""
    if override is not None and override not in TAGS:
        raise AnswerError({"override": f"expected one of {', '.join(TAGS)} or null, got {override!r}"})
    accepted, dropped, consent = validate_answers(form, answers, require_consent)
    lang = reason_language(form, language)
    t = templates(lang, form.languages[0])
    selected = {qid: form.question(qid).selected(v) for qid, v in accepted.items()}  # type: ignore[union-attr]
    visible = {q.id for q in form.visible_questions(accepted)}

    reasons: list[str] = []
    total: int | float = 0
    for q in form.questions:
        for oid in selected.get(q.id, ()):
            opt = q.option(oid)
            if opt is None or opt.points == 0:
                continue
            total += opt.points
            reasons.append(t["points"].format(q=q.short_in(lang), o=opt.short_in(lang),
                                              points=number(opt.points, lang, form.languages[0], signed=True)))
    total = _num(total)

    def failing(rules: tuple[Rule, ...]) -> list[Rule]:
        return [r for r in rules if not r.condition.holds(selected.get(r.condition.question))]

    def explain(tag: str, rules: list[Rule]) -> None:
        for r in rules:
            qid = r.condition.question
            words = _answer_words(form.question(qid), selected.get(qid), qid in visible, lang, t)
            reasons.append(t["needs"].format(tag=t[f"tag.{tag}"], says=r.text_in(lang), words=words))

    sc = form.scoring
    hot_fail, warm_fail = failing(sc.hot_requires), failing(sc.warm_requires)
    if total >= sc.hot:
        explain("hot", hot_fail)
    if total >= sc.warm and (total < sc.hot or hot_fail):
        explain("warm", warm_fail)
    if total >= sc.hot and not hot_fail:
        computed = "hot"
    elif total >= sc.warm and not warm_fail:
        computed = "warm"
    else:
        computed = "nurture"

    def num(n: int | float) -> str:
        return number(n, lang, form.languages[0])

    reasons.append(t["total"].format(total=num(total), tag=t[f"tag.{computed}"], warm=num(sc.warm), hot=num(sc.hot)))

    hits = [r for r in sc.disqualifiers if r.condition.holds(selected.get(r.condition.question))]
    for r in hits:
        reasons.append(t["discarded"].format(reason=r.text_in(lang)))
    if override is not None and override != computed:
        reasons.append(t["override"].format(override=t[f"tag.{override}"], computed=t[f"tag.{computed}"]))
    return ScoreResult(
        score=total, computed_tag=computed, override=override, discarded=bool(hits),
        discard_reason=hits[0].text_in(lang) if hits else None, reasons=tuple(reasons),
        dropped=tuple(f"{qid} hidden by its condition" for qid in dropped),
        form_id=form.id, form_version=form.version, answers=accepted, consent=consent,
        consent_version=form.consent.version)
