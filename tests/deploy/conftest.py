"""Fixtures for the Pi deployment tests (helpers in ``pi_helpers``, importable from the tests
because pytest's importlib mode does not put test directories on ``sys.path``)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pi_helpers import make_fake_root, make_wheel  # noqa: E402


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("wheels")
    return {
        "good1": make_wheel(d / "a", "9.9.1"),
        "good2": make_wheel(d / "b", "9.9.2"),
        "crash": make_wheel(d / "c", "9.9.3", "crash-on-start"),
        "broken": make_wheel(d / "d", "9.9.4", "broken-import"),
    }


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    return make_fake_root(tmp_path / "root")
