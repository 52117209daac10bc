"""Reading the files marketers actually get out of a CRM into one plain table of text cells.

CSV in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text": BOM, tab separated) and
Windows-1252 (Excel's "CSV" on a Western Windows), separated by comma, semicolon, tab or pipe;
and XLSX (first sheet, or the one picked). Encoding: a BOM decides; else strict UTF-8; else
charset-normalizer (already installed as a requests dependency) picks; Windows-1252 is the last
resort because every byte decodes in it. Delimiter: the one that splits the header and the next
lines into the same number of fields. Any file that cannot be read raises
:class:`ImportFormatError` with what was expected: the page shows it, never a 500.
"""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
DELIMITERS = (",", ";", "\t", "|")
XLSX_MAGIC = b"PK\x03\x04"
LATIN = {"cp1250", "cp1252", "cp1257", "latin_1", "iso8859_15", "iso8859_2", "iso8859_4", "iso8859_13", "cp850",
         "cp852", "cp775", "cp437", "mac_roman", "mac_latin2", "cp1006", "cp1125", "cp858"}


class ImportFormatError(ValueError):
    """The file itself cannot be read as a table (the message says what was expected)."""


@dataclass
class Table:
    """A file read as a header and rows of text cells (XLSX dates become ISO dates)."""

    columns: list[str]
    rows: list[list[str]]
    kind: str                       # "csv" | "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.kind == "xlsx":
            return f"Excel workbook, sheet {self.sheet!r} ({len(self.rows):,} rows)"
        names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
        return f"CSV, {self.encoding}, {names.get(self.delimiter or '', self.delimiter)} separated ({len(self.rows):,} rows)"


def read_table(data: bytes, filename: str | None = None, sheet: str | None = None) -> Table:
    """Read an uploaded export (CSV in any of the encodings above, or XLSX)."""
    if not data:
        raise ImportFormatError("the file is empty")
    if len(data) > MAX_BYTES:
        raise ImportFormatError(f"file too large: {len(data):,} bytes, at most {MAX_BYTES:,}: split the export")
    if data[:4] == XLSX_MAGIC or (filename or "").lower().endswith((".xlsx", ".xlsm")):
        return read_xlsx(data, sheet)
    if (filename or "").lower().endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFormatError("this is an old Excel .xls file: save it as .xlsx or CSV and upload that")
    text, encoding = decode(data)
    return read_csv_text(text, encoding)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in."""
    for bom, enc, name in ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
                           (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), name
            except UnicodeDecodeError as exc:
                raise ImportFormatError(f"the file starts like {name} but is damaged at byte {exc.start}") from None
    if b"\x00" in data[:4096]:  # UTF-16 without a BOM: every other byte of ASCII text is zero
        le = data[1:4096:2].count(0) > data[0:4096:2].count(0)
        try:
            return data.decode("utf-16-le" if le else "utf-16-be"), "UTF-16"
        except UnicodeDecodeError:
            raise ImportFormatError("the file holds zero bytes but is not UTF-16 text: is it a spreadsheet? "
                                    "Upload .xlsx or CSV") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(data[:200_000]).best()
    # A short export with one "ë" fits cp1250 or cp850 as well as cp1252: when the detector only
    # says "some Latin code page", Windows-1252 (what Excel writes on Western machines) wins if every
    # byte is defined in it; a Cyrillic, Greek, Turkish... file keeps the detector's choice.
    if best is None or best.encoding in LATIN:
        try:
            return data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            pass
    if best is not None and best.encoding not in ("utf_8", "ascii"):
        try:
            return data.decode(best.encoding), _enc_name(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace"), "Windows-1252"


def _enc_name(enc: str) -> str:
    return {"cp1252": "Windows-1252", "windows-1252": "Windows-1252", "latin_1": "ISO-8859-1",
            "iso8859_15": "ISO-8859-15", "cp1250": "Windows-1250", "utf_16": "UTF-16"}.get(enc.lower(), enc)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same (largest) number of fields."""
    lines = [ln for ln in text[:65536].splitlines() if ln.strip()][:20]
    if not lines:
        raise ImportFormatError("the file is empty (expected a header row)")
    best, best_key = ",", (-1, -1)
    for d in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=d)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        same = sum(1 for w in widths if w == widths[0])
        key = (same, widths[0])
        if key > best_key:
            best, best_key = d, key
    return best


def read_csv_text(text: str, encoding: str = "UTF-8") -> Table:
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = sniff_delimiter(text)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise ImportFormatError("the file is empty (expected a header row)")
        rows = []
        for rec in reader:
            if len(rows) >= MAX_ROWS:
                raise ImportFormatError(f"more than {MAX_ROWS:,} rows: split the export")
            if _is_data(rec, len(header)):
                rows.append(rec)
    except csv.Error as exc:
        raise ImportFormatError(f"not a readable CSV ({exc}) near line {reader.line_num}") from None
    return Table(_header(header), rows, "csv", encoding=encoding, delimiter=delimiter)


def _is_data(cells: list[str], width: int) -> bool:
    """Blank lines and report footers ("Confidential Information - Do Not Distribute", "Grand
    Totals (5 records)", "Generated By: ..." in Salesforce exports) are no data rows: one filled
    cell in a table of three or more columns."""
    filled = sum(1 for c in cells if str(c).strip())
    return filled > 1 or (filled == 1 and width < 3)


def _header(cells: list[Any]) -> list[str]:
    out, seen = [], set()
    for i, c in enumerate(cells):
        name = str(c).strip() if c is not None else ""
        name = name or f"column {i + 1}"
        while name in seen:
            name += " (2)"
        seen.add(name)
        out.append(name)
    if not any(out):
        raise ImportFormatError("the first row is empty (expected a header row)")
    return out


def cell_text(v: Any) -> str:
    """An XLSX cell as the text a CSV export would hold (dates as ISO, 12500.0 as 12500)."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def read_xlsx(data: bytes, sheet: str | None = None) -> Table:
    import zipfile
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFormatError(f"not a readable .xlsx workbook ({exc})") from None
    try:
        names = list(wb.sheetnames)
        if sheet and sheet not in names:
            raise ImportFormatError(f"no sheet {sheet!r} in the workbook (sheets: {', '.join(names)})")
        ws = wb[sheet or names[0]]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise ImportFormatError(f"sheet {ws.title!r} is empty (expected a header row)")
        rows = []
        for rec in it:
            if len(rows) >= MAX_ROWS:
                raise ImportFormatError(f"more than {MAX_ROWS:,} rows: split the export")
            cells = [cell_text(v) for v in rec]
            if _is_data(cells, len(header)):
                rows.append(cells)
        return Table(_header(list(header)), rows, "xlsx", sheet=ws.title, sheets=names)
    finally:
        wb.close()
