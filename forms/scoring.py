"""The scoring engine: a pure function from (form, answers) to an explainable result. Runs
offline on the kiosk, on import, and again on central when a form is recalibrated, so it must give
the same answer everywhere and say why in words sales can read."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from forms.answers import validate_answers
from forms.errors import AnswerError
from forms.model import TAGS, Form, Question, Rule


def _num(n: int | float) -> int | float:
    return int(n) if isinstance(n, float) and n.is_integer() else n


def _signed(n: int | float) -> str:
    n = _num(n)
    return f"+{n}" if n >= 0 else f"{n}"


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


def _answer_words(q: Question | None, selected: list[str] | None, shown: bool) -> str:
    if q is None or not shown:
        return "not asked"
    if selected is None:
        return "not answered"
    words = []
    for oid in selected:
        opt = q.option(oid)
        words.append(opt.short if opt else oid)
    return ", ".join(words) if words else "none picked"


def score(form: Form, answers: Mapping[str, Any], override: str | None = None, *,
          require_consent: bool = True) -> ScoreResult:
    """Score one lead. Raises AnswerError naming every offending question, including a missing
    ``consent`` answer unless ``require_consent=False`` (re-scoring stored leads whose consent is
    kept outside the answers)."""
    if override is not None and override not in TAGS:
        raise AnswerError({"override": f"expected one of {', '.join(TAGS)} or null, got {override!r}"})
    accepted, dropped, consent = validate_answers(form, answers, require_consent)
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
            reasons.append(f"{q.short} {opt.short} {_signed(opt.points)}")
    total = _num(total)

    def failing(rules: tuple[Rule, ...]) -> list[Rule]:
        return [r for r in rules if not r.condition.holds(selected.get(r.condition.question))]

    def explain(tag: str, rules: list[Rule]) -> None:
        for r in rules:
            qid = r.condition.question
            words = _answer_words(form.question(qid), selected.get(qid), qid in visible)
            reasons.append(f"{tag} needs {r.text}: {words} does not qualify")

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
    reasons.append(f"{total} points: {computed} (warm from {_num(sc.warm)}, hot from {_num(sc.hot)})")

    hits = [r for r in sc.disqualifiers if r.condition.holds(selected.get(r.condition.question))]
    for r in hits:
        reasons.append(f"discarded: {r.text} (kept, a field marketer can reinstate it)")
    if override is not None and override != computed:
        reasons.append(f"staff set the tag to {override} (the form computed {computed})")
    return ScoreResult(
        score=total, computed_tag=computed, override=override, discarded=bool(hits),
        discard_reason=hits[0].text if hits else None, reasons=tuple(reasons),
        dropped=tuple(f"{qid} hidden by its condition" for qid in dropped),
        form_id=form.id, form_version=form.version, answers=accepted, consent=consent,
        consent_version=form.consent.version)
