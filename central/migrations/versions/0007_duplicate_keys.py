"""Possible duplicates at 100,000 leads (issue 17, item 13): the rule's two keys stored at write time
(``central.search.email_key`` and ``name_key``) with a covering index over live leads in capture
order, so the show's list groups narrow index entries instead of reading and folding every lead's
names. Existing rows are filled here.

Revision ID: 0007_duplicate_keys
Revises: 0006_search_speed
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_duplicate_keys"
down_revision = "0006_search_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from central.search import email_key, name_key
    op.add_column("leads", sa.Column("email_key", sa.Text(), nullable=True))
    op.add_column("leads", sa.Column("name_key", sa.String(32), nullable=True))
    conn = op.get_bind()
    leads = sa.table("leads", sa.column("id", sa.String), sa.column("first_name", sa.String),
                     sa.column("last_name", sa.String), sa.column("company", sa.String),
                     sa.column("email", sa.String), sa.column("email_key", sa.Text), sa.column("name_key", sa.String))
    stmt = (sa.update(leads).where(leads.c.id == sa.bindparam("b_id"))
            .values(email_key=sa.bindparam("b_email"), name_key=sa.bindparam("b_name")))
    rows = conn.execute(sa.select(leads.c.id, leads.c.first_name, leads.c.last_name, leads.c.company,
                                  leads.c.email)).all()
    for start in range(0, len(rows), 2000):
        batch = [{"b_id": r[0], "b_email": email_key(r[4]), "b_name": name_key(r[1], r[2], r[3])}
                 for r in rows[start:start + 2000]]
        if batch:
            conn.execute(stmt, batch)
    live = sa.text("merged_into IS NULL")
    op.create_index("ix_leads_live_dupkeys", "leads",
                    ["show_id", "captured_at_corrected", "id", "email_key", "name_key", "merged_into"],
                    sqlite_where=live, postgresql_where=live)


def downgrade() -> None:
    op.drop_index("ix_leads_live_dupkeys", "leads")
    op.drop_column("leads", "name_key")
    op.drop_column("leads", "email_key")
