"""Review web app: users, web sessions, API tokens, outcomes, form versions, the answer index,
and the lead-table indexes the review pages need at 100,000 leads.

Revision ID: 0002_review
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_review"
down_revision = "0001_core"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)

LEAD_INDEXES = (
    # Partial indexes over live leads (not merged into another), led by show and the discarded
    # flag the default view filters on, then each sort column and ``id`` (the tie-breaker that
    # makes paging stable): the database walks them in order, often without touching the fat
    # rows (each holds its JSON record), instead of sorting 100,000 leads.
    ("ix_leads_live_time", ["show_id", "discarded", "captured_at_corrected", "id"]),
    ("ix_leads_live_score", ["show_id", "discarded", "score", "id"]),
    ("ix_leads_live_tag_time", ["show_id", "discarded", "tag", "captured_at_corrected", "id"]),
    ("ix_leads_live_staff_time", ["show_id", "discarded", "staff", "captured_at_corrected", "id"]),
    ("ix_leads_live_device_time", ["show_id", "discarded", "device_id", "captured_at_corrected", "id"]),
    ("ix_leads_live_last_name", ["show_id", "discarded", "last_name", "id"]),
    ("ix_leads_live_company", ["show_id", "discarded", "company", "id"]),
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "outcomes",
        sa.Column("lead_id", sa.String(36), nullable=False),
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reported_at", UTC, nullable=False),
        sa.Column("reported_by", sa.String(320), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    op.create_index("ix_outcomes_show_status", "outcomes", ["show_id", "status"])
    op.create_table(
        "form_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("form_yaml", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("show_id", "version", name="uq_form_versions_show_version"),
    )
    op.create_table(
        "lead_answers",
        sa.Column("lead_id", sa.String(36), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id", "question_id", "value"),
    )
    op.create_index("ix_lead_answers_show_q", "lead_answers", ["show_id", "question_id", "value", "status"])
    op.create_table(
        "lead_answer_state",
        sa.Column("lead_id", sa.String(36), nullable=False),
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("hot_ok", sa.Boolean(), nullable=False),
        sa.Column("warm_ok", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    op.create_index("ix_lead_answer_state_show_id", "lead_answer_state", ["show_id"])
    op.create_table(
        "answer_index_marks",
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("watermark", UTC, nullable=True),
        sa.Column("rev", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("show_id"),
    )
    op.create_table(
        "review_revisions",
        sa.Column("show_id", sa.String(64), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("show_id"),
    )
    op.create_index("ix_outcomes_show_reported", "outcomes", ["show_id", "reported_at"])
    op.create_index("ix_leads_show_updated", "leads", ["show_id", "updated_at"])
    live = sa.text("merged_into IS NULL")
    for name, cols in LEAD_INDEXES:
        op.create_index(name, "leads", cols, sqlite_where=live, postgresql_where=live)


def downgrade() -> None:
    for name, _ in LEAD_INDEXES:
        op.drop_index(name, table_name="leads")
    op.drop_index("ix_leads_show_updated", table_name="leads")
    op.drop_index("ix_outcomes_show_reported", table_name="outcomes")
    op.drop_table("review_revisions")
    op.drop_table("answer_index_marks")
    op.drop_index("ix_lead_answer_state_show_id", table_name="lead_answer_state")
    op.drop_table("lead_answer_state")
    op.drop_index("ix_lead_answers_show_q", table_name="lead_answers")
    op.drop_table("lead_answers")
    op.drop_table("form_versions")
    op.drop_index("ix_outcomes_show_status", table_name="outcomes")
    op.drop_table("outcomes")
    op.drop_table("api_tokens")
    op.drop_index("ix_web_sessions_expires_at", table_name="web_sessions")
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("users")
