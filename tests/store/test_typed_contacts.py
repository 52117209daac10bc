"""Issue 17 items 8 and 9: phones typed by hand or imported with ``capture`` become E.164 and
countries ISO codes (the show's default region when no country is given); a ``capture`` JSON
error points at the column where the line was cut."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.scan.badge.fields import typed_contact

from .test_cli import HOT, line, run


def test_typed_contact_rules() -> None:
    assert typed_contact({"phone": "0151 2345678", "country": "Germany"}) == {"phone": "+491512345678", "country": "DE"}
    assert typed_contact({"phone": "0151 2345678"}, "DE")["phone"] == "+491512345678"
    assert typed_contact({"phone": "0151 2345678"})["phone"] == "0151 2345678"   # no region: never guessed
    assert typed_contact({"phone": "+1 (555) 010-9999"})["phone"] == "+15550109999"
    assert typed_contact({"phone": "ask at desk"})["phone"] == "ask at desk"


def test_capture_normalises_phone_and_country(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = run(["capture"], data, line({"first_name": "Jörg", "phone": "030 1234567", "country": "Germany"}, HOT) + "\n")
    assert r.returncode == 0, r.stderr
    from kiosk.store import open_store
    store = open_store(data)
    try:
        lead = store.get(r.stdout.split()[0])
    finally:
        store.close()
    assert lead["contact"]["phone"] == "+49301234567" and lead["contact"]["country"] == "DE"


def test_capture_json_error_points_at_the_cut(tmp_path: Path) -> None:
    full = line({"first_name": "Ana"}, HOT)
    cut = full[:45]
    r = run(["capture"], tmp_path / "data", cut + "\n")
    assert r.returncode == 1
    assert "column 1" not in r.stderr and "column 4" in r.stderr, r.stderr   # 45 or 46, where it ends


def test_flow_normalises_typed_phone() -> None:
    from forms import default_form_path, load_form, score
    from kiosk.app.context import KioskContext, ShowInfo
    from kiosk.app.flow import CaptureFlow
    from kiosk.bootstrap import make_parser
    from kiosk.store import MemoryLeadStore, new_lead
    ctx = KioskContext(kiosk_id="k1", show=ShowInfo("demo", "Demo"), form=load_form(default_form_path()),
                       staff="Ana", default_region="DE")
    flow = CaptureFlow(ctx, MemoryLeadStore(), make_parser(None), score=score, new_lead=new_lead)
    flow.manual_entry()
    flow.submit_contact({"first_name": "Lena", "phone": "0151 2345678", "country": "Deutschland"})
    assert flow.contact["phone"] == "+491512345678" and flow.contact["country"] == "DE"
    _ = (json, pytest)
