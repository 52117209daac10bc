"""Sales: reps' dials, the quarter-end window, lead assignments, claims with time to first contact,
visitor keys for one alert thread per visitor, and ``notifications.event`` (replies in a thread).

Revision ID: 0003_sales
Revises: 0002_review
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_sales"
down_revision = "0002_review"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("notifications") as b:
        b.add_column(sa.Column("event", sa.String(80), nullable=False, server_default="new"))
        b.drop_constraint("uq_notifications_lead_kind_recipient", type_="unique")
        b.create_unique_constraint("uq_notifications_lead_kind_recipient_event",
                                   ["lead_id", "kind", "recipient", "event"])
    op.create_table(
        "rep_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("countries", JSONType, nullable=False),
        sa.Column("products", JSONType, nullable=False),
        sa.Column("quiet_start", sa.String(5), nullable=True),
        sa.Column("quiet_end", sa.String(5), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "sales_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "lead_assignments",
        sa.Column("lead_id", sa.String(36), nullable=False),
        sa.Column("rep", sa.String(320), nullable=False),
        sa.Column("show_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("tag", sa.String(20), nullable=False),
        sa.Column("assigned_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("lead_id", "rep"),
    )
    op.create_index("ix_lead_assignments_rep", "lead_assignments", ["rep", "assigned_at"])
    op.create_index("ix_lead_assignments_show", "lead_assignments", ["show_id", "rep"])
    op.create_table(
        "lead_claims",
        sa.Column("lead_id", sa.String(36), nullable=False),
        sa.Column("show_id", sa.String(100), nullable=False),
        sa.Column("claimed_by", sa.String(320), nullable=True),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("first_contact_at", UTC, nullable=True),
        sa.Column("first_contact_channel", sa.String(20), nullable=True),
        sa.Column("first_contact_by", sa.String(320), nullable=True),
        sa.Column("first_contact_s", sa.Float(), nullable=True),
        sa.Column("not_fit_reason", sa.Text(), nullable=True),
        sa.Column("not_fit_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    op.create_index("ix_lead_claims_show_id", "lead_claims", ["show_id"])
    op.create_table(
        "visitor_keys",
        sa.Column("show_id", sa.String(100), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("lead_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "key"),
    )
    op.create_index("ix_visitor_keys_lead_id", "visitor_keys", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_visitor_keys_lead_id", table_name="visitor_keys")
    op.drop_table("visitor_keys")
    op.drop_index("ix_lead_claims_show_id", table_name="lead_claims")
    op.drop_table("lead_claims")
    op.drop_index("ix_lead_assignments_show", table_name="lead_assignments")
    op.drop_index("ix_lead_assignments_rep", table_name="lead_assignments")
    op.drop_table("lead_assignments")
    op.drop_table("sales_window")
    op.drop_table("rep_settings")
    with op.batch_alter_table("notifications") as b:
        b.drop_constraint("uq_notifications_lead_kind_recipient_event", type_="unique")
        b.create_unique_constraint("uq_notifications_lead_kind_recipient", ["lead_id", "kind", "recipient"])
        b.drop_column("event")
