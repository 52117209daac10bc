"""The core tables (migration ``0001_core``). Declarative classes so the review web app can use the
ORM; ingest uses their ``__table__`` with Core statements because bulk inserts are what it does.

Times are UTC. ``leads.version`` is the device's version counter of the lead record (the kiosk is
the author); ``record_json`` holds the latest full record as the kiosk sent it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = JSON().with_variant(JSONB(), "postgresql")
UTC = DateTime(timezone=True)


class Base(DeclarativeBase):
    pass


class Show(Base):
    __tablename__ = "shows"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC)
    cost: Mapped[float | None] = mapped_column(Numeric(14, 2), nullable=True)
    config_json: Mapped[dict] = mapped_column(JSONType)          # show.yaml as JSON
    form_yaml: Mapped[str] = mapped_column(Text)
    badge_yaml: Mapped[str | None] = mapped_column(Text, nullable=True)
    roster_csv: Mapped[str | None] = mapped_column(Text, nullable=True)
    form_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTC)


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signing_secret: Mapped[str] = mapped_column(String(200))    # needed in clear to verify HMACs
    revoked_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTC)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)   # as the kiosk reported it
    last_ingest_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)  # last leads:batch received
    pending_json: Mapped[dict | None] = mapped_column(JSONType, nullable=True)  # {destination: n}
    clock_json: Mapped[dict | None] = mapped_column(JSONType, nullable=True)    # last clock sample
    clock_offset_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # server - device wall clock


class DeviceKey(Base):
    """Per kiosk: central's key pair for the personal data the kiosk seals to central, and the
    wrap key the kiosk needs to unlock without its passphrase (handed out only to the device's
    own signed requests, so never to a revoked device). Migration ``0001a_device_keys``."""
    __tablename__ = "device_keys"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    central_public_key: Mapped[str] = mapped_column(String(100))     # base64
    central_private_key: Mapped[str] = mapped_column(String(100))    # base64, central's own secret
    wrap_key: Mapped[str] = mapped_column(String(100))               # base64
    kiosk_public_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTC)
    updated_at: Mapped[datetime] = mapped_column(UTC)


class EnrollmentCode(Base):
    __tablename__ = "enrollment_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id"))
    created_at: Mapped[datetime] = mapped_column(UTC)
    expires_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(40), nullable=True)


class SeenMessage(Base):
    """``webhook-id``s seen in the last minutes: a replay of a signed request is refused."""
    __tablename__ = "seen_messages"
    device_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTC, index=True)


class DeviceClock(Base):
    """Where a device's monotonic clock started, in server time, per boot: leads captured with an
    unsynchronised wall clock are placed on the server's time line from their monotonic time."""
    __tablename__ = "device_clocks"
    device_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    boot_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    boot_epoch: Mapped[float] = mapped_column(Float)             # server unix time at monotonic 0
    observed_at: Mapped[datetime] = mapped_column(UTC)


class Lead(Base):
    __tablename__ = "leads"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    show_id: Mapped[str] = mapped_column(String(100))
    device_id: Mapped[str] = mapped_column(String(40), index=True)
    kiosk_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    captured_at: Mapped[datetime] = mapped_column(UTC)
    captured_at_corrected: Mapped[datetime] = mapped_column(UTC)
    clock_method: Mapped[str] = mapped_column(String(20))       # synchronised|monotonic|offset|none
    tag: Mapped[str] = mapped_column(String(20))
    computed_tag: Mapped[str | None] = mapped_column(String(20), nullable=True)
    override: Mapped[str | None] = mapped_column(String(20), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    discarded: Mapped[bool] = mapped_column(Boolean, default=False)
    discard_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    staff: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True)
    first_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    company: Mapped[str | None] = mapped_column(String(300), nullable=True)
    country: Mapped[str | None] = mapped_column(String(100), nullable=True)
    follow_up: Mapped[str | None] = mapped_column(String(300), nullable=True)
    product_interest: Mapped[str | None] = mapped_column(String(300), nullable=True)
    record_json: Mapped[dict] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTC)
    updated_at: Mapped[datetime] = mapped_column(UTC)
    merged_into: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # names, company, e-mail folded (central/search.py): accent- and case-insensitive search; its
    # indexes differ per database (central.search.DIALECT_INDEXES, made by 0006_search_speed)
    search_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the possible-duplicates rule's keys (central/search.py: email_key, name_key), 0007_duplicate_keys
    email_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    name_key: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (
        Index("ix_leads_show_captured", "show_id", "captured_at_corrected"),
        Index("ix_leads_show_tag", "show_id", "tag"),
        # covering: the duplicates list groups a show's live leads in capture order from it alone
        Index("ix_leads_live_dupkeys", "show_id", "captured_at_corrected", "id", "email_key", "name_key",
              "merged_into", sqlite_where=text("merged_into IS NULL"), postgresql_where=text("merged_into IS NULL")),
    )


class LeadVersion(Base):
    __tablename__ = "lead_versions"
    lead_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    record_json: Mapped[dict] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTC)


class LeadHistory(Base):
    __tablename__ = "lead_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(UTC)
    actor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str] = mapped_column(String(20))              # kiosk | web | api
    changes_json: Mapped[dict] = mapped_column(JSONType)


class Notification(Base):
    """The durable hot-lead queue. UNIQUE(lead, kind, recipient, event) is what makes "exactly
    once" hold across retries, kiosk re-sends and several server processes."""
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))                # email | chat
    recipient: Mapped[str] = mapped_column(String(500))
    # "new" (the first alert about this visitor), or "raised:<version>" / "notes:<version>" /
    # "again:<lead>" for a reply in the same thread (0003_sales)
    event: Mapped[str] = mapped_column(String(80), default="new", server_default="new")
    payload_json: Mapped[dict] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(20))               # pending | sending | retry | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTC)
    next_attempt_at: Mapped[datetime] = mapped_column(UTC)
    lease_until: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        UniqueConstraint("lead_id", "kind", "recipient", "event", name="uq_notifications_lead_kind_recipient_event"),
        Index("ix_notifications_due", "state", "next_attempt_at"),
    )


class Outbox(Base):
    """CRM pushes caused by edits made centrally (review web app); one row per lead version and
    destination."""
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(36))
    destination: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    payload_json: Mapped[dict] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(20))               # pending | sending | retry | sent | parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTC)
    next_attempt_at: Mapped[datetime] = mapped_column(UTC)
    sent_at: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        UniqueConstraint("lead_id", "destination", "version", name="uq_outbox_lead_dest_version"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
    )


class AuthThrottle(Base):
    """Failed attempts per key (``login-account:<email>``, ``login-address:<ip>``,
    ``enroll-address:<ip>``) so password and enrollment-code guessing slows down on every
    process behind the load balancer alike (migration ``0003_security``)."""
    __tablename__ = "auth_throttle"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTC)
    locked_until: Mapped[datetime | None] = mapped_column(UTC, nullable=True)
