"""The durable store and its in-memory twin must be indistinguishable: the same random sequence
of operations (with reopens and compactions of the durable one in between) gives equal records."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kiosk.store import LeadStore, MemoryLeadStore, open_store
from kiosk.store.journal import JournalStorage
from kiosk.store.table import LeadDB

from .conftest import make_lead


def _strip_times(rec: dict) -> dict:
    """Stores stamp their own times (updated_at, history, sync); compare everything else."""
    out = {k: v for k, v in rec.items() if k not in ("updated_at", "history", "sync", "purged_at")}
    out["history"] = [{k: v for k, v in h.items() if k != "at"} for h in rec.get("history") or []]
    out["sync"] = {d: {k: v for k, v in e.items() if not k.endswith("_at")} for d, e in (rec.get("sync") or {}).items()}
    return out


def _same(a: LeadStore, b: LeadStore) -> None:
    ra = {r["id"]: _strip_times(r) for r in a.find()}
    rb = {r["id"]: _strip_times(r) for r in b.find()}
    assert ra == rb
    assert [r["id"] for r in a.pending("central")] == [r["id"] for r in b.pending("central")]


def test_random_operations_match_the_in_memory_twin(tmp_path: Path) -> None:
    rnd = random.Random(2026)
    mem = MemoryLeadStore()

    def reopen() -> LeadStore:
        return LeadStore(LeadDB(str(tmp_path / "leads"), storage=JournalStorage, compact_min_bytes=8 << 10,
                                compact_ratio=0.3))

    disk = reopen()
    ids: list[str] = []
    t0 = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)
    try:
        for step in range(400):
            roll = rnd.random()
            if not ids or roll < 0.35:
                lead = make_lead(first=rnd.choice(["Ana", "Jörg", "Zoë", "Li"]), last=f"L{step}",
                                 email=f"p{rnd.randrange(30)}@example.com", tag=rnd.choice(["hot", "warm", "nurture"]),
                                 captured_at=t0 + timedelta(seconds=step))
                mem.save(lead), disk.save(lead)
                ids.append(lead["id"])
            elif roll < 0.55:
                lead_id = rnd.choice(ids)
                change = rnd.choice([{"notes": f"n{step}"}, {"score": {"override": rnd.choice([None, "hot", "nurture"])}},
                                     {"contact": {"title": f"T{step}"}}, {"score": {"discarded": rnd.random() < 0.5}}])
                assert mem.edit(lead_id, change, "Ana")["version"] == disk.edit(lead_id, change, "Ana")["version"]
            elif roll < 0.8:
                lead_id = rnd.choice(ids)
                version = mem.get(lead_id)["version"]  # type: ignore[index]
                args = (lead_id, rnd.choice(["central", "hubspot"]), version,
                        rnd.choice(["sent", "sent", "failed", "parked", "pending"]), "err")
                mem.mark_sync(*args), disk.mark_sync(*args)
            elif roll < 0.85:
                now = t0 + timedelta(days=rnd.choice([0, 40]))
                assert mem.purge(30, now=datetime.now(timezone.utc) + (now - t0)) == \
                    disk.purge(30, now=datetime.now(timezone.utc) + (now - t0))
            elif roll < 0.93:
                disk.close()
                disk = reopen()
                _same(mem, disk)
            else:
                disk.compact()
        _same(mem, disk)
        disk.close()
        disk = reopen()
        _same(mem, disk)
        assert disk._storage.generation > 3  # type: ignore[attr-defined]  # compactions happened on the way
    finally:
        disk.close()
        mem.close()
    final = open_store(tmp_path)  # the ordinary entry point reads the same store
    try:
        assert final.count() == len(ids)
    finally:
        final.close()
