"""The form loader: the default form's contract (ids the sync and central rely on) and every kind
of mistake a marketer can make, each reported with file, key path and expectation."""
from __future__ import annotations

from pathlib import Path

import pytest

from forms import FormDefinitionError, load_form, load_form_text



def test_default_form_uses_the_agreed_ids(bant) -> None:
    ids = {q.id: [o.id for o in q.options] for q in bant.questions}
    assert ids["budget"] == ["approved", "planned", "none", "unknown"]
    assert ids["authority"] == ["decision_maker", "influencer", "researcher", "other"]
    assert ids["need"] == ["critical", "important", "nice_to_have", "none"]
    assert ids["timing"] == ["0_3_months", "3_6_months", "6_12_months", "12_plus_months", "no_plans"]
    assert ids["role"] == ["buyer", "student", "competitor", "vendor", "press"]
    assert ids["evaluated_competitors"] == ["yes", "no"]
    assert ids["follow_up"] == ["demo", "call", "info_pack", "none"]
    assert bant.question("product_interest").kind == "multi"
    assert not bant.question("product_interest").required
    assert bant.question("notes").kind == "text" and not bant.question("notes").required
    assert bant.question("evaluated_competitors").kind == "yesno"
    assert (bant.id, bant.version) == ("bant", "2026.1")


def test_default_form_is_four_bant_steps_then_qualifiers(bant) -> None:
    assert [s.id for s in bant.sections][:4] == ["budget", "authority", "need", "timing"]
    assert len(bant.sections) == 5
    assert [q.id for q in bant.sections[4].questions] == ["role", "follow_up", "notes"]


def test_default_form_is_short(bant) -> None:
    # under 45 s at a booth: at most ~9 questions, each a tap except the optional notes
    assert len(bant.questions) <= 9
    assert sum(q.kind == "text" and q.required for q in bant.questions) == 0


def test_default_form_speaks_english_and_german(bant) -> None:
    assert bant.languages == ("en", "de")
    for q in bant.questions:
        assert q.label["en"] and q.label["de"] and q.label["en"] != q.label["de"] or q.id == "notes"
        for o in q.options:
            assert o.label["en"] and o.label["de"]
    assert bant.consent.text["de"] != bant.consent.text["en"]
    assert bant.consent.version == "2026-1"
    assert bant.label("budget.approved", "de") == "Genehmigt"
    assert bant.label("evaluated_competitors.yes", "de") == "Ja"
    assert bant.label("need", "fr") == bant.label("need", "en")  # fallback, never a crash
    assert bant.label("consent", "de").startswith("Ich bin einverstanden")
    assert bant.label("budget", "de") == "Gibt es ein Budget für eine Lösung?"
    assert bant.label("nosuch.key", "en") == "nosuch.key"


def test_default_form_rules(bant) -> None:
    sc = bant.scoring
    assert (sc.hot, sc.warm) == (70, 40)
    assert {r.condition.question for r in sc.hot_requires} == {"authority", "timing"}
    disq = {opt for r in sc.disqualifiers for opt in r.condition.in_}
    assert disq == {"student", "competitor", "vendor", "press"}
    assert bant.max_points() == 120 and bant.warnings() == []


def test_every_kind_loads(kinds) -> None:
    q = {x.id: x for x in kinds.questions}
    assert [x.kind for x in kinds.questions] == ["single", "multi", "yesno", "scale", "text", "single"]
    assert [o.points for o in q["sure"].options] == [7, -2]
    assert [o.id for o in q["rate"].options] == ["1", "2", "3", "4", "5"]
    assert [o.points for o in q["rate"].options] == [0, 0, 0, 5, 9]
    assert q["rate"].low["de"] == "schlecht" and kinds.label("rate.high", "en") == "good"
    assert q["why"].max_length == 20
    assert len(q["extra"].show_if) == 2


def _mutate(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


# (old text, new text, key path reported, words in the expectation)
CASES = [
    ("id: kinds\n", "id: kinds\ncolour: red\n", "colour", "unknown key"),
    ("    label: {en: \"Sure?\", de: \"Sicher?\"}", "    lable: {en: \"Sure?\", de: \"Sicher?\"}",
     "sections[1].questions[0].lable", "did you mean 'label'"),
    ("hot: 20, warm: 10", "hot: high, warm: 10", "scoring.thresholds.hot", "a number"),
    ("hot: 20, warm: 10", "hot: 20, warm: '10'", "scoring.thresholds.warm", "a number"),
    ("hot: 20, warm: 10", "hot: .inf, warm: 10", "scoring.thresholds.hot", "a number"),
    ("hot: 20, warm: 10", "hot: 20, warm: .nan", "scoring.thresholds.warm", "a number"),
    ("hot: 20, warm: 10", "hot: 10, warm: 20", "scoring.thresholds.warm", "not above hot"),
    ("hot: 20, warm: 10", "hot: 20", "scoring.thresholds.warm", "required key is missing"),
    ("- {id: b, label: {en: B, de: B}, points: 3}", "- {id: a, label: {en: B, de: B}, points: 3}",
     "sections[0].questions[0].options[1].id", "used once"),
    ("show_if: {question: pick, in: [a, b]}", "show_if: {question: pik, in: [a, b]}",
     "sections[0].questions[1].show_if.question", "no question 'pik'"),
    ("show_if: {question: pick, in: [a, b]}", "show_if: {question: pick, in: [a, q]}",
     "sections[0].questions[1].show_if.in", "no option 'q'"),
    ("show_if: {question: pick, in: [a, b]}", "show_if: {question: sure, in: [yes]}",
     "sections[0].questions[1].show_if.question", "comes later"),
    ("show_if: {question: pick, in: [a, b]}", "show_if: {question: pick, in: [a], answered: true}",
     "sections[0].questions[1].show_if", "exactly one of"),
    ("show_if: {question: rate, at_least: 4}", "show_if: {question: pick, at_least: 4}",
     "sections[1].questions[2].show_if.at_least", "scale questions"),
    ("show_if: {question: rate, at_least: 4}", "show_if: {question: rate, at_least: 9}",
     "sections[1].questions[2].show_if.at_least", "1-5"),
    ("- id: sure\n", "- id: pick\n", "sections[1].questions[0].id", "used once"),
    ("- id: sure\n", "- id: consent\n", "sections[1].questions[0].id", "reserved"),
    ("- id: sure\n", "- id: Sure\n", "sections[1].questions[0].id", "lowercase"),
    ("- {id: x, label: {en: X, de: X}, points: 2}", "- {id: 2024, label: {en: X, de: X}, points: 2}",
     "sections[0].questions[1].options[0].id", "in quotes"),
    ("label: {en: Rate, de: Bewerte}", "label: {en: Rate}", "sections[1].questions[1].label.de", "text in de"),
    ("label: {en: Rate, de: Bewerte}", "label: {en: Rate, de: Bewerte, fr: Noter}",
     "sections[1].questions[1].label.fr", "a language listed in languages"),
    ("label: {en: Rate, de: Bewerte}", "label: Rate", "sections[1].questions[1].label", "one text per form language"),
    ("kind: scale", "kind: stars", "sections[1].questions[1].kind", "one of: single, multi"),
    ("points: {yes: 7, no: -2}", "points: {yes: 7, maybe: 1}", "sections[1].questions[0].points.maybe", "yes, no"),
    ("points: {yes: 7, no: -2}", "points: {yes: lots}", "sections[1].questions[0].points.yes", "a number"),
    ("points: {4: 5, 5: 9}", "points: {4: 5, 6: 9}", "sections[1].questions[1].points.6", "1-5"),
    ("max_length: 20", "max_length: -1", "sections[1].questions[2].max_length", "above 0"),
    ("max_length: 20", "max_length: 20\n        options: []", "sections[1].questions[2].options", "unknown key"),
    ('version: "1.0"', "version: 1.0", "version", "in quotes"),
    ('version: "1.0"\n', "", "version", "required key is missing"),
    ("languages: [en, de]", "languages: []", "languages", "non-empty list"),
    ("languages: [en, de]", "languages: [en, en]", "languages[1]", "listed twice"),
    ('consent: {version: "c1", text: {en: "I agree", de: "Ich stimme zu"}}\n', "", "consent", "required key"),
    ('consent: {version: "c1", ', "consent: {", "consent.version", "required key"),
    ("- {question: sure, in: [yes], says: \"a sure yes\"}", "- {question: nope, in: [yes]}",
     "scoring.hot_requires[0].question", "no question 'nope'"),
    ("- {question: rate, at_most: 1, reason: \"rated us 1\"}", "- {question: rate, at_most: 1, reason: 5}",
     "scoring.disqualifiers[0].reason", "plain words"),
    ("- {question: rate, at_most: 1, reason: \"rated us 1\"}", "- {question: rate, at_most: 1, why: x}",
     "scoring.disqualifiers[0].why", "unknown key"),
    ("- {id: a, label: {en: A, de: A}, points: 10}\n          - {id: b, label: {en: B, de: B}, points: 3}\n          - {id: c, label: {en: C, de: C}}",
     "- {id: a, label: {en: A, de: A}, points: 10}", "sections[0].questions[0].options", "at least 2"),
    ("thresholds: {hot: 20, warm: 10}", "thresholds: {hot: 20, warm: 10}\n  thresholds: {hot: 1, warm: 1}",
     "thresholds", "each key once"),
    ("required: true\n        label: {en: Pick", "required: yes please\n        label: {en: Pick",
     "sections[0].questions[0].required", "true or false"),
    ("    title: {en: Two, de: Zwei}\n", "", "sections[1].title", "required key is missing"),
    ("id: kinds\n", "id: kinds\n  bad: [\n", "(file)", "valid YAML"),
]


@pytest.mark.parametrize("old,new,path,words", CASES, ids=[f"{c[2]}:{c[3]}" for c in CASES])
def test_each_mistake_is_named(tmp_path: Path, kinds_yaml: str, old: str, new: str, path: str,
                               words: str) -> None:
    f = tmp_path / "show-form.yaml"
    f.write_text(_mutate(kinds_yaml, old, new), encoding="utf-8")
    with pytest.raises(FormDefinitionError) as info:
        load_form(f)
    err = info.value
    assert err.source == str(f)
    hits = [(p, m) for p, m in err.problems if p == path and words in m]
    assert hits, f"expected {path}: ...{words}... in {err.problems}"
    assert str(f) in str(err) and path in str(err)


def test_every_problem_is_reported_at_once(kinds_yaml: str) -> None:
    text = _mutate(kinds_yaml, "hot: 20, warm: 10", "hot: 10, warm: 20").replace("kind: scale", "kind: stars")
    text = text.replace("id: kinds\n", "id: kinds\ncolour: red\n")
    with pytest.raises(FormDefinitionError) as info:
        load_form_text(text, source="x.yaml")
    paths = [p for p, _ in info.value.problems]
    assert {"colour", "scoring.thresholds.warm", "sections[1].questions[1].kind"} <= set(paths)


def test_problems_carry_line_numbers(kinds_yaml: str) -> None:
    text = _mutate(kinds_yaml, "kind: scale", "kind: stars")
    line = text.splitlines().index("        kind: stars") + 1
    with pytest.raises(FormDefinitionError) as info:
        load_form_text(text)
    assert any(m.endswith(f"(line {line})") for _, m in info.value.problems)


@pytest.mark.parametrize("content,words", [(None, "does not exist"), ("", "empty"),
                                           (b"\xff\xfe", "UTF-8"), ("- just\n- a list\n", "a mapping")])
def test_unusable_files(tmp_path: Path, content, words: str) -> None:
    f = tmp_path / "f.yaml"
    if isinstance(content, bytes):
        f.write_bytes(content)
    elif content is not None:
        f.write_text(content)
    with pytest.raises(FormDefinitionError) as info:
        load_form(f)
    assert info.value.source == str(f)
    assert any(words in m for _, m in info.value.problems), info.value.problems


def test_single_language_form_accepts_plain_strings() -> None:
    form = load_form_text(
        "id: mini\nversion: '1'\nlanguages: [en]\nconsent: {version: '1', text: 'OK?'}\n"
        "sections: [{id: s, title: S, questions: [{id: q, kind: yesno, label: 'Q?'}]}]\n"
        "scoring: {thresholds: {hot: 0, warm: 0}}\n")
    assert form.question("q").label["en"] == "Q?" and form.question("q").label["de"] == "Q?"


def test_yes_and_no_are_words_not_booleans() -> None:
    form = load_form_text(
        "id: mini\nversion: '1'\nlanguages: [en, de]\nconsent: {version: '1', text: {en: OK, de: OK}}\n"
        "sections: [{id: s, title: {en: S, de: S}, questions: [\n"
        "  {id: q, kind: single, label: {en: Q, de: F}, options: [\n"
        "     {id: yes, label: {en: Yes, de: Ja}, points: 2}, {id: no, label: {en: No, de: Nein}}]},\n"
        "  {id: r, kind: yesno, label: {en: R, de: R}, points: {yes: 3, no: 1}, show_if: {question: q, in: [yes]}}]}]\n"
        "scoring: {thresholds: {hot: 5, warm: 2}, hot_requires: [{question: r, in: [yes]}]}\n")
    q = form.question("q")
    assert q.option_ids == ("yes", "no") and q.option("no").label["en"] == "No"
    assert [o.points for o in form.question("r").options] == [3, 1]
    assert [x.id for x in form.visible_questions({"q": "yes"})] == ["q", "r"]


def test_yaml_syntax_errors_hint_at_quoting() -> None:
    with pytest.raises(FormDefinitionError) as info:
        load_form_text("id: x\nlabel: {en: Sure?, de: Sicher?}\n")
    (path, msg), = info.value.problems
    assert path == "(file)" and "line 2" in msg and "need quotes" in msg


def test_oversized_text_is_refused_before_parsing() -> None:
    with pytest.raises(FormDefinitionError) as info:
        load_form_text("# x\n" * 300_000, source="huge.yaml")
    assert "at most 1000000 characters" in info.value.problems[0][1]
