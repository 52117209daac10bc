"""Read-side queries shared by the CLI and the admin API: the lead list, the sales queue (warm
leads) and the nurture export for marketing."""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select

from central.db import Database
from central.models import Device, Lead
from central.timeutil import iso
from sync.record.fields import PERSON_FIELDS

# The contact as the list/API shows it: the person and the registration id (not the raw badge).
CONTACT_KEYS = PERSON_FIELDS + ("registration_id",)


def _contact(record: dict) -> dict[str, Any]:
    c = record.get("contact") or {}
    return {k: c.get(k) for k in CONTACT_KEYS}


def lead_summary(lead: Lead, device_name: str | None) -> dict[str, Any]:
    rec = lead.record_json or {}
    return {"id": lead.id, "version": lead.version, "show_id": lead.show_id, "tag": lead.tag,
            "computed_tag": lead.computed_tag, "score": lead.score, "discarded": lead.discarded,
            "contact": _contact(rec), "kiosk_id": lead.kiosk_id, "device_id": lead.device_id,
            "device_name": device_name, "staff": lead.staff, "captured_at": iso(lead.captured_at),
            "captured_at_corrected": iso(lead.captured_at_corrected), "clock_method": lead.clock_method,
            "follow_up": lead.follow_up, "product_interest": lead.product_interest,
            "received_at": iso(lead.received_at)}


def list_leads(db: Database, show_id: str | None = None, *, tag: str | None = None, discarded: bool | None = None,
               limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    q = (select(Lead, Device.name).join(Device, Device.id == Lead.device_id, isouter=True)
         .where(Lead.merged_into.is_(None)).order_by(Lead.captured_at_corrected, Lead.id))
    if show_id:
        q = q.where(Lead.show_id == show_id)
    if tag:
        q = q.where(Lead.tag == tag)
    if discarded is not None:
        q = q.where(Lead.discarded.is_(discarded))
    if limit is not None:
        q = q.limit(limit)
    if offset:
        q = q.offset(offset)
    with db.session() as s:
        return [lead_summary(lead, name) for lead, name in s.execute(q)]


def sales_queue(db: Database, show_id: str | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Warm leads for sales to work through (hot ones were already pushed to a salesperson)."""
    return list_leads(db, show_id, tag="warm", discarded=False, limit=limit, offset=offset)


NURTURE_COLUMNS = ("lead_id", "show_id", "first_name", "last_name", "company", "title", "email", "phone",
                   "country", "consent_given", "consent_text_version", "score", "product_interest",
                   "captured_at")


def neutralise(value: Any) -> str:
    """Spreadsheet formula injection, by the one rule of ``sync.sheet`` (CSV: apostrophe before a
    text that could run as a formula; plain numbers and phone numbers stay as they are)."""
    from sync.sheet import csv_cell_safe
    return csv_cell_safe("" if value is None else str(value))


def nurture_rows(db: Database, show_id: str) -> Iterable[list[str]]:
    q = (select(Lead).where(Lead.show_id == show_id, Lead.tag == "nurture", Lead.discarded.is_(False),
                            Lead.merged_into.is_(None)).order_by(Lead.captured_at_corrected, Lead.id))
    with db.session() as s:
        for lead in s.scalars(q):
            rec = lead.record_json or {}
            c = rec.get("contact") or {}
            consent = rec.get("consent") or {}
            yield [neutralise(v) for v in (
                lead.id, lead.show_id, c.get("first_name"), c.get("last_name"), c.get("company"), c.get("title"),
                c.get("email"), c.get("phone"), c.get("country"), "yes" if consent.get("given") else "no",
                consent.get("text_version"), lead.score, lead.product_interest, iso(lead.captured_at_corrected))]


def export_nurture(db: Database, show_id: str, out: Path) -> int:
    """Write the CSV atomically (temp file + rename) so a half-written export is never picked up."""
    tmp = out.with_name(out.name + ".tmp")
    n = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    os.fchmod(fd, 0o640)  # visitors' data: never world-readable, whatever the umask
    with open(fd, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(NURTURE_COLUMNS)
        for row in nurture_rows(db, show_id):
            w.writerow(row)
            n += 1
    tmp.replace(out)
    return n
