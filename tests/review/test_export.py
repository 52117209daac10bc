"""Issue 17 item 14: one export (sync.sheet) for the kiosk and the review app, read back with the
csv module and openpyxl: formulas neutralised only where they could run, real date-times in XLSX,
ISO 8601 with offset in CSV, frozen header, autofilter, widths, consent, reasons and answers."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl

from sync.sheet import csv_cell_safe, csv_chunks, lead_row, write_xlsx

EVIL = ["=HYPERLINK(\"http://evil\")", "+1+A2", "-2+B3", "@SUM(A1)", "\tx", "\rx", "=1+1", "+cmd|' /C calc'!A0"]
PLAIN = ["+49 151 2345678", "-5", "+1 (555) 010-9999", "0151 2345678", "Müller", "a=b"]
RECORD = {"id": "9b0d3c1e-1f2a-4c5b-8d6e-7f8091a2b3c4", "captured_at": "2026-11-22T10:42:00.123Z",
          "show_id": "expo", "kiosk_id": "booth-1", "staff": "Ana", "version": 2,
          "updated_at": "2026-11-22T11:00:00Z", "notes": "=HYPERLINK(\"x\")",
          "contact": {"first_name": "Zoë", "last_name": "Łukasz 山田", "company": "=1+1", "email": "z@example.com",
                      "phone": "+49 151 2345678", "country": "DE", "format": "vcard"},
          "answers": {"budget": "approved", "product_interest": ["crm_sync", "analytics"]},
          "consent": {"given": True, "text_version": "2026-1", "at": "2026-11-22T10:43:00Z"},
          "score": {"score": 80, "tag": "hot", "computed_tag": "hot", "override": None, "discarded": False,
                    "reasons": ["budget approved +30", "decision maker +20"]}}


def test_csv_rule_follows_owasp_but_leaves_numbers() -> None:
    for v in EVIL:
        assert csv_cell_safe(v) == "'" + v, v
    for v in PLAIN:
        assert csv_cell_safe(v) == v, v


def test_csv_roundtrip() -> None:
    ids = ["budget", "product_interest"]
    data = b"".join(csv_chunks(ids, [lead_row(RECORD, ids)] + [lead_row({**RECORD, "notes": v}, ids) for v in EVIL]))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    r = rows[0]
    assert r["captured_at"] == "2026-11-22T10:42:00+00:00"           # ISO 8601 with the offset
    assert datetime.fromisoformat(r["captured_at"]).utcoffset() is not None
    assert r["phone"] == "+49 151 2345678" and r["company"] == "'=1+1"
    assert r["consent_given"] == "yes" and r["consent_version"] == "2026-1"
    assert r["reasons"] == "budget approved +30; decision maker +20"
    assert r["answer:product_interest"] == "crm_sync, analytics" and r["tag"] == "hot"
    assert r["last_name"] == "Łukasz 山田"
    assert [row["notes"] for row in rows[1:]] == ["'" + v for v in EVIL]


def test_xlsx_typed_cells_dates_header_filter_widths() -> None:
    ids = ["budget", "product_interest"]
    out = io.BytesIO()
    assert write_xlsx(ids, [lead_row(RECORD, ids), lead_row({**RECORD, "captured_at": None}, ids)], out) == 2
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2])}
    assert isinstance(row["captured_at"].value, datetime)             # a real date-time cell
    assert row["captured_at"].value == datetime(2026, 11, 22, 10, 42, 0, 123000)
    assert row["phone"].value == "+49 151 2345678"                    # no apostrophe in XLSX ...
    assert row["company"].value == "=1+1" and row["company"].data_type == "s"   # ... a text cell never runs
    assert row["notes"].data_type == "s"
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    assert row["consent_given"].value is True and row["score"].value == 80
    assert row["answer:budget"].value == "approved" and "decision maker" in row["reasons"].value
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}3"
    assert ws.column_dimensions["J"].width >= 20                      # e-mail column is wide


def test_review_export_has_what_the_kiosk_export_has(as_marketer) -> None:
    from kiosk.store.export import rows as kiosk_rows
    r = as_marketer.get("/shows/expo/leads.csv", params={"discarded": "all"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    kiosk_header = kiosk_rows([RECORD])[0]
    assert all(col in rows[0] for col in kiosk_header if not col.startswith("answer:"))   # same columns
    assert {"consent_given", "reasons", "answer:budget", "answer:follow_up"} <= set(rows[0])
    assert any(row["reasons"] for row in rows) and any(row["answer:budget"] for row in rows)
    assert all(datetime.fromisoformat(row["captured_at"]).utcoffset() is not None for row in rows)
    assert any(row["phone"].startswith("+") for row in rows)                         # phones stay dialable
    x = as_marketer.get("/shows/expo/leads.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    header = [c.value for c in ws[1]]
    first = dict(zip(header, [c.value for c in ws[2]]))
    assert isinstance(first["captured_at"], datetime) and ws.freeze_panes == "A2" and ws.auto_filter.ref
