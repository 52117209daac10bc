"""Tables of the review web app (migration ``0002_review``), declared on the central Base so one
metadata describes the whole database and foreign keys resolve."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base

ROLES = ("field_marketer", "sales", "admin")


class User(Base):
    """A person who signs in to the review app; ``role`` decides what they may change."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class WebSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie is stored, so a database leak does not
    hand out live sessions; the CSRF token is bound to the session."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    # a notice for the next page ({"msg": ..., "err": ...} as JSON), shown once (0003_security):
    # kept here, not in the URL, so nobody can send a link that shows a fake message
    flash: Mapped[str | None] = mapped_column(Text, nullable=True)


class ApiToken(Base):
    """A bearer token for scripts that report outcomes through the API (made by ``central user token``)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Outcome(Base):
    """The latest sales outcome of a lead (its history lives in ``lead_history``)."""

    __tablename__ = "outcomes"
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    show_id: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    stage: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reported_by: Mapped[str] = mapped_column(String(320), nullable=False)
    # what the deal is worth and when it closed, as the CRM says (0003_outcome_values)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    close_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(64))  # web | api | import | crm:<destination>
    __table_args__ = (Index("ix_outcomes_show_status", "show_id", "status"),
                      Index("ix_outcomes_show_reported", "show_id", "reported_at"))


class OutcomeMapping(Base):
    """The column and value mapping a show's outcome imports last used: the next export from the
    same CRM maps itself, and values the user mapped by hand once stay mapped."""

    __tablename__ = "outcome_mappings"
    show_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    mapping_json: Mapped[dict] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(320), nullable=False)


class CrmPull(Base):
    """Per show and CRM destination, how far outcomes have been read back: the next pull asks
    only for records changed since ``last_pull_at`` (incremental)."""

    __tablename__ = "crm_pulls"
    show_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    destination: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_pull_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ReportSettings(Base):
    """Per show: the currency its cost (and CRM amounts without one) are in, and the time zone the
    report's days and hours are counted in (a show in Las Vegas ends its day 8 hours after UTC)."""

    __tablename__ = "report_settings"
    show_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str | None] = mapped_column(String(3))
    timezone: Mapped[str | None] = mapped_column(String(64))


class FormVersion(Base):
    """Form versions made from the review app (threshold calibration), newest wins."""

    __tablename__ = "form_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    form_yaml: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[str] = mapped_column(String(320), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    __table_args__ = (UniqueConstraint("show_id", "version", name="uq_form_versions_show_version"),)


class LeadAnswer(Base):
    """One selected answer option per row, derived from the lead record, so the report can count
    answers against outcomes in SQL instead of parsing 100,000 JSON records per page view.
    Kept current lazily: ``answers_index.refresh`` re-derives leads whose version changed."""  # noqa

    __tablename__ = "lead_answers"
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    show_id: Mapped[str] = mapped_column(String(64), nullable=False)
    # the lead's outcome status, copied when the lead is (re)indexed; every outcome change is a
    # new lead version, so the next refresh brings it up to date before any report is counted
    status: Mapped[str | None] = mapped_column(String(16))
    __table_args__ = (Index("ix_lead_answers_show_q", "show_id", "question_id", "value", "status"),)


class LeadAnswerState(Base):
    """Which version of each lead ``lead_answers`` reflects."""

    __tablename__ = "lead_answer_state"
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    show_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    hot_ok: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    warm_ok: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class AnswerIndexMark(Base):
    """Per show, the newest ``leads.updated_at`` the answer index has seen: the next refresh only
    looks at leads updated after it (minus a safety margin for transactions that committed late)."""

    __tablename__ = "answer_index_marks"
    show_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rev: Mapped[int | None] = mapped_column(Integer)  # the show's ReviewRevision.rev at that refresh


class ReviewRevision(Base):
    """Per show, a counter every review edit bumps (in the edit's transaction): the report cache's
    fingerprint changes with it even when two edits carry the same timestamp or clocks differ
    between server processes."""

    __tablename__ = "review_revisions"
    show_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rev: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# Indexes on the core ``leads`` table that the review pages need at 100,000 leads (filters and
# sort orders of the lead table); created by 0002_review, declared here so metadata matches.
from central.models import Lead  # noqa: E402

IX_LEADS_SHOW_UPDATED = Index("ix_leads_show_updated", Lead.show_id, Lead.updated_at)
_LIVE = Lead.merged_into.is_(None)
LEAD_INDEXES = tuple(
    Index(name, *cols, sqlite_where=_LIVE, postgresql_where=_LIVE) for name, cols in (
        ("ix_leads_live_time", (Lead.show_id, Lead.discarded, Lead.captured_at_corrected, Lead.id)),
        ("ix_leads_live_score", (Lead.show_id, Lead.discarded, Lead.score, Lead.id)),
        ("ix_leads_live_tag_time", (Lead.show_id, Lead.discarded, Lead.tag, Lead.captured_at_corrected, Lead.id)),
        ("ix_leads_live_staff_time", (Lead.show_id, Lead.discarded, Lead.staff, Lead.captured_at_corrected, Lead.id)),
        ("ix_leads_live_device_time", (Lead.show_id, Lead.discarded, Lead.device_id, Lead.captured_at_corrected,
                                       Lead.id)),
        ("ix_leads_live_last_name", (Lead.show_id, Lead.discarded, Lead.last_name, Lead.id)),
        ("ix_leads_live_company", (Lead.show_id, Lead.discarded, Lead.company, Lead.id)),
    ))

# The sales tables (0003_sales) reference users; registering them here keeps "import the review
# models" meaning "the whole schema".
import central.sales.models  # noqa: E402,F401
