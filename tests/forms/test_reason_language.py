"""Score reasons in the reader's language: every fixed template in German, the form's own words
(``short``, ``says``, ``reason``) per language or as one plain text, the default staying the form's
first language (what stored leads and CRMs get), and mistakes in the per-language mappings named
with file, key path and expectation."""
from __future__ import annotations

import string
from pathlib import Path

import pytest

from forms import FormDefinitionError, load_form, load_form_text, score
from forms.scoring import _answer_words
from forms.wording import REASONS

WORDS_YAML = """
id: words
version: "1"
languages: [en, de]
consent: {version: "c1", text: {en: "I agree", de: "Ich stimme zu"}}
sections:
  - id: s
    title: {en: S, de: S}
    questions:
      - id: gate
        kind: single
        required: true
        short: {en: gate, de: Tor}
        label: {en: Gate, de: Tor}
        options:
          - {id: open, label: {en: Open, de: Offen}, points: 50, short: {en: open, de: offen}}
          - {id: shut, label: {en: Shut, de: Zu}, points: 2.5}
      - id: extra
        kind: single
        label: {en: Extra, de: Extra}
        show_if: {question: gate, in: [open]}
        options:
          - {id: x, label: {en: X thing, de: X-Ding}, points: 20}
          - {id: y, label: {en: Why, de: Warum}}
      - id: sure
        kind: yesno
        label: {en: "Sure?", de: "Sicher?"}
        points: {yes: 5}
      - id: rate
        kind: scale
        label: {en: Rate, de: Bewerte}
        points: {5: 50}
scoring:
  thresholds: {hot: 55, warm: 2}
  hot_requires:
    - {question: extra, in: [x], says: {en: "an extra x", de: "ein Extra-X"}}
  warm_requires:
    - {question: sure, answered: true, says: "a sure answer"}
  disqualifiers:
    - {question: rate, at_most: 1, reason: {en: "rated us 1", de: "hat uns mit 1 bewertet"}}
    - {question: gate, in: [shut]}
"""


@pytest.fixture(scope="module")
def words():
    return load_form_text(WORDS_YAML, source="words.yaml")


def test_points_lines_use_the_form_words_per_language(words) -> None:
    a = {"gate": "open", "extra": "y", "sure": True, "rate": 5, "consent": True}
    en, de = score(words, a), score(words, a, language="de")
    assert en.reasons[:4] == ("gate open +50", "sure yes +5", "rate 5 of 5 +50",
                              "hot needs an extra x: why does not qualify")
    assert de.reasons[:4] == ("Tor offen +50", "sure ja +5", "rate 5 von 5 +50",
                              "Heiß braucht ein Extra-X: Warum genügt nicht")
    assert de.reasons[4] == "105 Punkte: Warm (Warm ab 2, Heiß ab 55)"
    # only words change with the language: the numbers and the tag are the same lead
    assert (de.score, de.computed_tag, de.discarded) == (en.score, en.computed_tag, en.discarded) == (105, "warm", False)


def test_not_asked_discard_and_decimal_points_in_german(words) -> None:
    a = {"gate": "shut", "sure": True, "rate": 5, "consent": True}
    de = score(words, a, language="de")
    assert de.reasons == ("Tor Zu +2,5", "sure ja +5", "rate 5 von 5 +50",
                          "Heiß braucht ein Extra-X: nicht gefragt genügt nicht",
                          "57,5 Punkte: Warm (Warm ab 2, Heiß ab 55)",
                          "verworfen: Tor: Zu (aufbewahrt, das Field-Marketing kann ihn wiederherstellen)")
    assert de.discard_reason == "Tor: Zu"
    en = score(words, a)
    assert en.reasons[0] == "gate shut +2.5" and en.reasons[4] == "57.5 points: warm (warm from 2, hot from 55)"
    assert en.discard_reason == "gate: shut"
    assert en.reasons[-1] == "discarded: gate: shut (kept, a field marketer can reinstate it)"


def test_not_answered_plain_says_and_nurture_in_german(words) -> None:
    de = score(words, {"gate": "open", "consent": True}, language="de")
    # ``says`` given as one plain string is used in every language, inside the German sentence
    assert "Warm braucht a sure answer: nicht beantwortet genügt nicht" in de.reasons
    assert de.reasons[-1] == "50 Punkte: Pflegen (Warm ab 2, Heiß ab 55)"


def test_localized_reason_and_override_in_german(words) -> None:
    a = {"gate": "open", "extra": "x", "sure": True, "rate": 1, "consent": True}
    de = score(words, a, override="nurture", language="de")
    assert de.computed_tag == "hot" and de.tag == "nurture"
    assert de.reasons[-2:] == ("verworfen: hat uns mit 1 bewertet (aufbewahrt, das Field-Marketing kann ihn wiederherstellen)",
                               "Personal hat die Einstufung auf Pflegen gesetzt (das Formular ergab Heiß)")
    assert de.discard_reason == "hat uns mit 1 bewertet"
    assert score(words, a, override="nurture").reasons[-1] == "staff set the tag to nurture (the form computed hot)"


def test_none_picked_in_both_tables(words) -> None:
    q = words.question("extra")
    assert _answer_words(q, [], True, "de", REASONS["de"]) == "nichts gewählt"
    assert _answer_words(q, [], True, "en", REASONS["en"]) == "none picked"


def test_default_is_the_first_language_and_unknown_languages_fall_back(bant, good_bant) -> None:
    answers = dict(good_bant, authority="researcher", timing="6_12_months", role="student")
    default = score(bant, answers, override="hot")
    assert default.reasons == score(bant, answers, override="hot", language="en").reasons
    assert default.reasons == score(bant, answers, override="hot", language="fr").reasons
    assert default.reasons[0] == "budget approved +30"
    assert default.to_dict()["discard_reason"] == "student, not a buyer"


def test_default_form_speaks_german(bant, good_bant) -> None:
    answers = dict(good_bant, authority="researcher", timing="6_12_months", role="student")
    de = score(bant, answers, override="hot", language="de")
    assert de.reasons == (
        "Budget genehmigt +30", "Entscheidung Rechercheur +5", "Bedarf dringend +25",
        "Zeitplan 6-12 Monate +5", "andere Anbieter geprüft ja +5", "Kontaktwunsch Demo +10",
        "Heiß braucht Entscheidungsbefugnis: Rechercheur genügt nicht",
        "Heiß braucht Kauf innerhalb von 6 Monaten: 6-12 Monate genügt nicht",
        "80 Punkte: Warm (Warm ab 40, Heiß ab 70)",
        "verworfen: Studium, kein Käufer (aufbewahrt, das Field-Marketing kann ihn wiederherstellen)",
        "Personal hat die Einstufung auf Heiß gesetzt (das Formular ergab Warm)")


def test_every_short_says_and_reason_of_the_default_form_has_german(bant) -> None:
    """The default form must not leak English into a German kiosk: each wording differs per language
    (a plain string would be the same in both)."""
    same = [q.id for q in bant.questions if q.shorts["de"] == q.shorts["en"]]
    same += [f"{q.id}.{o.id}" for q in bant.questions for o in q.options if o.shorts["de"] == o.shorts["en"]]
    same += [r.text for r in bant.scoring.hot_requires + bant.scoring.disqualifiers if r.texts["de"] == r.texts["en"]]
    assert same == []


def test_kinds_form_without_translations_keeps_one_wording(kinds) -> None:
    """A form written before per-language wording: the same words inside German sentences."""
    a = {"pick": "b", "sure": False, "rate": 1, "consent": True}
    de = score(kinds, a, language="de")
    assert "pick B +3" in de.reasons and "sure nein -2" in de.reasons
    assert de.discard_reason == "rated us 1"
    assert any(r.startswith("verworfen: rated us 1") for r in de.reasons)


def test_a_language_without_a_template_table_uses_the_first_languages_sentences() -> None:
    form = load_form_text(WORDS_YAML.replace("[en, de]", "[en, fr]").replace("de:", "fr:"), source="fr.yaml")
    fr = score(form, {"gate": "open", "extra": "y", "sure": True, "rate": 5, "consent": True}, language="fr")
    assert fr.reasons[0] == "Tor offen +50"          # the form's French words (the test's, not real French)
    assert fr.reasons[3] == "hot needs ein Extra-X: Warum does not qualify"   # English sentence around them
    assert fr.reasons[1] == "sure oui +5"            # yes/no words from the built-in labels


def test_both_tables_carry_the_same_keys_and_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert set(REASONS["en"]) == set(REASONS["de"])
    for key, text in REASONS["en"].items():
        assert fields(text) == fields(REASONS["de"][key]), key


def _mutate(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


CASES = [
    ('says: {en: "an extra x", de: "ein Extra-X"}', 'says: {en: "an extra x"}',
     "scoring.hot_requires[0].says.de", "needs every form language"),
    ('says: {en: "an extra x", de: "ein Extra-X"}', 'says: {en: "an extra x", de: "ein Extra-X", fr: "un x"}',
     "scoring.hot_requires[0].says.fr", "a language listed in languages"),
    ('reason: {en: "rated us 1", de: "hat uns mit 1 bewertet"}', 'reason: {en: "rated us 1", de: ""}',
     "scoring.disqualifiers[0].reason.de", "plain words for sales in de: non-empty text"),
    ('says: "a sure answer"', "says: [a, b]", "scoring.warm_requires[0].says", "one text per form language"),
    ("short: {en: open, de: offen}", "short: {en: open}",
     "sections[0].questions[0].options[0].short.de", "the words used for this option in score reasons in de"),
    ("short: {en: gate, de: Tor}", "short: {en: gate, de: 3}",
     "sections[0].questions[0].short.de", "non-empty text, got 3"),
    ("short: {en: gate, de: Tor}", "short: 7",
     "sections[0].questions[0].short", "the words used for this question in score reasons"),
]


@pytest.mark.parametrize("old,new,path,expected", CASES, ids=[f"{c[2]}:{c[3]}" for c in CASES])
def test_wording_mistakes_are_named(tmp_path: Path, old: str, new: str, path: str, expected: str) -> None:
    f = tmp_path / "show-form.yaml"
    f.write_text(_mutate(WORDS_YAML, old, new), encoding="utf-8")
    with pytest.raises(FormDefinitionError) as info:
        load_form(f)
    err = info.value
    hits = [(p, m) for p, m in err.problems if p == path and expected in m]
    assert hits, f"expected {path}: ...{expected}... in {err.problems}"
    assert str(f) in str(err) and "(line " in dict(err.problems)[path]
