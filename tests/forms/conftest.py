"""Fixtures for the forms tests: the default form, a form using every question kind, and answers
that make a valid lead."""
from __future__ import annotations

from pathlib import Path

import pytest

from forms import Form, default_form_path, load_form, load_form_text

KINDS_YAML = (Path(__file__).parent / "kinds.yaml").read_text(encoding="utf-8")

GOOD_BANT = {"budget": "approved", "authority": "decision_maker", "need": "critical",
             "timing": "0_3_months", "evaluated_competitors": True, "role": "buyer",
             "follow_up": "demo", "consent": True}


@pytest.fixture(scope="session")
def bant() -> Form:
    return load_form(default_form_path())


@pytest.fixture(scope="session")
def kinds() -> Form:
    return load_form_text(KINDS_YAML, source="kinds.yaml")


@pytest.fixture
def good_bant() -> dict:
    return dict(GOOD_BANT)


@pytest.fixture(scope="session")
def kinds_yaml() -> str:
    return KINDS_YAML
