"""The scoring engine: points per kind, conditions, must-have rules, disqualifiers, overrides,
consent, and answers that do not fit the form."""
from __future__ import annotations

import pytest

from forms import AnswerError, score


def _kinds(**answers):  # type: ignore[no-untyped-def]
    base = {"pick": "c", "consent": True}
    base.update(answers)
    return base


# ---- points per question kind ------------------------------------------------------------------
def test_single_choice_points(kinds) -> None:
    r = score(kinds, _kinds(pick="b"))
    assert r.score == 3 and "pick B +3" in r.reasons


def test_multi_choice_adds_every_pick(kinds) -> None:
    r = score(kinds, _kinds(pick="b", many=["x", "y"]))
    assert r.score == 3 + 2 + 4
    assert r.reasons[:3] == ("pick B +3", "many X +2", "many Y +4")
    assert r.answers["many"] == ["x", "y"]


def test_yes_no_points_including_negative(kinds) -> None:
    assert score(kinds, _kinds(sure=True)).score == 7
    r = score(kinds, _kinds(sure=False))
    assert r.score == -2 and "sure no -2" in r.reasons


@pytest.mark.parametrize("value,points", [(1, 0), (3, 0), (4, 5), (5, 9)])
def test_scale_points(kinds, value: int, points: int) -> None:
    r = score(kinds, _kinds(rate=value))
    assert r.score == points
    if points:
        assert f"rate {value} of 5 +{points}" in r.reasons


def test_text_is_kept_but_scores_nothing(kinds) -> None:
    r = score(kinds, _kinds(rate=4, why="great booth"))
    assert r.answers["why"] == "great booth" and r.score == 5


def test_zero_point_answers_add_no_reason(kinds) -> None:
    r = score(kinds, _kinds(pick="c"))
    assert not any(x.startswith("pick") for x in r.reasons)


# ---- conditions --------------------------------------------------------------------------------
def test_hidden_answers_are_dropped_and_reported(kinds) -> None:
    r = score(kinds, _kinds(pick="c", many=["x"], rate=2, why="meh"))
    assert r.dropped == ("many hidden by its condition", "why hidden by its condition")
    assert r.dropped_ids == ["many", "why"]
    assert "many" not in r.answers and "why" not in r.answers and r.score == 0
    assert r.to_dict()["dropped"] == list(r.dropped)


def test_hidden_answers_are_dropped_even_when_malformed(kinds) -> None:
    r = score(kinds, _kinds(pick="c", many="not a list"))
    assert r.dropped_ids == ["many"]


def test_condition_on_a_hidden_question_hides_too(kinds) -> None:
    # extra needs sure=yes AND why answered; why is hidden when rate < 4
    shown = [q.id for q in kinds.visible_questions({"pick": "a", "sure": True, "rate": 3, "why": "x"})]
    assert "why" not in shown and "extra" not in shown
    shown = [q.id for q in kinds.visible_questions({"pick": "a", "sure": True, "rate": 4, "why": "x"})]
    assert shown == ["pick", "many", "sure", "rate", "why", "extra"]


def test_required_applies_only_while_shown(kinds) -> None:
    score(kinds, _kinds(sure=False))  # extra hidden: not required
    with pytest.raises(AnswerError) as info:
        score(kinds, _kinds(sure=True, rate=5, why="because"))
    assert set(info.value.problems) == {"extra"}
    assert "required" in info.value.problems["extra"]


def test_visible_questions_tolerates_half_filled_and_wrong_answers(kinds, bant) -> None:
    assert [q.id for q in kinds.visible_questions({})] == ["pick", "sure", "rate"]
    assert [q.id for q in kinds.visible_questions({"pick": 42})] == ["pick", "sure", "rate"]
    ids = [q.id for q in bant.visible_questions({"need": "none", "timing": "no_plans"})]
    assert "product_interest" not in ids and "evaluated_competitors" not in ids
    ids = [q.id for q in bant.visible_questions({"need": "critical", "timing": "0_3_months"})]
    assert "product_interest" in ids and "evaluated_competitors" in ids


def test_empty_values_count_as_unanswered(kinds) -> None:
    r = score(kinds, _kinds(pick="a", many=[], sure=None, rate=None))
    assert r.answers == {"pick": "a"}
    with pytest.raises(AnswerError):
        score(kinds, {"pick": None, "consent": True})


# ---- thresholds, must-have rules, disqualifiers ------------------------------------------------
def test_hot_warm_nurture_boundaries(kinds) -> None:
    assert score(kinds, _kinds(pick="a", sure=True, rate=4)).computed_tag == "hot"      # 22
    assert score(kinds, _kinds(pick="a", sure=True)).computed_tag == "warm"             # 17
    assert score(kinds, _kinds(pick="a")).computed_tag == "warm"                        # 10 = warm
    assert score(kinds, _kinds(pick="b", many=["x", "y"])).computed_tag == "nurture"   # 9


def test_must_have_rule_blocks_hot_and_says_why(kinds) -> None:
    r = score(kinds, _kinds(pick="a", many=["x", "y"], rate=5, sure=False))  # 10+6+9-2 = 23
    assert r.score == 23 and r.computed_tag == "warm"
    assert "hot needs a sure yes: no does not qualify" in r.reasons


def test_must_have_rule_on_unanswered_question(kinds) -> None:
    r = score(kinds, _kinds(pick="a", many=["x", "y"], rate=5))  # 25 points, sure unanswered
    assert r.computed_tag == "warm"
    assert "hot needs a sure yes: not answered does not qualify" in r.reasons


def test_warm_rule_blocks_warm(kinds) -> None:
    r = score(kinds, _kinds(pick="c", sure=True, rate=4))  # 12 points but pick=c
    assert r.computed_tag == "nurture"
    assert any(x.startswith("warm needs pick: C does not qualify") for x in r.reasons)


def test_bant_hot_lead_and_the_example_reasons(bant, good_bant) -> None:
    r = score(bant, good_bant)
    assert r.computed_tag == "hot" and r.score == 120
    assert r.reasons[0] == "budget approved +30"
    assert "timing 0-3 months +25" in r.reasons
    good_bant["authority"] = "researcher"
    r = score(bant, good_bant)
    assert r.computed_tag == "warm"
    assert "hot needs authority: researcher does not qualify" in r.reasons
    good_bant.update(authority="influencer", timing="6_12_months")
    r = score(bant, good_bant)
    assert "hot needs timing within 6 months: 6-12 months does not qualify" in r.reasons


@pytest.mark.parametrize("role,reason", [("student", "student, not a buyer"),
                                         ("competitor", "works for a competitor"),
                                         ("vendor", "vendor selling to us"),
                                         ("press", "press, not a buyer")])
def test_disqualifiers_discard_without_deleting(bant, good_bant, role: str, reason: str) -> None:
    good_bant["role"] = role
    r = score(bant, good_bant)
    assert r.discarded and r.discard_reason == reason
    assert r.computed_tag == "hot" and r.score == 120  # kept, so reinstating only clears the flag
    assert r.answers == {k: v for k, v in good_bant.items() if k != "consent"}
    assert any(x.startswith(f"discarded: {reason}") for x in r.reasons)


def test_buyer_is_not_discarded(bant, good_bant) -> None:
    r = score(bant, good_bant)
    assert not r.discarded and r.discard_reason is None


def test_scale_range_disqualifier(kinds) -> None:
    assert score(kinds, _kinds(rate=1)).discard_reason == "rated us 1"
    assert not score(kinds, _kinds(rate=2)).discarded


# ---- override and the record shape --------------------------------------------------------------
def test_override_is_recorded_beside_the_computed_tag(bant, good_bant) -> None:
    good_bant["budget"] = "none"
    good_bant["need"] = "none"
    r = score(bant, good_bant, override="hot")
    d = r.to_dict()
    assert d["tag"] == "hot" and d["override"] == "hot" and d["computed_tag"] == "warm"
    assert r.reasons[-1] == "staff set the tag to hot (the form computed warm)"
    assert set(d) == {"score", "tag", "computed_tag", "override", "discarded", "discard_reason",
                      "reasons", "dropped", "form_id", "form_version"}
    assert (d["form_id"], d["form_version"]) == ("bant", "2026.1")


def test_bad_override_is_rejected(bant, good_bant) -> None:
    with pytest.raises(AnswerError) as info:
        score(bant, good_bant, override="scorching")
    assert "override" in info.value.problems


# ---- consent --------------------------------------------------------------------------------------
def test_consent_must_be_answered(bant, good_bant) -> None:
    del good_bant["consent"]
    with pytest.raises(AnswerError) as info:
        score(bant, good_bant)
    assert list(info.value.problems) == ["consent"]
    assert score(bant, good_bant, require_consent=False).consent is None


def test_consent_false_is_an_answer(bant, good_bant) -> None:
    good_bant["consent"] = False
    r = score(bant, good_bant)
    assert r.consent is False and r.consent_version == "2026-1"


def test_consent_must_be_a_boolean(bant, good_bant) -> None:
    good_bant["consent"] = "yes"
    with pytest.raises(AnswerError) as info:
        score(bant, good_bant)
    assert "true or false" in info.value.problems["consent"]


# ---- answers that do not fit -----------------------------------------------------------------------
def test_every_offending_question_is_named(bant) -> None:
    answers = {"budget": "lots", "authority": 3, "nonsense": 1, "need": "critical",
               "product_interest": ["crm_sync", "teleporter"], "timing": "0_3_months",
               "evaluated_competitors": "yes", "follow_up": ["demo"], "notes": 5, "consent": True}
    with pytest.raises(AnswerError) as info:
        score(bant, answers)
    p = info.value.problems
    assert set(p) == {"budget", "authority", "nonsense", "product_interest", "evaluated_competitors",
                      "role", "follow_up", "notes"}
    assert "unknown option 'lots'" in p["budget"]
    assert "unknown question" in p["nonsense"]
    assert "'teleporter'" in p["product_interest"]
    assert "true or false" in p["evaluated_competitors"]
    assert "required" in p["role"]
    for qid in p:
        assert qid in str(info.value)


@pytest.mark.parametrize("qid,value,words", [
    ("many", "x", "a list of option ids"), ("many", ["x", "x"], "twice"), ("many", [1], "a list"),
    ("sure", 1, "true or false"), ("rate", 6, "1-5"), ("rate", 0, "1-5"), ("rate", True, "whole number"),
    ("rate", 4.5, "whole number"), ("pick", ["a"], "one option id"),
])
def test_wrong_value_kinds(kinds, qid: str, value, words: str) -> None:
    answers = _kinds(pick="a", rate=3)
    answers[qid] = value
    with pytest.raises(AnswerError) as info:
        score(kinds, answers)
    assert words in info.value.problems[qid]


def test_text_too_long(kinds) -> None:
    with pytest.raises(AnswerError) as info:
        score(kinds, _kinds(rate=5, why="x" * 21))
    assert "at most 20" in info.value.problems["why"]


def test_answers_must_be_a_mapping(bant) -> None:
    with pytest.raises(AnswerError):
        score(bant, ["budget"])  # type: ignore[arg-type]


def test_scoring_does_not_change_the_answers(bant, good_bant) -> None:
    before = dict(good_bant, product_interest=["crm_sync"])
    answers = dict(before)
    r = score(bant, answers)
    assert answers == before
    r.answers["product_interest"].append("analytics")
    assert answers["product_interest"] == ["crm_sync"]
