"""Exports neutralise spreadsheet formulas and keep non-ASCII text."""
from __future__ import annotations

import csv
import io

import openpyxl

from central.web.export import csv_chunks, neutralise, xlsx_bytes

EVIL = ["=HYPERLINK(\"http://evil\")", "+1+2", "-3", "@SUM(A1)", "\tx", "\rx"]


def test_neutralise():
    for v in EVIL:
        assert neutralise(v) == "'" + v
    assert neutralise("Müller") == "Müller"
    assert neutralise(5) == 5 and neutralise(None) is None
    assert neutralise("a=b") == "a=b"


def test_csv_is_utf8_with_bom_and_neutralised():
    rows = [[v, "Zoë Łukasz 山田"] for v in EVIL] + [[42, True]]
    data = b"".join(csv_chunks(["value", "name"], rows, chunk_rows=2))
    assert data.startswith("\ufeff".encode())
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == ["value", "name"]
    for v, row in zip(EVIL, parsed[1:]):
        assert row[0] == "'" + v
        assert row[1] == "Zoë Łukasz 山田"
    assert parsed[-1] == ["42", "yes"]


def test_xlsx_has_no_formulas():
    data = xlsx_bytes(["value", "name"], [[v, "Ørsted"] for v in EVIL] + [[7, None]])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = list(ws.iter_rows(min_row=2, values_only=False))
    for v, (a, b) in zip(EVIL, cells):
        # XML turns a lone carriage return into a newline on reading; the apostrophe is what matters
        assert a.data_type == "s" and a.value.replace("\n", "\r") == ("'" + v).replace("\n", "\r")
        assert b.value == "Ørsted"
    assert cells[-1][0].value == 7
