"""The thief test: a kiosk (real bootstrap: store, sync worker, unlock socket) captures leads with
distinctive names, e-mails, phones, notes and badge payloads; then every byte under its data
directory (store files, logs, show files, temporary files, the export folder) is read while the
kiosk is locked: before a sync, after a sync to the real central system, and after a restart.
None of the personal data may be there, in any spelling the files could hold it. Central, which
is where leads are meant to be read, has them all in clear."""
from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("central.api")

from kiosk.app.flow import QUALIFY  # noqa: E402
from kiosk.bootstrap import build_services  # noqa: E402
from kiosk.cli import main  # noqa: E402
from sync.testing.central_process import RealCentral  # noqa: E402

pytestmark = pytest.mark.slow

PASS = "Guard the booth, Hall 3!"
VCARD = ("BEGIN:VCARD\nVERSION:3.0\nN:Thistlewood;Euphrosyne;;;\nFN:Euphrosyne Thistlewood\n"
         "ORG:Marzipanfabrik Lübeck-Süd\nEMAIL:euphrosyne.t@marzipan-sued.example\nTEL:+49 451 7788 9911\n"
         "END:VCARD")
HOT = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
       "evaluated_competitors": True, "role": "buyer", "follow_up": "demo"}
CLI_LEADS = [
    {"contact": {"first_name": "Bartholomäus", "last_name": "Quenzelmaier", "company": "Zwetschgen Logistik",
                 "email": "b.quenzelmaier@zwetschgen.example", "phone": "+43 662 909 4433"},
     "answers": {**HOT, "consent": True}, "notes": "Sohn heißt Kasimir, mag Segelboote", "staff": "Ana"},
    {"contact": {"first_name": "Ngozi", "last_name": "Adebayo-Fairweather", "company": "Kelp & Krill Ltd",
                 "email": "ngozi@kelpkrill.example", "phone": "+44 131 496 0777", "registration_id": "XR-55813"},
     "answers": {"budget": "none", "authority": "researcher", "need": "nice_to_have", "timing": "no_plans",
                 "role": "buyer", "follow_up": "info_pack", "consent": True},
     "notes": "allergic to peanuts; call after 4pm", "staff": "Ana"},
]
MANUAL = {"first_name": "Hieronymus", "last_name": "Wolkenstein", "company": "Nebelhorn Sensorik",
          "email": "h.wolkenstein@nebelhorn.example", "phone": "+41 44 668 1800"}
SECRETS = ["Euphrosyne", "Thistlewood", "Marzipanfabrik", "euphrosyne.t@marzipan-sued.example", "7788 9911", "45177889911",
           "Bartholomäus", "Quenzelmaier", "Zwetschgen", "b.quenzelmaier", "909 4433", "Kasimir", "Segelboote",
           "Ngozi", "Adebayo-Fairweather", "Kelp & Krill", "kelpkrill", "496 0777", "XR-55813", "peanuts",
           "Hieronymus", "Wolkenstein", "Nebelhorn", "668 1800", "second visit: wants pricing", PASS,
           "6629094433", "1314960777", "446681800"]  # the phones as E.164 digits too (typed contacts)


def _forms(text: str) -> list[bytes]:
    """Every spelling a file could hold: UTF-8, JSON's \\u escapes, UTF-16, lower case."""
    escaped = json.dumps(text)[1:-1]
    return [text.encode(), escaped.encode(), text.lower().encode(), text.encode("utf-16-le")]


def _read_every_byte(data: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data)): p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}


def _assert_nothing_readable(data: Path, when: str) -> None:
    files = _read_every_byte(data)
    assert any(name.startswith("leads/") for name in files), files.keys()
    found = [(s, name) for name, blob in files.items() for s in SECRETS for f in _forms(s) if f in blob]
    assert not found, f"{when}: personal data readable on the card: {found[:10]}"


def _answer_all(flow: Any, answers: dict[str, Any]) -> None:
    while flow.state == QUALIFY:
        for _ in range(3):
            for qid in flow.visible_questions():
                if qid in answers and qid not in flow.answers:
                    flow.answer(qid, answers[qid])
        if flow.current_step().is_consent:
            flow.answer("consent", True)
        flow.next()


def test_a_stolen_card_gives_away_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    central = RealCentral(tmp_path / "central.db")
    code = central.cli("enroll-code", "--show", "expo", "--name", "Expo 2026").strip().split()[-1]
    central.start()
    data = tmp_path / "kiosk"
    (data / "logs").mkdir(parents=True)
    log_handler = logging.FileHandler(data / "logs" / "kiosk.log")
    log_handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(log_handler)
    root.setLevel(logging.DEBUG)
    services = None
    try:
        assert main(["enroll", central.url, code, "--data", str(data), "--name", "booth-9"]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO(PASS + "\n"))
        assert main(["keys", "init", "--data", str(data), "--passphrase-stdin"]) == 0
        # two leads through the real `leadkiosk capture` (with notes), before the kiosk starts
        monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(x) + "\n" for x in CLI_LEADS)))
        assert main(["capture", "--data", str(data)]) == 0

        services = build_services(data, camera="none", sounds=False)
        flow, staff = services.flow, services.staff
        assert staff.keys is not None and staff.keys.locked
        # a badge scan and a manual entry through the capture flow, locked
        flow.badge_read(VCARD)
        flow.submit_contact(dict(flow.contact))
        _answer_all(flow, HOT)
        badge_lead = flow.saved
        assert badge_lead["contact"]["first_name"] == "Euphrosyne"  # the Done screen has the visitor's own data
        flow.finish()
        flow.manual_entry()
        flow.submit_contact(MANUAL)
        _answer_all(flow, HOT)
        flow.finish()
        # staff add a note while locked (sealed on top, never read)
        services.flow.store.edit(badge_lead["id"], {"notes": "second visit: wants pricing"}, actor="Ana")
        # the staff area: names sealed; export refused, nothing written to the stick
        usb = data / "exports"
        usb.mkdir()
        staff._find_usb = lambda: [usb]
        listed = staff.todays_leads()
        assert len(listed) == 4 and all(isinstance(x.get("sealed"), dict) for x in listed)
        with pytest.raises(Exception, match="export.locked"):
            staff.export_to_usb()
        assert not any(usb.rglob("*"))

        _assert_nothing_readable(data, "locked, before sync")

        store = services.flow.store
        deadline = time.monotonic() + 60
        while store.pending("central") and time.monotonic() < deadline:
            services.staff.sync_now() if hasattr(services.staff, "sync_now") else None
            time.sleep(0.2)
        assert not store.pending("central"), staff.sync_status()
        _assert_nothing_readable(data, "locked, after sync")

        services.close()  # power cut / restart
        services = build_services(data, camera="none", sounds=False)
        assert services.staff.keys.locked
        assert all(x["contact"]["first_name"] is None for x in services.flow.store.find())
        _assert_nothing_readable(data, "locked, after a restart")

        rows = {r["contact"]["email"]: r for r in json.loads(central.cli("leads", "--show", "expo", "--json"))}
        assert set(rows) == {"euphrosyne.t@marzipan-sued.example", "b.quenzelmaier@zwetschgen.example",
                             "ngozi@kelpkrill.example", "h.wolkenstein@nebelhorn.example"}
        assert rows["ngozi@kelpkrill.example"]["contact"]["registration_id"] == "XR-55813"
        assert rows["euphrosyne.t@marzipan-sued.example"]["contact"]["phone"] == "+4945177889911"  # E.164 from the badge

        # and once unlocked with the show passphrase, staff read everything again
        answer = services.staff.keys.unlock(PASS)
        assert answer["ok"], answer
        by_name = {x["contact"]["first_name"]: x for x in services.flow.store.find()}
        assert by_name["Euphrosyne"]["notes"] == "second visit: wants pricing"
        assert by_name["Euphrosyne"]["contact"]["raw"] == VCARD
        assert by_name["Bartholomäus"]["notes"] == "Sohn heißt Kasimir, mag Segelboote"
    finally:
        if services is not None:
            services.close()
        root.removeHandler(log_handler)
        root.setLevel(old_level)
        log_handler.close()
        central.stop()
