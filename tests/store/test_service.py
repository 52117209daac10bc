"""The LeadStore API contract, run against the durable store and its in-memory twin alike."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.errors import StoreError
from kiosk.store import LeadStore, open_store
from kiosk.store.record import iso

from tests.support.clock import FakeClock

from .conftest import make_lead


def test_save_returns_copy_and_get_roundtrips(store: LeadStore) -> None:
    lead = make_lead(first="Jörg", last="Müller")
    saved = store.save(lead)
    assert saved == lead
    saved["contact"]["first_name"] = "changed by caller"
    got = store.get(lead["id"])
    assert got is not None and got["contact"]["first_name"] == "Jörg"
    assert store.get(str(uuid.uuid4())) is None


def test_new_lead_has_schema_uuid_clock_and_consent() -> None:
    lead = make_lead()
    assert lead["schema"] == 1 and lead["version"] == 1
    assert uuid.UUID(lead["id"]).version == 4
    assert lead["captured_at"].endswith("Z")
    assert set(lead["clock"]) == {"synchronised", "source", "monotonic_s", "boot_id"}
    assert lead["clock"]["source"] in ("ntp", "rtc", "unsynchronised", "manual")
    assert lead["consent"]["given"] is True and lead["sync"] == {}


def test_double_save_is_idempotent_but_conflicting_save_refused(store: LeadStore) -> None:
    lead = make_lead()
    store.save(lead)
    store.save(lead)
    assert store.count() == 1
    lead["notes"] = "different"
    with pytest.raises(StoreError, match="already saved"):
        store.save(lead)


def test_save_rejects_bad_records(store: LeadStore) -> None:
    lead = make_lead()
    lead["id"] = "not-a-uuid"
    with pytest.raises(StoreError, match="UUID"):
        store.save(lead)
    lead = make_lead()
    del lead["score"]
    with pytest.raises(StoreError, match="score"):
        store.save(lead)
    lead = make_lead()
    lead["answers"]["when"] = datetime.now()
    with pytest.raises(StoreError, match="JSON"):
        store.save(lead)
    assert store.count() == 0


def test_edit_bumps_version_keeps_history_and_effective_tag(store: LeadStore) -> None:
    lead = store.save(make_lead(tag="warm"))
    edited = store.edit(lead["id"], {"score": {"override": "hot"}, "contact": {"title": "CTO"}}, actor="Ben")
    assert edited["version"] == 2 and edited["score"]["tag"] == "hot"
    assert edited["contact"]["first_name"] == "Ana"  # deep merge kept the rest
    last = edited["history"][-1]
    assert last["actor"] == "Ben" and last["version"] == 2
    assert last["changes"]["contact.title"] == {"old": None, "new": "CTO"}
    assert last["changes"]["score.tag"] == {"old": "warm", "new": "hot"}
    assert store.edit(lead["id"], {"contact": {"title": "CTO"}}, actor="Ben")["version"] == 2  # no-op
    with pytest.raises(StoreError, match="cannot edit version"):
        store.edit(lead["id"], {"version": 9}, actor="Ben")
    with pytest.raises(StoreError, match="no lead"):
        store.edit(str(uuid.uuid4()), {"notes": "x"}, actor="Ben")


def test_find_filters(store: LeadStore) -> None:
    t0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
    a = store.save(make_lead("Jörg", "Müller", "Bäckerei", tag="hot", staff="Ana", captured_at=t0))
    b = store.save(make_lead("Zoe", "Smith", "Globex", tag="warm", staff="Ben", captured_at=t0 + timedelta(hours=1)))
    c = store.save(make_lead("Li", "Wei", "Initech", tag="nurture", staff="Ana", show_id="other",
                             captured_at=t0 + timedelta(hours=2)))
    store.edit(b["id"], {"score": {"discarded": True, "discard_reason": "student"}}, actor="Ben")
    ids = lambda leads: [x["id"] for x in leads]  # noqa: E731
    assert ids(store.find()) == [c["id"], b["id"], a["id"]]  # newest first
    assert ids(store.find(tag="hot")) == [a["id"]]
    assert ids(store.find(discarded=True)) == [b["id"]]
    assert ids(store.find(staff="Ana")) == [c["id"], a["id"]]
    assert ids(store.find(show_id="other")) == [c["id"]]
    assert ids(store.find(since=t0 + timedelta(minutes=30), until=t0 + timedelta(hours=2))) == [b["id"]]
    assert ids(store.find(since="2026-11-22T10:00:00Z")) == [c["id"], b["id"]]
    assert ids(store.find(text="muller")) == [a["id"]]  # case and accent insensitive
    assert ids(store.find(text="BÄCKER")) == [a["id"]]
    assert ids(store.find(text="zoe smith")) == [b["id"]]
    assert store.find(text="nobody") == []


def test_find_duplicate_by_registration_or_email(store: LeadStore) -> None:
    t0 = datetime(2026, 11, 22, 10, 42, tzinfo=timezone.utc)
    first = store.save(make_lead(email="Ana@Example.com", reg="R-1", captured_at=t0))
    store.save(make_lead(email="ana@example.com", captured_at=t0 + timedelta(minutes=5)))
    assert store.find_duplicate(registration_id="R-1")["id"] == first["id"]
    dup = store.find_duplicate(email="  ANA@example.com ")
    assert dup["id"] == first["id"] and dup["captured_at"].startswith("2026-11-22T10:42") and dup["staff"] == "Ana"
    assert store.find_duplicate(registration_id="R-2") is None
    assert store.find_duplicate(email="ana@example.com", show_id="other") is None
    assert store.find_duplicate() is None


def test_pending_order_and_mark_sync_never_bumps_version(store: LeadStore, clock: FakeClock) -> None:
    t0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
    w1 = store.save(make_lead(tag="warm", captured_at=t0))
    h2 = store.save(make_lead(tag="hot", captured_at=t0 + timedelta(minutes=2)))
    h1 = store.save(make_lead(tag="hot", captured_at=t0 + timedelta(minutes=1)))
    assert [x["id"] for x in store.pending("central")] == [h1["id"], h2["id"], w1["id"]]
    assert [x["id"] for x in store.pending("central", limit=1)] == [h1["id"]]
    store.mark_sync(h1["id"], "central", 1, "sent")
    assert store.get(h1["id"])["version"] == 1
    assert [x["id"] for x in store.pending("central")] == [h2["id"], w1["id"]]
    assert [x["id"] for x in store.pending("hubspot")][0] == h1["id"]  # per destination
    # an edit makes it pending again; a stale "sent" for version 1 does not clear version 2
    store.edit(h1["id"], {"notes": "call back"}, actor="Ana")
    store.mark_sync(h1["id"], "central", 1, "sent")
    assert h1["id"] in [x["id"] for x in store.pending("central")]
    later = clock() + timedelta(hours=1)
    store.mark_sync(h2["id"], "central", 1, "failed", error="HTTP 503", next_attempt_at=later)
    assert h2["id"] in [x["id"] for x in store.pending("central")]
    assert h2["id"] not in [x["id"] for x in store.pending("central", due_before=clock())]
    clock.advance(seconds=1)  # last_error is the most recent attempt's
    store.mark_sync(w1["id"], "central", 1, "parked", error="rejected: bad email")
    assert w1["id"] not in [x["id"] for x in store.pending("central")]
    store.edit(w1["id"], {"contact": {"email": "fixed@example.com"}}, actor="Ana")
    assert w1["id"] in [x["id"] for x in store.pending("central")]  # parked was for version 1
    status = store.sync_status(destinations=["central", "webhook"])
    assert status["central"]["failed"] == 1 and status["central"]["pending"] == 3
    assert status["central"]["last_error"] == "rejected: bad email"
    assert status["central"]["last_success_at"] is not None
    assert status["webhook"] == {"pending": 3, "sent": 0, "failed": 0, "parked": 0,
                                 "last_success_at": None, "last_error": None}
    rec = store.get(h2["id"])
    assert rec["version"] == 1 and rec["sync"]["central"]["attempts"] == 1
    with pytest.raises(StoreError, match="sync state"):
        store.mark_sync(h2["id"], "central", 1, "bogus")


def test_purge_keeps_id_tag_scores_and_only_confirmed_old_leads(store: LeadStore, clock: FakeClock) -> None:
    old = store.save(make_lead("Jörg", "Müller", email="j@example.com", tag="hot"))
    store.edit(old["id"], {"contact": {"phone": "+49 1"}}, actor="Ana")
    unsent = store.save(make_lead("Kim", "Unsent"))
    store.mark_sync(old["id"], "central", 2, "sent")  # confirmed at the store's clock
    assert store.purge(30, now=clock() + timedelta(days=29)) == 0  # not yet 30 days after confirmation
    now = clock.advance(days=31)
    assert store.purge(30, now=now) == 1
    rec = store.get(old["id"])
    assert rec["purged"] and rec["contact"]["email"] is None and rec["contact"]["first_name"] is None
    assert rec["score"]["tag"] == "hot" and rec["score"]["score"] == 50 and rec["version"] == 2
    assert "+49 1" not in repr(rec["history"])
    assert store.pending("central") == [store.get(unsent["id"])]
    assert store.find_duplicate(email="j@example.com") is None
    assert store.purge(30, now=now) == 0


def test_stamps_and_retention_read_the_stores_clock(store: LeadStore, clock: FakeClock) -> None:
    """Edits, sync marks and purge without ``now`` all read the clock the store was given (run on
    a fixed date and a year ahead: any real-clock read is a year off and fails here)."""
    lead = store.save(make_lead(email="k@example.com", captured_at=clock()))
    clock.advance(minutes=5)
    edited = store.edit(lead["id"], {"notes": "call back"}, actor="Ana")
    assert edited["updated_at"] == iso(clock()) and edited["history"][-1]["at"] == iso(clock())
    clock.advance(minutes=1)
    store.mark_sync(lead["id"], "central", 2, "sent")
    assert store.get(lead["id"])["sync"]["central"]["sent_at"] == iso(clock())
    clock.advance(days=29)
    assert store.purge(30) == 0  # confirmed 29 days ago by the store's clock
    clock.advance(days=2)
    assert store.purge(30) == 1
    rec = store.get(lead["id"])
    assert rec["purged"] and rec["purged_at"] == iso(clock()) and rec["contact"]["email"] is None


def test_durable_store_reopens_with_everything(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = open_store(tmp_path)
    ids = [s.save(make_lead(first=f"P{i}"))["id"] for i in range(20)]
    s.edit(ids[0], {"notes": "x"}, actor="Ana")
    s.mark_sync(ids[1], "central", 1, "sent")
    s.close()
    s = open_store(tmp_path)
    assert s.count() == 20 and s.get(ids[0])["version"] == 2
    assert s.get(ids[1])["sync"]["central"]["sent_version"] == 1
    s.close()


def test_two_store_objects_on_one_directory_see_each_other(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b = open_store(tmp_path), open_store(tmp_path)
    la = a.save(make_lead(first="FromA"))
    lb = b.save(make_lead(first="FromB", email="b@example.com"))
    assert a.get(lb["id"]) is not None and a.find_duplicate(email="b@example.com")["id"] == lb["id"]
    b.edit(la["id"], {"notes": "edited by b"}, actor="Ben")
    assert a.get(la["id"])["notes"] == "edited by b"
    a.compact()
    b.save(make_lead(first="AfterCompact"))
    assert a.count() == 3 and b.count() == 3
    a.close(), b.close()
    c = open_store(tmp_path)
    assert c.count() == 3
    c.close()


def test_score_override_survives_legacy_migration(store: LeadStore) -> None:
    legacy = make_lead()
    legacy.pop("schema")
    legacy["score"] = 40
    legacy["tag"] = "warm"
    saved = store.save(legacy)
    assert saved["schema"] == 1 and saved["score"]["computed_tag"] == "warm" and saved["score"]["tag"] == "warm"
    future = make_lead()
    future["schema"] = 99
    with pytest.raises(StoreError, match="schema 99"):
        store.save(future)


def test_mark_sync_many_is_one_all_or_nothing_batch(store: LeadStore) -> None:
    a, b = store.save(make_lead(first="A")), store.save(make_lead(first="B"))
    store.mark_sync_many([(a["id"], "central", 1, "sent", None, None),
                          (b["id"], "central", 1, "failed", "HTTP 500", "2030-01-01T00:00:00Z"),
                          (b["id"], "hubspot", 1, "sent", None, None)])
    assert store.pending("central") == [store.get(b["id"])]
    assert store.get(b["id"])["sync"]["central"]["next_attempt_at"] == "2030-01-01T00:00:00.000Z"
    with pytest.raises(StoreError, match="no lead"):
        store.mark_sync_many([(a["id"], "webhook", 1, "sent", None, None),
                              (str(uuid.uuid4()), "webhook", 1, "sent", None, None)])
    assert "webhook" not in store.get(a["id"])["sync"]  # nothing of the refused batch was recorded
