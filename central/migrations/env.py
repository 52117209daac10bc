"""Alembic environment for the central database.

Runs only with a connection handed in by ``central.migrate`` (which holds the PostgreSQL advisory
lock or SQLite's write lock around it), so several server processes starting together migrate once.
Every script in ``versions/`` is discovered, so the review app's ``0002_review`` needs no wiring.
"""
from __future__ import annotations

from alembic import context

from central.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `leadkiosk central migrate` (central.migrate.upgrade)")

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
