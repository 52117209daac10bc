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
import re
from datetime import date, datetime, timedelta
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


NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RNS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}


def read_xlsx(data: bytes, sheet: str | None = None) -> Table:
    """A workbook's first (or named) sheet as text cells.

    Streams the sheet's XML with the standard library's C parser (shared strings, inline strings,
    numbers, booleans, and numbers whose cell style is a date format become ISO dates): at 50,000
    rows that is several times faster than openpyxl's reader (``bench/outcome_import_bench.py``).
    A workbook this reader does not understand is handed to openpyxl, which knows every corner."""
    import zipfile
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportFormatError(f"not a readable .xlsx workbook ({exc})") from None
    try:
        return _read_xlsx_stream(zf, sheet)
    except ImportFormatError:
        raise
    except Exception:  # noqa: BLE001  (an unusual but valid workbook: the full reader)
        return _read_xlsx_openpyxl(data, sheet)


def _read_xlsx_stream(zf: Any, sheet: str | None) -> Table:
    import posixpath
    import xml.etree.ElementTree as ET
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    sheets = [(e.get("name"), targets[e.get(RNS + "id")]) for e in wb.iter(NS + "sheet")]
    names = [n for n, _ in sheets]
    if sheet and sheet not in names:
        raise ImportFormatError(f"no sheet {sheet!r} in the workbook (sheets: {', '.join(names)})")
    name, target = next((n, t) for n, t in sheets if n == (sheet or names[0]))
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    pr = wb.find(NS + "workbookPr")
    epoch = datetime(1904, 1, 1) if pr is not None and pr.get("date1904") in ("1", "true") else datetime(1899, 12, 30)
    shared: list[str] = []
    if "xl/sharedStrings.xml" in zf.namelist():
        for _, el in ET.iterparse(zf.open("xl/sharedStrings.xml")):
            if el.tag == NS + "si":
                shared.append("".join(t.text or "" for t in el.iter(NS + "t")))
                el.clear()
    date_styles: set[int] = set()
    if "xl/styles.xml" in zf.namelist():
        st = ET.fromstring(zf.read("xl/styles.xml"))
        custom = {int(f.get("numFmtId")): f.get("formatCode") or "" for f in st.iter(NS + "numFmt")}
        xfs = st.find(NS + "cellXfs")
        for i, xf in enumerate(xfs if xfs is not None else []):
            fid = int(xf.get("numFmtId") or 0)
            code = custom.get(fid, "").lower().split(";")[0]
            code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)  # quoted text, [Red]/[$-409], \x
            if fid in DATE_FORMATS or (fid in custom and any(ch in code for ch in "dmy")):
                date_styles.add(i)
    rows: list[list[str]] = []
    header: list[str] | None = None
    width = 0
    for _, el in ET.iterparse(zf.open(path)):
        if el.tag != NS + "row":
            continue
        cells: dict[int, str] = {}
        for c in el.iter(NS + "c"):
            ref, t = c.get("r") or "", c.get("t")
            col = _col_index(ref) if ref else len(cells)
            if t == "inlineStr":
                val = "".join(x.text or "" for x in c.iter(NS + "t"))
            else:
                v = c.find(NS + "v")
                raw = v.text if v is not None and v.text is not None else ""
                if t == "s" and raw:
                    val = shared[int(raw)]
                elif t == "b":
                    val = "TRUE" if raw == "1" else "FALSE" if raw else ""
                elif t in ("str", "e"):
                    val = raw
                elif raw and int(c.get("s") or 0) in date_styles:
                    val = cell_text(epoch + timedelta(days=float(raw)))
                elif raw:
                    f = float(raw)
                    val = repr(int(f)) if f.is_integer() and abs(f) < 1e15 else raw
                else:
                    val = ""
            cells[col] = val.strip()
        el.clear()
        line = [cells.get(i, "") for i in range(max(cells) + 1)] if cells else []
        if header is None:
            if not any(line):
                continue
            header, width = line, len(line)
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFormatError(f"more than {MAX_ROWS:,} rows: split the export")
        if _is_data(line, width):
            rows.append(line + [""] * (width - len(line)))
    if header is None:
        raise ImportFormatError(f"sheet {name!r} is empty (expected a header row)")
    return Table(_header(header), rows, "xlsx", sheet=name, sheets=names)


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + (ord(ch.upper()) - 64)
    return n - 1


def _read_xlsx_openpyxl(data: bytes, sheet: str | None = None) -> Table:
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
