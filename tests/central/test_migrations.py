"""The Alembic scripts build exactly the schema the models describe, on both databases; and
several processes starting at once migrate once."""
from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from central.db import Database, resolve_url
from central.errors import ConfigError
from central.migrate import current_revisions, downgrade, head_revisions, upgrade
from central.models import Base
from central.search import DIALECT_INDEXES


def test_migrations_match_models(db_url):
    """Every revision together builds exactly what the core and review models describe. (The review
    models share ``Base.metadata``, so comparing only ``0001_core`` would depend on import order.)"""
    import central.web.models  # noqa: F401  (registers the review tables on Base.metadata)

    db = Database(db_url)
    assert set(upgrade(db)) == set(head_revisions())
    own = DIALECT_INDEXES[db.dialect]    # the search index only this database has (0006_search_speed)

    def include(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        return not (type_ == "index" and name in own)
    with db.engine.connect() as conn:
        names = {ix["name"] for ix in inspect(conn).get_indexes("leads")}
        diff = compare_metadata(MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include}), Base.metadata)
    assert diff == []
    assert set(own) <= names
    db.dispose()


def test_downgrade_and_upgrade_again(sqlite_url):
    db = Database(sqlite_url)
    upgrade(db)
    downgrade(db, "base")
    assert current_revisions(db) == ()
    assert set(upgrade(db)) == set(head_revisions())


def test_concurrent_starts_migrate_once(db_url):
    errors: list[BaseException] = []

    def start() -> None:
        try:
            upgrade(db_url)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    db = Database(db_url)
    assert set(current_revisions(db)) == set(head_revisions())
    db.dispose()


def test_url_rules(monkeypatch):
    monkeypatch.delenv("LEADKIOSK_CENTRAL_DB", raising=False)
    assert resolve_url(None) == "sqlite:///central.db"
    monkeypatch.setenv("LEADKIOSK_CENTRAL_DB", "postgresql://u@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(ConfigError, match="sqlite:// or postgresql://"):
        resolve_url("mysql://u@h/db")


def test_sqlite_uses_wal(sqlite_url):
    db = Database(sqlite_url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    db.dispose()


def test_one_head():
    """Revisions written in parallel are joined by a merge revision: a new one has a single parent."""
    assert tuple(head_revisions()) == ("0007_duplicate_keys",)
