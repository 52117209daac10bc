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


# --- item 9: small ones ---------------------------------------------------------------------------
NURTURE_DISCARD = {"budget": "none", "authority": "researcher", "need": "nice_to_have", "timing": "no_plans",
                   "role": "student", "follow_up": "info_pack", "consent": True}


def test_leads_list_tag_discarded(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = run(["capture"], data, line({"first_name": "Hot"}, HOT) + "\n" + line({"first_name": "Stu"}, NURTURE_DISCARD) + "\n")
    assert r.returncode == 0, r.stderr
    hot_id, stu_id = r.stdout.split()
    r = run(["leads", "list", "--tag", "discarded", "--json"], data)
    assert r.returncode == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)] == [stu_id]
    r = run(["leads", "list", "--tag", "hot", "--json"], data)
    assert [x["id"] for x in json.loads(r.stdout)] == [hot_id]


def test_sync_without_destinations_says_so_and_once_exits_1(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(["capture"], data, line({"first_name": "Ana"}, HOT) + "\n").returncode == 0
    r = run(["sync", "status"], data)
    assert r.returncode == 0 and "no sync destinations" in r.stdout and "1 lead(s)" in r.stdout, r.stdout
    r = run(["sync", "--once"], data)
    assert r.returncode == 1 and "1 lead(s) stay in the store unsent" in r.stdout, (r.returncode, r.stdout)


def test_decode_reads_the_images_in_a_folder(tmp_path: Path) -> None:
    import cv2
    from kiosk.app.badge_video import badge_image
    folder = tmp_path / "badges"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), badge_image("BEGIN:VCARD\nVERSION:3.0\nN:Weber;Lena;;;\nEND:VCARD"))
    (folder / "notes.txt").write_text("not an image")
    r = run(["decode", str(folder)], tmp_path / "data")
    assert r.returncode == 0, r.stderr
    assert "no such file" not in r.stderr and "Weber" in r.stdout


def test_camera_none_and_demo_are_accepted_and_listed(tmp_path: Path) -> None:
    from kiosk.config import load_kiosk_settings
    from kiosk.errors import ConfigError
    data = tmp_path / "data"
    data.mkdir()
    (data / "kiosk.toml").write_text('[camera]\nsource = "none"\n')
    assert load_kiosk_settings(data).camera_source == "none"
    (data / "kiosk.toml").write_text('[camera]\nsource = "webcam"\n')
    with pytest.raises(ConfigError) as err:
        load_kiosk_settings(data)
    assert "none, demo" in str(err.value)
