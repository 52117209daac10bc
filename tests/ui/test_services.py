"""Staff actions, i18n completeness, the watchdog protocol and the run command's no-display hint."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from forms import default_form_path, load_form, score
from kiosk import watchdog
from kiosk.app.context import KioskContext, ShowInfo
from kiosk.app.i18n import TABLE, Translator, placeholders
from kiosk.app.staff import StaffError, StaffService
from kiosk.app.usb import find_usb_mounts
from kiosk.bootstrap import export_leads
from kiosk.store import MemoryLeadStore, new_lead

APP = Path(__file__).resolve().parents[2] / "kiosk" / "app"


@pytest.fixture
def staff() -> StaffService:
    form = load_form(default_form_path())
    ctx = KioskContext(kiosk_id="k1", show=ShowInfo("demo", "Demo"), form=form, staff="Ana")
    store = MemoryLeadStore()
    hot = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
           "evaluated_competitors": True, "role": "buyer", "follow_up": "demo", "consent": True}
    cold = {"budget": "none", "authority": "researcher", "need": "nice_to_have", "timing": "no_plans",
            "role": "buyer", "follow_up": "info_pack", "consent": True}
    for first, answers in (("Lena", hot), ("Otto", cold)):
        store.save(new_lead(show_id="demo", kiosk_id="k1", staff="Ana", contact={"first_name": first, "company": "Acme"},
                            answers=answers, score=score(form, answers).to_dict()))
    return StaffService(ctx, store)


def test_retag_keeps_computed_tag_and_reverts(staff: StaffService) -> None:
    lead = staff.todays_leads(text="otto")[0]
    computed = lead["score"]["computed_tag"]
    after = staff.retag(lead["id"], "hot")
    assert after["score"]["tag"] == "hot" and after["score"]["computed_tag"] == computed
    assert after["version"] == 2 and after["history"][-1]["actor"] == "Ana"
    assert staff.retag(lead["id"], None)["score"]["tag"] == computed
    with pytest.raises(StaffError):
        staff.retag(lead["id"], "lukewarm")


def test_discard_needs_reason_and_reinstate(staff: StaffService) -> None:
    lead = staff.todays_leads()[0]
    with pytest.raises(StaffError) as err:
        staff.discard(lead["id"], "  ")
    assert err.value.key == "lead.discard_need_reason"
    staff.discard(lead["id"], "duplicate badge of a colleague")
    assert [x["id"] for x in staff.todays_leads(tag="discarded")] == [lead["id"]]
    staff.reinstate(lead["id"])
    assert staff.todays_leads(tag="discarded") == []


def test_filters_and_search(staff: StaffService) -> None:
    assert len(staff.todays_leads()) == 2
    assert [x["contact"]["first_name"] for x in staff.todays_leads(tag="hot")] == ["Lena"]
    assert staff.todays_leads(text="zzz") == []


def test_export_requires_usb_and_writes_both_files(staff: StaffService, tmp_path: Path) -> None:
    with pytest.raises(StaffError) as err:
        staff.export_to_usb()
    assert err.value.key == "export.no_usb"
    stick = tmp_path / "media" / "kiosk" / "STICK"
    stick.mkdir(parents=True)
    staff._find_usb = lambda: find_usb_mounts([str(tmp_path / "media" / "*" / "*") + "/"], require_mount=False)
    staff._export = lambda store, fmt, path: export_leads(store, fmt, path, "demo")
    path, count = staff.export_to_usb()
    assert count == 2 and path.parent == stick / "leadkiosk"
    csv_text = path.read_text(encoding="utf-8-sig")
    assert "Lena" in csv_text and "Otto" in csv_text
    from openpyxl import load_workbook
    xlsx = path.with_suffix(".xlsx")
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert len(rows) == 3 and not list(stick.glob("leadkiosk/*.part"))


def test_wrong_pin_and_broken_checker_refuse(staff: StaffService) -> None:
    staff.context.check_pin = lambda pin: pin == "1234"
    assert staff.check_pin("1234") and not staff.check_pin("4321") and not staff.check_pin("")
    staff.context.check_pin = lambda pin: 1 / 0
    assert staff.check_pin("1234") is False


def test_translation_tables_match() -> None:
    assert set(TABLE["en"]) == set(TABLE["de"])
    for key, text in TABLE["en"].items():
        assert placeholders(text) == placeholders(TABLE["de"][key]), key
    t = Translator("de")
    assert t("dup.body", time="10:42", staff="Ana") == "Bereits erfasst um 10:42 von Ana: aktualisieren?"


def test_every_key_used_by_the_screens_exists() -> None:
    used: set[str] = set()
    for path in list(APP.rglob("*.kv")) + list(APP.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\btr\(\s*'([a-z_]+\.[a-z_]+)'", text))
        used |= set(re.findall(r'\btr\(\s*"([a-z_]+\.[a-z_]+)"', text))
    assert len(used) > 40
    assert used - set(TABLE["en"]) == set()


def test_watchdog_notifies_over_datagram_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(2)
        env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "20000000"}
        assert watchdog.notify("READY=1", env) is True
        assert server.recv(64) == b"READY=1"
        assert watchdog.notify("WATCHDOG=1", env) is True
        assert server.recv(64) == b"WATCHDOG=1"
        assert watchdog.interval_s(env) == 10.0
    assert watchdog.notify("READY=1", {}) is False
    assert watchdog.notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}) is False


def test_run_without_display_prints_hint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER",
                                                           "INVOCATION_ID")}
    proc = subprocess.run([sys.executable, "-m", "kiosk", "run", "--data", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 3
    assert "no display found" in proc.stderr and "xvfb-run -a ./deploy/dev/run-kiosk" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.ui
def test_run_notifies_systemd_and_stops_on_sigterm(tmp_path: Path, child_env: dict) -> None:
    """What the Pi's Type=notify unit relies on: READY=1 once the scan screen is up, WATCHDOG=1
    pings from the UI loop, and a clean exit on SIGTERM."""
    import signal
    import time
    sock_path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(sock_path)
        server.settimeout(30)
        env = dict(child_env, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="2000000")
        proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--data", str(tmp_path / "data"),
                                 "--camera", "none"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        try:
            got = []
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and got.count(b"WATCHDOG=1") < 2:
                got.append(server.recv(128))
            assert b"READY=1" in got and got.count(b"WATCHDOG=1") >= 2, got
            assert got.index(b"READY=1") < got.index(b"WATCHDOG=1")
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert rc == 0, proc.stderr.read().decode()[-2000:]


def test_two_way_conflict_shown_to_staff_and_settled_by_their_edit(staff: StaffService) -> None:
    """Issue 14: central's merge with a same-field conflict reaches the staff area; staff setting
    the field settles it."""
    from kiosk.app.i18n import Translator
    lead = staff.todays_leads(text="otto")[0]
    staff.store.mark_sync(lead["id"], "central", 1, "sent")
    remote = dict(staff.store.get(lead["id"]), version=3, contact={**lead["contact"], "company": "Initech"},
                  conflicts=[{"field": "contact.company", "base": "Acme", "kiosk": "Acme GmbH",
                              "central": "Initech", "kiosk_version": 2, "central_version": 3, "at": "x"}])
    staff.store.take_remote(remote, "central")
    shown = staff.conflicts(staff.get(lead["id"]))
    assert shown == [{"field": "contact.company", "kiosk": "Acme GmbH", "central": "Initech"}]
    text = Translator("de")("lead.conflict", **shown[0])
    assert "Acme GmbH" in text and "Initech" in text
    after = staff.edit_contact(lead["id"], {"company": "Acme GmbH"})
    assert staff.conflicts(after) == [] and after["version"] == 4
