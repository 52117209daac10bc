"""``leadkiosk form check`` and ``leadkiosk score`` run as a user would run them (subprocess)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from forms import default_form_path

GOOD = {"budget": "approved", "authority": "decision_maker", "need": "critical",
        "timing": "0_3_months", "evaluated_competitors": True, "role": "buyer",
        "follow_up": "demo", "consent": True}


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, cwd=cwd)


def test_form_check_prints_a_summary() -> None:
    out = run("form", "check", str(default_form_path()))
    assert out.returncode == 0, out.stderr
    assert "OK" in out.stdout and "form bant version 2026.1" in out.stdout
    assert "9 questions" in out.stdout and "hot from 70, warm from 40" in out.stdout
    assert "timing within 6 months" in out.stdout


def test_form_check_lists_every_error_and_fails(tmp_path: Path, kinds_yaml: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(kinds_yaml.replace("hot: 20, warm: 10", "hot: 10, warm: 20")
                   .replace("kind: scale", "kind: stars"), encoding="utf-8")
    out = run("form", "check", str(bad))
    assert out.returncode == 1
    assert str(bad) in out.stderr and "2 problem(s)" in out.stderr
    assert "scoring.thresholds.warm: a number not above hot" in out.stderr
    assert "sections[1].questions[1].kind" in out.stderr
    assert out.stdout == ""


def test_form_check_missing_file(tmp_path: Path) -> None:
    out = run("form", "check", str(tmp_path / "nope.yaml"))
    assert out.returncode == 1 and "does not exist" in out.stderr


def test_form_check_warns_about_unreachable_threshold(tmp_path: Path, kinds_yaml: str) -> None:
    f = tmp_path / "f.yaml"
    f.write_text(kinds_yaml.replace("hot: 20, warm: 10", "hot: 500, warm: 10"), encoding="utf-8")
    out = run("form", "check", str(f))
    assert out.returncode == 0 and "warning: hot threshold 500 cannot be reached" in out.stdout


def test_score_from_a_file(tmp_path: Path) -> None:
    f = tmp_path / "answers.json"
    f.write_text(json.dumps(dict(GOOD, authority="researcher")))
    out = run("score", "--form", str(default_form_path()), str(f))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert {"score", "tag", "discarded", "discard_reason", "reasons"} <= set(result)
    assert result["tag"] == "warm" and result["score"] == 100 and result["discarded"] is False
    assert "hot needs authority: researcher does not qualify" in result["reasons"]
    assert result["consent"] == {"given": True, "text_version": "2026-1"}


@pytest.mark.parametrize("dash", [True, False])
def test_score_from_stdin(dash: bool) -> None:
    args = ["score", "--form", str(default_form_path())] + (["-"] if dash else [])
    out = run(*args, stdin=json.dumps(dict(GOOD, role="press")))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["discarded"] is True and result["discard_reason"] == "press, not a buyer"
    assert result["tag"] == "hot"


def test_score_with_override_and_default_form() -> None:
    out = run("score", "--override", "nurture", stdin=json.dumps(GOOD))
    result = json.loads(out.stdout)
    assert (result["tag"], result["computed_tag"], result["override"]) == ("nurture", "hot", "nurture")


def test_score_rejects_bad_answers_naming_each_question() -> None:
    answers = dict(GOOD, budget="lots", colour="red")
    del answers["consent"]
    out = run("score", "--form", str(default_form_path()), "-", stdin=json.dumps(answers))
    assert out.returncode == 3 and out.stdout == ""
    for qid in ("budget", "colour", "consent"):
        assert f"  {qid}: " in out.stderr


@pytest.mark.parametrize("stdin,words", [("{not json", "not valid JSON"), ("[1, 2]", "JSON object")])
def test_score_rejects_unreadable_answers(stdin: str, words: str) -> None:
    out = run("score", stdin=stdin)
    assert out.returncode == 3 and words in out.stderr


def test_score_with_a_broken_form(tmp_path: Path) -> None:
    f = tmp_path / "f.yaml"
    f.write_text("id: x\n")
    out = run("score", "--form", str(f), stdin="{}")
    assert out.returncode == 1 and "version" in out.stderr


def test_score_with_a_missing_answers_file(tmp_path: Path) -> None:
    out = run("score", str(tmp_path / "nope.json"))
    assert out.returncode == 3 and "cannot read answers" in out.stderr and "nope.json" in out.stderr


def test_score_every_kind_through_the_cli(tmp_path: Path, kinds_yaml: str) -> None:
    f = tmp_path / "kinds.yaml"
    f.write_text(kinds_yaml, encoding="utf-8")
    answers = {"pick": "a", "many": ["y"], "sure": True, "rate": 5, "why": "fast", "extra": "e1", "consent": False}
    out = run("score", "--form", str(f), stdin=json.dumps(answers))
    result = json.loads(out.stdout)
    assert result["score"] == 10 + 4 + 7 + 9 + 1 and result["tag"] == "hot"
    assert result["consent"]["given"] is False and result["answers"]["why"] == "fast"
