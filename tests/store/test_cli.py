"""The store's commands as scripts use them: capture, leads list, export, rescore, purge."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kiosk.store import open_store

HOT = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
       "evaluated_competitors": False, "role": "buyer", "follow_up": "demo", "consent": True}
MEDIUM = {"budget": "planned", "authority": "influencer", "need": "important", "timing": "6_12_months",
          "evaluated_competitors": True, "role": "buyer", "follow_up": "call", "consent": True}


def run(args: list[str], data: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEADKIOSK_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=60)


def line(contact: dict[str, Any], answers: dict[str, Any], **kw: Any) -> str:
    return json.dumps({"contact": contact, "answers": answers, **kw}, ensure_ascii=False)


def test_capture_acknowledges_good_lines_and_names_bad_ones(tmp_path: Path) -> None:
    data = tmp_path / "data"
    stdin = "\n".join([
        line({"first_name": "Jörg", "last_name": "Müller", "company": "Bäckerei Groß", "email": "j@example.de"},
             HOT, notes="wants a demo", staff="Ana"),
        "{not json",
        line({"first_name": "X"}, {"budget": "bogus", "consent": True}),
        "",
        json.dumps({"contact": {"first_name": "Y", "shoe_size": "44"}, "answers": HOT}),
        json.dumps([1, 2]),
        line({"first_name": "Zoë", "company": "=cmd|' /C calc'!A0"}, MEDIUM),
    ]) + "\n"
    r = run(["capture"], data, stdin)
    assert r.returncode == 1
    ids = r.stdout.split()
    assert len(ids) == 2
    err = r.stderr
    assert "line 2: not JSON" in err
    assert "line 3:" in err and "budget" in err and "bogus" in err
    assert "line 5:" in err and "shoe_size" in err
    assert "line 6: expected a JSON object" in err
    assert "line 1:" not in err and "line 7:" not in err
    store = open_store(data)
    try:
        a, b = store.get(ids[0]), store.get(ids[1])
        assert a and b
        assert a["contact"]["company"] == "Bäckerei Groß" and a["staff"] == "Ana" and a["notes"] == "wants a demo"
        assert a["score"]["tag"] == "hot" and a["score"]["form_id"] == "bant"
        assert a["consent"]["given"] is True and a["consent"]["text_version"]
        assert a["contact"]["format"] == "manual" and a["contact"]["raw"] is None
        assert b["score"]["tag"] in ("warm", "nurture")
    finally:
        store.close()


def test_leads_list_json_and_tag_filter(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = run(["capture"], data, line({"first_name": "Hot"}, HOT) + "\n" + line({"first_name": "Med"}, MEDIUM) + "\n")
    assert r.returncode == 0, r.stderr
    out = json.loads(run(["leads", "list", "--json"], data).stdout)
    assert len(out) == 2
    for item in out:
        assert {"id", "version", "tag", "discarded", "contact"} <= set(item)
    hot = json.loads(run(["leads", "list", "--json", "--tag", "hot"], data).stdout)
    assert [x["contact"]["first_name"] for x in hot] == ["Hot"]
    text = run(["leads", "list", "--data", str(data)], tmp_path / "elsewhere")
    assert "Hot" in text.stdout and "Med" in text.stdout


def test_export_csv_and_xlsx_neutralise_formulas_and_keep_umlauts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    nasty = ["=1+1", "+49 30 123", "-2+3", "@SUM(A1)", "\t=tab", "\r=cr"]
    stdin = line({"first_name": "Jörg", "last_name": "Ærøskøbing", "company": nasty[0], "phone": nasty[1],
                  "title": nasty[2], "email": nasty[3]}, HOT, notes=nasty[4], staff=nasty[5]) + "\n"
    assert run(["capture"], data, stdin).returncode == 0
    out_csv = tmp_path / "leads.csv"
    r = run(["export", "--format", "csv", "--out", str(out_csv)], data)
    assert r.returncode == 0, r.stderr
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["first_name"] == "Jörg" and rows[0]["last_name"] == "Ærøskøbing"
    assert rows[0]["company"] == "'=1+1" and rows[0]["phone"] == "+4930123"   # E.164 (item 8); a phone number runs nothing
    assert rows[0]["title"] == "'-2+3" and rows[0]["email"] == "'@SUM(A1)"
    assert rows[0]["notes"] == "'\t=tab" and rows[0]["staff"] == "'\r=cr"
    assert rows[0]["answer:budget"] == "approved" and rows[0]["tag"] == "hot"
    for row in rows:
        for key, value in row.items():
            assert key == "phone" or not value.startswith(("=", "+", "-", "@", "\t", "\r")), value

    from openpyxl import load_workbook
    out_xlsx = tmp_path / "leads.xlsx"
    assert run(["export", "--format", "xlsx", "--out", str(out_xlsx)], data).returncode == 0
    ws = load_workbook(out_xlsx).active
    header = [c.value for c in ws[1]]
    values = dict(zip(header, [c.value for c in ws[2]]))
    assert values["first_name"] == "Jörg" and values["company"] == "=1+1"      # a text cell, never run
    assert all(c.data_type != "f" for c in ws[2]), "a cell was stored as a formula"
    csv_stdout = run(["export"], data)
    assert csv_stdout.stdout.lstrip("\ufeff").startswith("lead_id,captured_at")


def test_rescore_keeps_override_and_purge_by_days(tmp_path: Path) -> None:
    from forms import default_form_path, form_with_thresholds, load_form

    data = tmp_path / "data"
    r = run(["capture"], data, line({"first_name": "Med"}, MEDIUM) + "\n" + line({"first_name": "Over"}, MEDIUM) + "\n")
    med, over = r.stdout.split()
    store = open_store(data)
    before = store.get(med)["score"]  # type: ignore[index]
    store.edit(over, {"score": {"override": "hot"}}, actor="Ana")
    store.close()
    form_file = tmp_path / "form.yaml"
    form_file.write_text(form_with_thresholds(Path(default_form_path()).read_text(encoding="utf-8"),
                                              hot=before["score"] + 20, warm=before["score"] + 10), encoding="utf-8")
    assert load_form(form_file).id == "bant"
    r = run(["rescore", "--form", str(form_file)], data)
    assert r.returncode == 0, r.stderr
    assert "2 of 2" in r.stdout
    store = open_store(data)
    try:
        m, o = store.get(med), store.get(over)
        assert m and o
        assert before["computed_tag"] == "warm"
        assert m["score"]["computed_tag"] == "nurture" and m["score"]["tag"] == "nurture" and m["version"] == 2
        assert m["history"][-1]["actor"] == "rescore"
        assert o["score"]["computed_tag"] == "nurture" and o["score"]["override"] == "hot" and o["score"]["tag"] == "hot"
        assert o["version"] == 3
        store.mark_sync(med, "central", 2, "sent")
    finally:
        store.close()
    assert "purged contact details of 0" in run(["purge", "--days", "30"], data).stdout
    assert "purged contact details of 1" in run(["purge", "--days", "0"], data).stdout
    store = open_store(data)
    try:
        assert store.get(med)["contact"]["first_name"] is None  # type: ignore[index]
        assert store.get(over)["contact"]["first_name"] == "Over"  # type: ignore[index]
    finally:
        store.close()


def test_rescore_in_process_counts_only_changed(tmp_path: Path) -> None:
    from forms import default_form_path, load_form, score

    from kiosk.store import new_lead

    form = load_form(default_form_path())
    store = open_store(tmp_path)
    try:
        lead = new_lead(show_id="demo", kiosk_id="k", staff="Ana", contact={"first_name": "A"},
                        answers=HOT, score=score(form, HOT).to_dict())
        store.save(lead)
        store.edit(lead["id"], {"score": {"discarded": True, "discard_reason": "staff: duplicate visitor"}}, actor="Ana")
        assert store.rescore(form) == 0  # same form: nothing changes, staff discard kept
        assert store.get(lead["id"])["score"]["discarded"] is True  # type: ignore[index]
    finally:
        store.close()


def test_purge_uses_confirmation_time(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    from .conftest import make_lead
    a = store.save(make_lead(first="Old"))
    store.mark_sync(a["id"], "central", 1, "sent")
    now = datetime.now(timezone.utc)
    assert store.purge(30, now=now + timedelta(days=29)) == 0
    assert store.purge(30, now=now + timedelta(days=31)) == 1
    store.close()
