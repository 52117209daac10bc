"""Outcome values from real CRM data: amount, currency and close date on ``outcomes`` (and where the
outcome came from), the per-show import mapping, the CRM pull watermark per destination, and the show's report
settings (currency of its cost and amounts, time zone for days and hours).

Revision ID: 0003_outcome_values
Revises: 0002_review
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_outcome_values"
down_revision = "0002_review"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as b:
        b.add_column(sa.Column("amount", sa.Numeric(18, 2), nullable=True))
        b.add_column(sa.Column("currency", sa.String(3), nullable=True))
        b.add_column(sa.Column("close_date", sa.Date(), nullable=True))
        b.add_column(sa.Column("source", sa.String(64), nullable=True))
    op.create_table(
        "outcome_mappings",
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("mapping_json", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.PrimaryKeyConstraint("show_id"),
    )
    op.create_table(
        "crm_pulls",
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(100), nullable=False),
        sa.Column("last_pull_at", UTC, nullable=True),
        sa.Column("last_run_at", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "destination"),
    )
    op.create_table(
        "report_settings",
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("show_id"),
    )


def downgrade() -> None:
    op.drop_table("report_settings")
    op.drop_table("crm_pulls")
    op.drop_table("outcome_mappings")
    with op.batch_alter_table("outcomes") as b:
        b.drop_column("source")
        b.drop_column("close_date")
        b.drop_column("currency")
        b.drop_column("amount")
