"""Suite-wide fixtures. Area-specific fixtures live in each area's own conftest."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LEADKIOSK_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"test corpus not found at {CORPUS} (set LEADKIOSK_CORPUS)")
    return CORPUS


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("LEADKIOSK_DATA", str(d))
    return d


# PostgreSQL fixtures (``postgres_server``, ``pg_url``), shared by the central, review and sync
# tests; the module lives with the central tests (tests/central/pg.py).
def _load_pg_fixtures():  # type: ignore[no-untyped-def]
    import importlib.util
    import sys
    spec = importlib.util.spec_from_file_location("leadkiosk_test_pg", REPO / "tests" / "central" / "pg.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["leadkiosk_test_pg"] = module
    spec.loader.exec_module(module)
    return module


_pg = _load_pg_fixtures()
postgres_server = _pg.postgres_server
pg_url = _pg.pg_url
