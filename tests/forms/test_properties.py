"""Property-based tests (hypothesis) over random point tables, thresholds and answer sets: the
tag is monotonic in points and always exactly one of hot/warm/nurture."""
from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import TAGS, AnswerError, Form, default_form_path, score
from forms.schema import build_form

RANK = {"nurture": 0, "warm": 1, "hot": 2}
SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _base_docs() -> list[dict]:
    from pathlib import Path

    kinds = Path(__file__).with_name("kinds.yaml").read_text(encoding="utf-8")
    return [yaml.safe_load(default_form_path().read_text(encoding="utf-8")), yaml.safe_load(kinds)]


BASES = _base_docs()
points = st.integers(min_value=-20, max_value=40)


def _point_slots(doc: dict) -> list[tuple[int, int, str, object]]:
    """Every place a point value lives: (section, question, 'options'|'points', key)."""
    slots = []
    for si, s in enumerate(doc["sections"]):
        for qi, q in enumerate(s["questions"]):
            if "options" in q:
                slots += [(si, qi, "options", oi) for oi in range(len(q["options"]))]
            elif q["kind"] == "yesno":
                slots += [(si, qi, "points", k) for k in (True, False)]
            elif q["kind"] == "scale":
                slots += [(si, qi, "points", k) for k in range(1, 6)]
    return slots


def _set_points(doc: dict, slot, value: int) -> None:  # type: ignore[no-untyped-def]
    si, qi, where, key = slot
    q = doc["sections"][si]["questions"][qi]
    if where == "options":
        q["options"][key]["points"] = value
    else:
        q.setdefault("points", {})[key] = value


@st.composite
def forms_and_answers(draw):  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for slot in _point_slots(doc):
        _set_points(doc, slot, draw(points))
    warm = draw(st.integers(-10, 80))
    hot = draw(st.integers(warm, 120))
    doc["scoring"]["thresholds"] = {"hot": hot, "warm": warm}
    form = build_form(copy.deepcopy(doc), "generated")  # full validation, without re-parsing YAML
    answers: dict = {"consent": draw(st.booleans())}
    for q in form.questions:
        if not q.required and draw(st.booleans()):
            continue  # optional and left out (hidden ones answered anyway get dropped)
        if q.kind == "single":
            answers[q.id] = draw(st.sampled_from(q.option_ids))
        elif q.kind == "multi":
            answers[q.id] = draw(st.lists(st.sampled_from(q.option_ids), unique=True))
        elif q.kind == "yesno":
            answers[q.id] = draw(st.booleans())
        elif q.kind == "scale":
            answers[q.id] = draw(st.integers(1, 5))
        else:
            answers[q.id] = draw(st.text(max_size=q.max_length or 20))
    return doc, form, answers


def _oracle_points(form: Form, accepted: dict) -> int:
    total = 0
    for qid, value in accepted.items():
        q = form.question(qid)
        total += sum(q.option(o).points for o in q.selected(value) if q.option(o))
    return total


@SETTINGS
@given(forms_and_answers(), st.sampled_from([None, *TAGS]))
def test_every_valid_answer_set_gets_exactly_one_tag(case, override) -> None:  # type: ignore[no-untyped-def]
    _doc, form, answers = case
    r = score(form, answers, override=override)
    sel = {qid: form.question(qid).selected(v) for qid, v in r.answers.items()}
    sc = form.scoring
    hot = r.score >= sc.hot and all(x.condition.holds(sel.get(x.condition.question)) for x in sc.hot_requires)
    warm = (not hot and r.score >= sc.warm
            and all(x.condition.holds(sel.get(x.condition.question)) for x in sc.warm_requires))
    nurture = not hot and not warm
    assert [hot, warm, nurture].count(True) == 1
    assert r.computed_tag == ("hot" if hot else "warm" if warm else "nurture")
    assert r.tag == (override or r.computed_tag) and r.tag in TAGS
    assert r.score == _oracle_points(form, r.answers)
    assert set(r.answers) | set(r.dropped_ids) <= set(answers) - {"consent"}


@SETTINGS
@given(forms_and_answers(), st.integers(0, 60), st.data())
def test_raising_the_points_of_a_given_answer_never_lowers_the_tag(case, raise_by, data) -> None:  # type: ignore[no-untyped-def]
    doc, form, answers = case
    before = score(form, answers)
    chosen = [(qid, oid) for qid, v in before.answers.items()
              for oid in form.question(qid).selected(v) if form.question(qid).option(oid)]
    if not chosen:
        return
    qid, oid = data.draw(st.sampled_from(chosen))
    for slot in _point_slots(doc):
        si, qi, where, key = slot
        q = doc["sections"][si]["questions"][qi]
        if q["id"] != qid:
            continue
        slot_id = (q["options"][key]["id"] if where == "options"
                   else ("yes" if key is True else "no") if q["kind"] == "yesno" else str(key))
        if slot_id == oid:
            old = form.question(qid).option(oid).points
            _set_points(doc, slot, old + raise_by)
    raised = build_form(copy.deepcopy(doc), "raised")
    after = score(raised, answers)
    assert after.score == before.score + raise_by
    assert RANK[after.computed_tag] >= RANK[before.computed_tag], (before.reasons, after.reasons)


@SETTINGS
@given(forms_and_answers(), st.data())
def test_a_wrong_answer_is_always_named(case, data) -> None:  # type: ignore[no-untyped-def]
    _doc, form, answers = case
    visible = form.visible_questions(answers)
    q = data.draw(st.sampled_from(visible))
    bad = {"single": "no_such_option", "multi": ["no_such_option"], "yesno": "maybe",
           "scale": 9, "text": 12}[q.kind]
    answers = dict(answers, **{q.id: bad})
    with pytest.raises(AnswerError) as info:
        score(form, answers)
    assert q.id in info.value.problems
