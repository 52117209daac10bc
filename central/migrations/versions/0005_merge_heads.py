"""One line of history again: the device keys, outcome values, sales, security and search
revisions were written in parallel from 0001_core/0002_review; this joins them (no schema change),
so `alembic upgrade head` and every later revision have a single parent to name.

Revision ID: 0005_merge_heads
Revises: 0001a_device_keys, 0003_outcome_values, 0003_sales, 0003_security, 0004_search_text
"""
revision = "0005_merge_heads"
down_revision = ("0001a_device_keys", "0003_outcome_values", "0003_sales", "0003_security", "0004_search_text")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
