"""Lead exports as CSV and XLSX: ONE implementation for the kiosk (USB stick, ``leadkiosk export``)
and the review app (a filtered view), so both files have the same columns and the same safety.

Formula injection (OWASP "CSV Injection"): a spreadsheet evaluates a text cell that starts with
``= + - @``, a tab or a carriage return, so a badge whose company reads ``=HYPERLINK(...)`` would
run on the marketer's laptop.

* CSV has no cell types: such a cell gets a leading apostrophe, as OWASP advises, EXCEPT a plain
  number or phone number (digits, spaces and ``( ) . / -`` after an optional leading ``+``/``-``,
  e.g. ``+49 151 2345678`` or ``-5``): with no letters there is no function, cell reference or DDE
  command to run, so nothing could execute, and phone numbers stay dialable.
* XLSX cells are typed: every text is written as a string cell, which a spreadsheet never
  evaluates, so no apostrophe is needed (or added) there.

Times: XLSX gets real date-time cells (UTC, formatted), CSV ISO 8601 with the offset. The XLSX has
a frozen header row, an autofilter and column widths. CSV is UTF-8 with a BOM (Excel then shows
"Müller", not "MÃ¼ller").
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any, Iterable, Iterator, Mapping, Sequence

from sync.record.record import effective_tag

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 ().\-/]*$")
# Characters XML 1.0 (hence XLSX) cannot hold; badge payloads may carry e.g. GS (0x1d).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Column:
    name: str
    width: float = 14          # XLSX column width (characters)
    kind: str = "text"         # text | time | number | bool


COLUMNS: tuple[Column, ...] = (
    Column("lead_id", 38), Column("captured_at", 20, "time"), Column("show_id", 14), Column("kiosk", 14),
    Column("staff", 14), Column("first_name", 16), Column("last_name", 18), Column("company", 26),
    Column("title", 20), Column("email", 30), Column("phone", 18), Column("country", 10),
    Column("registration_id", 16), Column("badge_format", 10), Column("tag", 9), Column("computed_tag", 9),
    Column("override", 9), Column("score", 7, "number"), Column("discarded", 9, "bool"),
    Column("discard_reason", 28), Column("reasons", 60), Column("consent_given", 9, "bool"),
    Column("consent_version", 10), Column("consent_at", 20, "time"), Column("notes", 40),
    Column("version", 7, "number"), Column("updated_at", 20, "time"), Column("outcome", 12),
    Column("outcome_stage", 14), Column("outcome_reason", 24), Column("purged", 8, "bool"),
)


def csv_cell_safe(value: str) -> str:
    """The CSV rule above: apostrophe before a text a spreadsheet could run as a formula."""
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def parse_time(value: Any) -> datetime | None:
    """A record's ISO 8601 text (``...Z``) or a datetime -> an aware UTC datetime (None if absent
    or unreadable: the raw text is then exported as text)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


def _answer_text(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def lead_row(lead: Mapping[str, Any], answer_ids: Sequence[str],
             extra: Mapping[str, Any] | None = None) -> list[Any]:
    """One lead record (the schema-1 dict) as values in ``COLUMNS`` order, then its answers.
    ``extra`` overrides columns the caller knows better (central: the corrected capture time,
    the kiosk's name, the outcome)."""
    c, s = lead.get("contact") or {}, lead.get("score") or {}
    consent = lead.get("consent") or {}
    outcome = lead.get("outcome") if isinstance(lead.get("outcome"), dict) else {}
    tag = effective_tag(lead)
    values: dict[str, Any] = {
        "lead_id": lead.get("id"), "captured_at": lead.get("captured_at"), "show_id": lead.get("show_id"),
        "kiosk": lead.get("kiosk_id"), "staff": lead.get("staff"), "first_name": c.get("first_name"),
        "last_name": c.get("last_name"), "company": c.get("company"), "title": c.get("title"),
        "email": c.get("email"), "phone": c.get("phone"), "country": c.get("country"),
        "registration_id": c.get("registration_id"), "badge_format": c.get("format"), "tag": tag,
        "computed_tag": s.get("computed_tag"), "override": s.get("override"), "score": s.get("score"),
        "discarded": bool(s.get("discarded")), "discard_reason": s.get("discard_reason"),
        "reasons": "; ".join(s.get("reasons") or []), "consent_given": consent.get("given"),
        "consent_version": consent.get("text_version"), "consent_at": consent.get("at"),
        "notes": lead.get("notes"), "version": lead.get("version"), "updated_at": lead.get("updated_at"),
        "outcome": (outcome or {}).get("status"), "outcome_stage": (outcome or {}).get("stage"),
        "outcome_reason": (outcome or {}).get("reason"), "purged": bool(lead.get("purged")),
    }
    if extra:
        values.update(extra)
    answers = lead.get("answers") or {}
    return [values[col.name] for col in COLUMNS] + [_answer_text(answers.get(q)) for q in answer_ids]


def answer_ids_of(leads: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({k for lead in leads for k in (lead.get("answers") or {}) if k != "consent"})


def header(answer_ids: Sequence[str]) -> list[str]:
    return [col.name for col in COLUMNS] + [f"answer:{q}" for q in answer_ids]


def _kinds(n_answers: int) -> list[str]:
    return [col.kind for col in COLUMNS] + ["text"] * n_answers


# --- CSV ------------------------------------------------------------------------------------------
def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "time":
        t = parse_time(value)
        if t is not None:
            return t.astimezone(timezone.utc).isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return csv_cell_safe(value)
    return value


def csv_chunks(answer_ids: Sequence[str], rows: Iterable[Sequence[Any]], chunk_rows: int = 500) -> Iterator[bytes]:
    """The CSV (UTF-8 with BOM) in chunks, so a 100,000-lead export never sits whole in memory."""
    kinds = _kinds(len(answer_ids))
    buf = io.StringIO()
    w = csv.writer(buf)
    buf.write("\ufeff")
    w.writerow([csv_cell_safe(h) for h in header(answer_ids)])
    n = 0
    for row in rows:
        w.writerow([_csv_value(v, k) for v, k in zip(row, kinds)])
        n += 1
        if n % chunk_rows == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def write_csv(answer_ids: Sequence[str], rows: Iterable[Sequence[Any]], fh: IO[bytes]) -> int:
    count = 0

    def counted() -> Iterator[Sequence[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row
    for chunk in csv_chunks(answer_ids, counted()):
        fh.write(chunk)
    return count


# --- XLSX -----------------------------------------------------------------------------------------
def write_xlsx(answer_ids: Sequence[str], rows: Iterable[Sequence[Any]], fh: IO[bytes], sheet: str = "Leads") -> int:
    """The workbook (write-only mode keeps memory flat for large views): typed cells, real
    date-times, frozen header, autofilter, column widths."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    names = header(answer_ids)
    kinds = _kinds(len(answer_ids))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.freeze_panes = "A2"
    for i, col in enumerate(list(COLUMNS) + [Column(n, 18) for n in names[len(COLUMNS):]], 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    bold = Font(bold=True)

    def text_cell(value: str, font: Any = None) -> Any:
        cell = WriteOnlyCell(ws, value=None)
        cell.value = _ILLEGAL_XML.sub("\ufffd", value)
        cell.data_type = "s"          # a string cell: never evaluated, whatever it starts with
        if font is not None:
            cell.font = font
        return cell

    def typed(value: Any, kind: str) -> Any:
        if value is None:
            return None
        if kind == "time":
            t = parse_time(value)
            if t is not None:
                cell = WriteOnlyCell(ws, value=t.astimezone(timezone.utc).replace(tzinfo=None))
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
                return cell
        if isinstance(value, bool) or kind == "number" and isinstance(value, (int, float)):
            return value
        return text_cell(str(value))

    ws.append([text_cell(h, bold) for h in names])
    count = 0
    for row in rows:
        ws.append([typed(v, k) for v, k in zip(row, kinds)])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"
    wb.save(fh)
    return count
