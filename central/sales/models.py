"""Tables of the sales features (migration ``0003_sales``), on the central Base so one metadata
describes the whole database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base

JSONType = JSON().with_variant(JSONB(), "postgresql")
UTC = DateTime(timezone=True)


class RepSettings(Base):
    """One sales user's dial: which leads they want to hear about and when. A sales user without a
    row follows the routing config (``[[routing.rules]]``) like before."""

    __tablename__ = "rep_settings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))                 # hot | hot_warm | threshold
    threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    countries: Mapped[list] = mapped_column(JSONType)             # ISO codes; empty = everywhere
    products: Mapped[list] = mapped_column(JSONType)              # product option ids; empty = all
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)   # "HH:MM" in the rep's time zone
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(UTC)


class SalesWindow(Base):
    """The admin's quarter-end window (one row, id 1): for the last ``days`` days of a calendar
    quarter every rep's dial is widened (hot only takes warm too; a threshold drops by ``points``)."""

    __tablename__ = "sales_window"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[int] = mapped_column(Integer)                    # 0 = off
    points: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTC)
    updated_by: Mapped[str] = mapped_column(String(320))


class LeadAssignment(Base):
    """Who got which lead and why (``dial``, ``rule``, ``default``): the rep's inbox and the
    report's "who got what"."""

    __tablename__ = "lead_assignments"
    lead_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rep: Mapped[str] = mapped_column(String(320), primary_key=True)   # e-mail address
    show_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(20))
    tag: Mapped[str] = mapped_column(String(20))
    assigned_at: Mapped[datetime] = mapped_column(UTC)
    __table_args__ = (Index("ix_lead_assignments_rep", "rep", "assigned_at"),
                      Index("ix_lead_assignments_show", "show_id", "rep"))


class LeadClaim(Base):
    """What sales did with a lead: who accepted it, the first contact (time, channel) and the
    resulting time to first contact in seconds since capture, or why it was not a fit."""

    __tablename__ = "lead_claims"
    lead_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    show_id: Mapped[str] = mapped_column(String(100), index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    first_contact_channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    first_contact_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    first_contact_s: Mapped[float | None] = mapped_column(Float, nullable=True)   # time to first contact
    not_fit_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    not_fit_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)


class VisitorKey(Base):
    """Per show, each identity of a visitor (``email:<lowercased>``, ``reg:<registration id>``) and
    the first lead that carried it: captures of the same person share that lead's alert thread."""

    __tablename__ = "visitor_keys"
    show_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(36), index=True)
