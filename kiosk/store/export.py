"""CSV and XLSX exports of the lead store, safe to open in Excel.

A visitor types their company as ``=HYPERLINK(...)`` and the marketer's spreadsheet runs it:
every text cell that a spreadsheet would read as a formula gets a leading apostrophe
(``sync.sheet.neutralise``, the one guard kiosk and central share). CSV is UTF-8 with a BOM so
Excel shows "Müller" rather than "MÃ¼ller".
"""
from __future__ import annotations

import csv
import io
import re
from typing import IO, Any, Iterable, Mapping

from sync.record.record import effective_tag
from sync.sheet import neutralise
# Characters XML 1.0 (hence XLSX) cannot hold; badge payloads may carry e.g. GS (0x1d).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

BASE_COLUMNS = ["id", "captured_at", "show_id", "kiosk_id", "staff", "first_name", "last_name", "company",
                "title", "email", "phone", "country", "registration_id", "badge_format", "tag", "computed_tag",
                "override", "score", "discarded", "discard_reason", "reasons", "consent_given",
                "consent_version", "notes", "version", "updated_at", "outcome", "purged"]


def _answer_text(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def rows(leads: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: fixed columns, then one ``answer:<question>`` column per question seen."""
    leads = list(leads)
    answer_keys = sorted({k for lead in leads for k in (lead.get("answers") or {}) if k != "consent"})
    header = BASE_COLUMNS + [f"answer:{k}" for k in answer_keys]
    out = []
    for lead in leads:
        c, s, consent = lead.get("contact") or {}, lead.get("score") or {}, lead.get("consent") or {}
        outcome = lead.get("outcome") or {}
        row = [lead.get("id"), lead.get("captured_at"), lead.get("show_id"), lead.get("kiosk_id"), lead.get("staff"),
               c.get("first_name"), c.get("last_name"), c.get("company"), c.get("title"), c.get("email"),
               c.get("phone"), c.get("country"), c.get("registration_id"), c.get("format"), effective_tag(lead),
               s.get("computed_tag"), s.get("override"), s.get("score"), bool(s.get("discarded")),
               s.get("discard_reason"), "; ".join(s.get("reasons") or []), bool(consent.get("given")),
               consent.get("text_version"), lead.get("notes"), lead.get("version"), lead.get("updated_at"),
               outcome.get("status") if isinstance(outcome, dict) else None, bool(lead.get("purged"))]
        answers = lead.get("answers") or {}
        row += [_answer_text(answers.get(k)) for k in answer_keys]
        out.append([neutralise(v) for v in row])
    return header, out


def write_csv(leads: Iterable[Mapping[str, Any]], fh: IO[bytes]) -> int:
    header, body = rows(leads)
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(header)
    w.writerows([["" if v is None else v for v in r] for r in body])
    fh.write(text.getvalue().encode("utf-8-sig"))
    return len(body)


def write_xlsx(leads: Iterable[Mapping[str, Any]], fh: IO[bytes]) -> int:
    from openpyxl import Workbook  # lazy: only exports pay for it

    header, body = rows(leads)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("leads")
    ws.append(header)
    for r in body:
        ws.append([_ILLEGAL_XML.sub("\ufffd", v) if isinstance(v, str) else v for v in r])
    wb.save(fh)
    return len(body)
