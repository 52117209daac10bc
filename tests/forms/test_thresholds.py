"""Recalibrated thresholds make a new form version without losing the marketer's comments."""
from __future__ import annotations

import pytest

from forms import FormDefinitionError, default_form_path, form_with_thresholds, load_form_text
from forms.thresholds import bump_version


@pytest.mark.parametrize("old,new", [("2026.1", "2026.2"), ("v9", "v10"), ("2026-1-rc3", "2026-1-rc4"),
                                     ("beta", "beta.1")])
def test_bump_version(old: str, new: str) -> None:
    assert bump_version(old) == new


def test_new_thresholds_keep_comments_and_bump_the_version() -> None:
    text = default_form_path().read_text(encoding="utf-8")
    out = form_with_thresholds(text, 80, 45.5)
    form = load_form_text(out)
    assert (form.scoring.hot, form.scoring.warm, form.version) == (80, 45.5, "2026.2")
    old_lines, new_lines = text.splitlines(), out.splitlines()
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert len(old_lines) == len(new_lines) and len(changed) == 3
    assert all(line in out for line in old_lines if line.lstrip().startswith("#"))


def test_flow_style_thresholds(kinds_yaml: str) -> None:
    out = form_with_thresholds(kinds_yaml, 30, 12)
    form = load_form_text(out)
    assert (form.scoring.hot, form.scoring.warm, form.version) == (30, 12, "1.1")
    assert "thresholds: {hot: 30, warm: 12}" in out


def test_unusual_layout_falls_back_to_a_clean_copy(kinds_yaml: str) -> None:
    text = kinds_yaml.replace("thresholds: {hot: 20, warm: 10}", "thresholds:\n    hot:\n      20\n    warm: 10")
    assert load_form_text(text).scoring.hot == 20
    out = form_with_thresholds(text, 30, 12)
    form = load_form_text(out)
    assert (form.scoring.hot, form.scoring.warm, form.version) == (30, 12, "1.1")
    assert [q.id for q in form.questions] == [q.id for q in load_form_text(kinds_yaml).questions]


@pytest.mark.parametrize("hot,warm,words", [(10, 20, "not above hot"), ("80", 40, "a number"),
                                            (80, True, "a number")])
def test_bad_thresholds_are_rejected(kinds_yaml: str, hot, warm, words: str) -> None:
    with pytest.raises(FormDefinitionError) as info:
        form_with_thresholds(kinds_yaml, hot, warm, source="show 7")
    assert info.value.source == "show 7"
    assert any(words in m for _, m in info.value.problems)


def test_broken_form_is_rejected() -> None:
    with pytest.raises(FormDefinitionError):
        form_with_thresholds("id: [", 1, 0)
