"""The lead record: clock facts central needs to correct capture times, and the migration hook."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import StoreError
from sync import device_clock as clock
from kiosk.store.record import SCHEMA_VERSION, migrate, new_lead, parse_time


def test_clock_reports_boot_and_monotonic_time() -> None:
    info = clock.clock_info()
    assert isinstance(info["synchronised"], bool)
    assert info["monotonic_s"] > 0
    boot = Path("/proc/sys/kernel/random/boot_id")
    if boot.exists():
        assert info["boot_id"] == boot.read_text().strip()
    assert clock._adjtimex_state() in (None, 0, 1, 2, 3, 4, 5)


def test_clock_source_follows_timesyncd_flag_and_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flag = tmp_path / "synchronized"
    monkeypatch.setattr(clock, "TIMESYNCD_FLAG", flag)
    monkeypatch.setattr(clock, "_adjtimex_state", lambda: clock.TIME_ERROR)
    monkeypatch.setattr(clock, "_has_rtc", lambda: False)
    assert clock.clock_info()["source"] == "unsynchronised" and not clock.clock_info()["synchronised"]
    monkeypatch.setattr(clock, "_has_rtc", lambda: True)
    assert clock.clock_info()["source"] == "rtc"
    flag.write_text("")
    assert clock.clock_info()["source"] == "ntp" and clock.clock_info()["synchronised"]
    flag.unlink()
    monkeypatch.setattr(clock, "_adjtimex_state", lambda: None)  # syscall unavailable: unknown = not synced
    assert clock.clock_info()["synchronised"] is False
    assert clock.clock_info("manual")["source"] == "manual"


def test_clock_source_env_for_hand_set_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADKIOSK_CLOCK_SOURCE", "manual")
    lead = new_lead(show_id="s", kiosk_id="k", staff=None, contact=None, answers={}, score={"tag": "warm"})
    assert lead["clock"]["source"] == "manual"


def test_migration_from_schema_0_keeps_every_value() -> None:
    old = {"id": "3f1e0c1e-8a4b-4b7e-9a51-3c0d7a9f0b11", "captured_at": "2025-05-01T10:00:00+02:00",
           "contact": {"first_name": "Ana", "email": "a@example.com"}, "answers": {"budget": "approved"},
           "score": 70, "tag": "hot", "discarded": False, "notes": "legacy"}
    rec = migrate(old)
    assert rec["schema"] == SCHEMA_VERSION
    assert rec["score"]["score"] == 70 and rec["score"]["computed_tag"] == "hot" and rec["score"]["tag"] == "hot"
    assert rec["contact"]["first_name"] == "Ana" and rec["contact"]["phone"] is None
    assert rec["notes"] == "legacy" and rec["sync"] == {} and rec["version"] == 1
    assert parse_time(rec["captured_at"]).hour == 8  # offsets are understood, stored as UTC on use
    assert "tag" not in rec


def test_unknown_newer_schema_is_refused() -> None:
    with pytest.raises(StoreError, match="schema 2"):
        migrate({"schema": 2, "id": "x"})


def test_older_records_in_the_file_are_migrated_at_open(tmp_path: Path) -> None:
    from kiosk.store import open_store
    from kiosk.store.journal import JournalStorage
    from kiosk.store.table import LeadDB

    db = LeadDB(str(tmp_path / "leads"), storage=JournalStorage)
    db.table("leads").insert({"id": "3f1e0c1e-8a4b-4b7e-9a51-3c0d7a9f0b11", "captured_at": "2025-05-01T08:00:00Z",
                              "contact": {"first_name": "Old"}, "answers": {}, "score": 10, "tag": "nurture"})
    db.close()
    store = open_store(tmp_path)
    try:
        rec = store.get("3f1e0c1e-8a4b-4b7e-9a51-3c0d7a9f0b11")
        assert rec and rec["schema"] == SCHEMA_VERSION and rec["score"]["tag"] == "nurture"
        assert store.find(tag="nurture")[0]["contact"]["first_name"] == "Old"
    finally:
        store.close()
    db = LeadDB(str(tmp_path / "leads"), storage=JournalStorage)
    assert next(iter(db.storage.read()["leads"].values()))["schema"] == SCHEMA_VERSION  # written back
    db.close()
