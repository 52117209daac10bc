"""Schema migrations, run on start. Why Alembic: versioned scripts that work on SQLite and
PostgreSQL alike, and the review app adds its own revision after ours.

``upgrade`` takes a lock first (PostgreSQL: a transaction-scoped advisory lock; SQLite:
``BEGIN IMMEDIATE``) so several processes started at once do not race; the DDL runs in the same
transaction on both databases.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from central.db import Database
from central.errors import DatabaseUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK_KEY = 0x1EAD_C105  # any constant shared by every central process


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    return cfg


def head_revisions() -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(db: Database) -> tuple[str, ...]:
    with db.engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def upgrade(db: Database | str | None = None, target: str = "heads") -> tuple[str, ...]:
    """Bring the schema to ``target`` (all heads by default); return the revisions now current."""
    own = not isinstance(db, Database)
    database = Database(db) if own else db  # type: ignore[arg-type]
    try:
        if set(current_revisions(database)) == set(head_revisions()) and target == "heads":
            return current_revisions(database)
        cfg = alembic_config()
        with database.write() as conn:
            if database.dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
        return current_revisions(database)
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot migrate {database.engine.url!r}: {exc.orig}") from None
    finally:
        if own:
            database.dispose()


def downgrade(db: Database, target: str) -> None:
    cfg = alembic_config()
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)
