"""CSV and XLSX exports of a filtered lead view.

Spreadsheet programs run a cell that starts with ``= + - @`` (or a tab / carriage return) as a
formula, so a badge with ``=HYPERLINK(...)`` as its company would run on the marketer's laptop.
Every text cell that starts that way gets a leading apostrophe (``sync.sheet.neutralise``, the
guard kiosk and central share), in both formats;
in XLSX the cell is also typed as a string so openpyxl never writes a formula. Text stays Unicode
(CSV in UTF-8 with a BOM so Excel opens umlauts and accents correctly).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Iterable, Iterator, Sequence

from sync.sheet import neutralise

__all__ = ["csv_chunks", "neutralise", "xlsx_bytes"]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    return neutralise(value) if isinstance(value, str) else value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], chunk_rows: int = 500) -> Iterator[bytes]:
    """Stream the CSV in chunks so a 100,000-lead export never sits whole in memory."""
    buf = io.StringIO()
    w = csv.writer(buf)
    buf.write("\ufeff")
    w.writerow([neutralise(h) for h in header])
    n = 0
    for row in rows:
        w.writerow([_cell(v) for v in row])
        n += 1
        if n % chunk_rows == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Leads") -> bytes:
    """The whole workbook (write-only mode keeps memory flat for large views)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])

    def typed(value: Any) -> Any:
        v = _cell(value)
        if isinstance(v, datetime):
            v = v.isoformat()
        if isinstance(v, str):
            c = WriteOnlyCell(ws, value=None)
            c.value = v  # assigning sets data_type from content; force text below
            c.data_type = "s"
            return c
        return v

    ws.append([typed(h) for h in header])
    for row in rows:
        ws.append([typed(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
