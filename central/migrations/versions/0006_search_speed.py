"""Search at 100,000 leads (issue 17, item 11): the folded ``leads.search_text`` (0004) gets the
index each database can use for a substring match, instead of the (show, search_text) b-tree that
neither could use for ``LIKE '%word%'``.

- SQLite: a partial covering index over live leads in the lead table's default order, ending in
  ``search_text`` (and ``merged_into``, so SQLite 3.40 sees it as covering): the count and the page
  of a search scan this narrow index, never the fat rows (each holds its JSON record).
- PostgreSQL: a pg_trgm GIN index on ``search_text``, which serves ``LIKE '%word%'`` for words of
  three characters or more. If the extension cannot be created here (not installed, or the role may
  not create it) the search still works, scanning; a warning says so.

Both are outside the models (``central.search.DIALECT_INDEXES``): neither has a counterpart on the
other database. Existing rows keep their ``search_text`` (0004 filled it); nothing to backfill.

Revision ID: 0006_search_speed
Revises: 0005_merge_heads
"""
import logging

from alembic import op
import sqlalchemy as sa

revision = "0006_search_speed"
down_revision = "0005_merge_heads"
branch_labels = None
depends_on = None

log = logging.getLogger("central.migrations")


def upgrade() -> None:
    op.drop_index("ix_leads_show_search", "leads")
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.create_index("ix_leads_live_search", "leads",
                        ["show_id", "discarded", "captured_at_corrected", "id", "search_text", "merged_into"],
                        sqlite_where=sa.text("merged_into IS NULL"))
    elif conn.dialect.name == "postgresql":
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                conn.exec_driver_sql("CREATE INDEX ix_leads_search_trgm ON leads USING gin (search_text gin_trgm_ops)")
        except sa.exc.DBAPIError as exc:
            log.warning("lead search without an index: the pg_trgm extension is not available "
                        "(%s); searching scans the leads", str(exc.orig).strip().splitlines()[0])


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.drop_index("ix_leads_live_search", "leads")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_leads_search_trgm")
    op.create_index("ix_leads_show_search", "leads", ["show_id", "search_text"])
