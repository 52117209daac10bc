"""Accent- and case-insensitive lead search: ``leads.search_text`` holds names, company and e-mail
folded in Python (central/search.py) at write time; existing rows are filled here.

Revision ID: 0004_search_text
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_search_text"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from central.search import search_text
    op.add_column("leads", sa.Column("search_text", sa.Text(), nullable=True))
    op.create_index("ix_leads_show_search", "leads", ["show_id", "search_text"])
    conn = op.get_bind()
    leads = sa.table("leads", sa.column("id", sa.String), sa.column("first_name", sa.String),
                     sa.column("last_name", sa.String), sa.column("company", sa.String),
                     sa.column("email", sa.String), sa.column("search_text", sa.Text))
    rows = conn.execute(sa.select(leads.c.id, leads.c.first_name, leads.c.last_name, leads.c.company,
                                  leads.c.email)).all()
    stmt = sa.update(leads).where(leads.c.id == sa.bindparam("b_id")).values(search_text=sa.bindparam("b_text"))
    for start in range(0, len(rows), 2000):
        batch = [{"b_id": r[0], "b_text": search_text(r[1:])} for r in rows[start:start + 2000]]
        if batch:
            conn.execute(stmt, batch)


def downgrade() -> None:
    op.drop_index("ix_leads_show_search", "leads")
    op.drop_column("leads", "search_text")
