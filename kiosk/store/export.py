"""CSV and XLSX exports of the lead store: the kiosk's side of ``sync.sheet``, the one export
implementation the review app uses too (same columns, formula safety, dates, header, filter)."""
from __future__ import annotations

from typing import IO, Any, Iterable, Mapping

from sync import sheet


def rows(leads: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: ``sync.sheet.COLUMNS``, then one ``answer:<question>`` column per question seen."""
    leads = list(leads)
    ids = sheet.answer_ids_of(leads)
    return sheet.header(ids), [sheet.lead_row(lead, ids) for lead in leads]


def write_csv(leads: Iterable[Mapping[str, Any]], fh: IO[bytes]) -> int:
    leads = list(leads)
    ids = sheet.answer_ids_of(leads)
    return sheet.write_csv(ids, (sheet.lead_row(lead, ids) for lead in leads), fh)


def write_xlsx(leads: Iterable[Mapping[str, Any]], fh: IO[bytes]) -> int:
    leads = list(leads)
    ids = sheet.answer_ids_of(leads)
    return sheet.write_xlsx(ids, (sheet.lead_row(lead, ids) for lead in leads), fh)
