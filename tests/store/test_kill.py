"""Kill test: SIGKILL a capturing process at random moments; every acknowledged lead survives.

A forked child (cheap to start, so hundreds of kills fit in the time budget) opens the store in
one shared data directory and loops: save a new lead (most often), edit one, or mark one synced
(the update that made TinyDB's default storage unreadable in 9 of 400 kills). It reports each
operation on a pipe only after the store call returned, i.e. after fsync. The compaction
threshold is tiny so kills also land in compactions and in recoveries at open. After every kill
the parent opens the store and checks every acknowledged change is there, complete.
A smaller test does the same through the real ``leadkiosk capture`` command.
"""
from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

from kiosk.store import LeadStore, open_store
from kiosk.store.journal import JournalStorage
from kiosk.store.record import validate
from kiosk.store.table import LeadDB

from .conftest import make_lead

KILLS = int(os.environ.get("LEADKIOSK_KILLS", "220"))
TIME_BUDGET_S = 180.0  # a bound, not a speed target: ~25 s on an idle 2-core machine


def _content_crc(rec: dict[str, Any]) -> int:
    body = {k: v for k, v in rec.items() if k != "sync"}
    return zlib.crc32(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())


def _child(data: Path, w: int, seed: int) -> None:
    rnd = random.Random(seed)
    store = LeadStore(LeadDB(str(data / "leads"), storage=JournalStorage,
                             compact_min_bytes=32 << 10, compact_ratio=0.04))
    os.write(w, b"R\n")  # opened (and recovered): the parent now aims its kill at the loop
    mine: list[str] = []
    n = 0
    while True:
        n += 1
        roll = rnd.random()
        if mine and roll < 0.15:
            rec = store.edit(rnd.choice(mine), {"notes": f"note {seed}-{n}", "contact": {"title": f"T{n}"}}, actor="kill")
            msg = f"E {rec['id']} {rec['version']} {_content_crc(rec)}\n"
        elif mine and roll < 0.30:
            lead_id = rnd.choice(mine)
            version = store.get(lead_id)["version"]  # type: ignore[index]
            store.mark_sync(lead_id, "central", version, "sent")
            msg = f"M {lead_id} {version}\n"
        else:
            rec = store.save(make_lead(first=f"K{seed}", last=f"N{n}", company="Körber AG",
                                       email=f"k{seed}.{n}@example.com"))
            mine.append(rec["id"])
            msg = f"S {rec['id']} 1 {_content_crc(rec)}\n"
        os.write(w, msg.encode())


def _verify(data: Path, acked: dict[str, tuple[int, int]], synced: dict[str, int]) -> int:
    """Open the store as the kiosk would after a crash; return the snapshot generation."""
    store = open_store(data)
    try:
        everything = {r["id"]: r for r in store._live().values()}  # type: ignore[attr-defined]  # no copies: fast
        for lead_id, (version, crc) in acked.items():
            rec = everything.get(lead_id)
            assert rec is not None, f"acknowledged lead {lead_id} lost"
            validate(rec)
            assert rec["version"] >= version, f"lead {lead_id}: acknowledged v{version}, store has v{rec['version']}"
            if rec["version"] == version:
                assert _content_crc(rec) == crc, f"lead {lead_id} v{version} differs from what was acknowledged"
            assert rec["contact"]["company"] == "Körber AG"
        for lead_id, version in synced.items():
            entry = everything[lead_id]["sync"].get("central") or {}
            assert (entry.get("sent_version") or 0) >= version, f"lead {lead_id}: acknowledged mark_sync lost"
        return store._storage.generation  # type: ignore[attr-defined,no-any-return]
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_at_random_moments_loses_no_acknowledged_lead(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rnd = random.Random(int(os.environ.get("LEADKIOSK_KILL_SEED", "4")))
    acked: dict[str, tuple[int, int]] = {}
    synced: dict[str, int] = {}
    kills = ops_acked = mid_line_kills = kills_while_writing = 0
    start = time.monotonic()
    while kills < KILLS:
        assert time.monotonic() - start < TIME_BUDGET_S, f"only {kills} kills within {TIME_BUDGET_S} s"
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            os.close(r)
            try:
                _child(data, w, rnd.randrange(1 << 30))
            finally:
                os._exit(0)
        os.close(w)
        buf = b""
        in_loop = rnd.random() < 0.8  # most kills aim at writes; the rest at any moment (open, recovery)
        if in_loop:
            t0 = time.monotonic()
            while b"R\n" not in buf and time.monotonic() - t0 < 10:
                if select.select([r], [], [], 0.5)[0]:
                    chunk = os.read(r, 65536)
                    if not chunk:
                        break
                    buf += chunk
        deadline = time.monotonic() + (rnd.uniform(0.0, 0.06) if in_loop else rnd.uniform(0.0, 0.03))
        while (left := deadline - time.monotonic()) > 0:
            if select.select([r], [], [], left)[0]:
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                buf += chunk
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), f"child ended on its own: {status}"
        while chunk := os.read(r, 65536):
            buf += chunk
        os.close(r)
        kills += 1
        lines = buf.decode().split("\n")
        if lines[-1]:
            mid_line_kills += 1  # killed while reporting: that op is not acknowledged
        kills_while_writing += "R" in lines[:-1]
        for line in lines[:-1]:
            if line == "R":
                continue
            kind, lead_id, *rest = line.split()
            ops_acked += 1
            if kind in ("S", "E"):
                acked[lead_id] = (int(rest[0]), int(rest[1]))
            else:
                synced[lead_id] = max(synced.get(lead_id, 0), int(rest[0]))
        _verify(data, acked, synced)
    generation = _verify(data, acked, synced)
    total = open_store(data).count()
    damaged = sorted(p.name for p in (data / "leads").iterdir() if ".damaged-" in p.name)
    print(f"\nkill test: {kills} SIGKILLs survived ({kills_while_writing} in the capture loop, the rest during "
          f"open/recovery), {ops_acked} acknowledged operations "
          f"({len(acked)} leads, {len(synced)} marked synced), 0 lost, {total} leads in the store, "
          f"{generation} snapshot generations (compactions), "
          f"{len(damaged)} torn files moved aside, {time.monotonic() - start:.1f} s")
    assert kills >= min(KILLS, 200) and ops_acked >= kills and kills_while_writing > kills // 2


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_sigkill_leadkiosk_capture_keeps_every_printed_id(tmp_path: Path) -> None:
    """The real command: ids it printed are durable even when killed mid-stream."""
    data = tmp_path / "data"
    line = json.dumps({"contact": {"first_name": "Zoë", "last_name": "Ärger", "company": "Ünal GmbH"},
                       "answers": {"budget": "approved", "authority": "decision_maker", "need": "critical",
                                   "timing": "0_3_months", "evaluated_competitors": False, "role": "buyer",
                                   "follow_up": "demo", "consent": True},
                       "notes": "import", "staff": "Ana"}) + "\n"
    env = {**os.environ, "LEADKIOSK_DATA": str(data)}
    printed: list[str] = []
    rnd = random.Random(7)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "kiosk", "capture"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert proc.stdin and proc.stdout
        os.set_blocking(proc.stdout.fileno(), False)
        got = b""
        t_end = None
        t0 = time.monotonic()
        while time.monotonic() - t0 < 30:
            try:
                proc.stdin.write(line.encode() * 20)
                proc.stdin.flush()
            except BrokenPipeError:
                break
            try:
                got += proc.stdout.read() or b""
            except (BlockingIOError, TypeError):
                pass
            if got.count(b"\n") >= 3 and t_end is None:
                t_end = time.monotonic() + rnd.uniform(0.0, 0.05)
            if t_end is not None and time.monotonic() >= t_end:
                break
            time.sleep(0.002)
        proc.kill()
        proc.wait()
        os.set_blocking(proc.stdout.fileno(), True)
        got += proc.stdout.read()
        lines = got.decode().split("\n")
        printed += [x for x in lines[:-1] if x]
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    store = open_store(data)
    try:
        missing = [i for i in printed if store.get(i) is None]
        assert not missing, f"{len(missing)} printed ids lost"
        assert all(store.get(i)["contact"]["company"] == "Ünal GmbH" for i in printed)  # type: ignore[index]
        assert len(printed) >= 18
    finally:
        store.close()
