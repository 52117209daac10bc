"""Issue 18, item 2: the staff PIN. Wrong PINs make the keypad wait longer and longer, and the
wait survives a restart; an enrolled kiosk does not open with the demo PIN until a real one is
set; enrolling (by hand or by provisioning) sets one and shows it once. Time is a fake clock."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from kiosk.app.context import KioskContext
from kiosk.app.staff import StaffService
from kiosk.config import load_kiosk_settings, update_settings
from kiosk.config.pinguard import GUARD_FILE, PinGuard
from kiosk.config.settings import ensure_real_pin, keep_new_pin_for_screen, take_new_pin


class Seconds:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def _staff(data: Path, clock: Seconds, enrolled: bool = False) -> StaffService:
    """The staff service as bootstrap wires it, over a real data directory."""
    ctx: Any = KioskContext.__new__(KioskContext)
    object.__setattr__(ctx, "check_pin", lambda pin: load_kiosk_settings(data).check_pin(pin))
    return StaffService(ctx, store=None, pin_guard=PinGuard(data / GUARD_FILE, clock=clock),
                        demo_pin_refused=lambda: enrolled and load_kiosk_settings(data).uses_demo_pin,
                        new_pin=lambda: take_new_pin(data))


def test_brute_force_is_slowed_and_the_right_pin_waits_too(tmp_path: Path):
    update_settings(tmp_path, {"staff_pin": "4711"})
    clock = Seconds()
    staff = _staff(tmp_path, clock)
    results = [staff.try_pin(str(guess)) for guess in range(1000, 1030)]   # as fast as fingers go
    assert [r.key for r in results[:3]] == ["pin.wrong"] * 3      # typos cost nothing
    assert results[3].key == "pin.wait" and results[3].wait_s >= 30
    assert all(not r.ok and r.key == "pin.wait" for r in results[3:])  # while waiting nothing is checked
    waits = []
    for guess in range(2000, 2004):            # a patient guesser waits out every delay
        clock.t += staff.pin_guard.wait_s()
        r = staff.try_pin(str(guess))
        assert r.key == "pin.wait"
        waits.append(r.wait_s)
    assert waits == sorted(waits) and waits[-1] > waits[0]          # growing
    r = staff.try_pin("4711")                                       # the right PIN is not let in now
    assert not r.ok and r.key == "pin.wait"
    # a restart (new service, same data dir) keeps the wait
    staff = _staff(tmp_path, clock)
    assert staff.try_pin("4711").key == "pin.wait"
    assert stat.S_IMODE(os.stat(tmp_path / GUARD_FILE).st_mode) == 0o600
    clock.t += 3600 + 1                                             # the longest wait is an hour
    assert staff.try_pin("4711").ok
    assert staff.try_pin("0000").key == "pin.wrong"                 # counting starts over


def test_1234_guesses_take_days_not_seconds(tmp_path: Path):
    """The tester's run: 1,234 wrong PINs as fast as the keypad allows."""
    clock = Seconds()
    guard = PinGuard(tmp_path / GUARD_FILE, clock=clock)
    spent = 0.0
    for _ in range(1234):
        wait = guard.wait_s()
        clock.t += wait
        spent += wait
        guard.failed()
    assert spent > 40 * 24 * 3600


def test_damaged_guard_file_locks_rather_than_opens(tmp_path: Path):
    (tmp_path / GUARD_FILE).write_text("{not json")
    assert PinGuard(tmp_path / GUARD_FILE, clock=Seconds()).wait_s() > 0


def test_enrolled_kiosk_refuses_the_demo_pin_until_a_real_one_is_set(tmp_path: Path):
    clock = Seconds()
    assert _staff(tmp_path, clock, enrolled=False).try_pin("1234").ok          # demo kiosk: fine
    staff = _staff(tmp_path, clock, enrolled=True)
    r = staff.try_pin("1234")
    assert not r.ok and r.key == "pin.demo_refused"
    update_settings(tmp_path, {"staff_pin": "4711"})
    assert staff.try_pin("4711").ok and not staff.try_pin("1234").ok


def test_enrolling_sets_a_real_pin_shown_once(tmp_path: Path):
    pin = ensure_real_pin(tmp_path)
    assert pin and pin.isdigit() and len(pin) == 6 and pin != "1234"
    s = load_kiosk_settings(tmp_path)
    assert s.check_pin(pin) and not s.uses_demo_pin
    assert ensure_real_pin(tmp_path) is None                         # a real PIN is kept
    keep_new_pin_for_screen(tmp_path, pin)
    staff = _staff(tmp_path, Seconds(), enrolled=True)
    assert staff.take_new_pin() == pin and staff.take_new_pin() is None


def test_provisioning_enrollment_without_staff_pin_generates_one(tmp_path: Path):
    from kiosk.deploy.bootconfig import parse_boot_config_text
    from kiosk.deploy.provision import enroll_step

    class Creds:
        device_id, show_id = "dev_1", None

    def fake_enroll(url: str, code: str, data_dir: Path, **kw: Any) -> Creds:
        (data_dir / "central.json").write_text("{}")
        return Creds()

    data = tmp_path / "data"
    data.mkdir()
    boot = tmp_path / "leadkiosk.toml"
    boot.write_text('central_url = "https://leads.example.com"\nenrollment_code = "GOOD-CODE-1"\n')
    report = enroll_step(parse_boot_config_text(boot.read_text(), boot), data, enroll_fn=fake_enroll)
    assert any("staff PIN" in line for line in report.changes)
    assert not load_kiosk_settings(data).uses_demo_pin
    pin = take_new_pin(data)
    assert pin and load_kiosk_settings(data).check_pin(pin)
    assert not any(pin in line for line in report.changes)            # never in a log

