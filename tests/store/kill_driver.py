"""Fork server for the kill test (run as a separate, single-threaded process).

Forking straight from pytest is unsafe once other tests have left threads running (a lock held
by another thread at fork time stays locked in the child), so this small process imports the
store once, then for every round forks a capturing child, SIGKILLs it at a random moment, and
forwards what the child acknowledged. Protocol on stdout, one round at a time:

    A S|E <lead id> <version> <crc>    a save or edit acknowledged (returned after fsync)
    A M <lead id> <version>             a mark_sync acknowledged
    K <round> <1 if aimed at the capture loop else 0>
and it waits for one line on stdin before the next round (the test verifies the store meanwhile).

Usage: python kill_driver.py DATA_DIR ROUNDS SEED
"""
from __future__ import annotations

import json
import os
import random
import select
import signal
import sys
import time
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.store import LeadStore, new_lead  # noqa: E402
from kiosk.store.journal import JournalStorage  # noqa: E402
from kiosk.store.table import LeadDB  # noqa: E402

SCORE = {"score": 55, "computed_tag": "warm", "override": None, "tag": "warm", "discarded": False,
         "discard_reason": None, "reasons": ["budget planned +20"], "dropped": [], "form_id": "bant",
         "form_version": "2026.1"}


def content_crc(rec: dict[str, Any]) -> int:
    """Checksum of everything but the sync state (a later, unacknowledged mark_sync may land)."""
    body = {k: v for k, v in rec.items() if k != "sync"}
    return zlib.crc32(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())


def child(data: Path, w: int, seed: int) -> None:
    rnd = random.Random(seed)
    # a tiny compaction threshold so kills also land inside compactions
    store = LeadStore(LeadDB(str(data / "leads"), storage=JournalStorage,
                             compact_min_bytes=32 << 10, compact_ratio=0.04))
    os.write(w, b"R\n")  # opened (and recovered): from here on kills hit the capture loop
    mine: list[str] = []
    n = 0
    while True:
        n += 1
        roll = rnd.random()
        if mine and roll < 0.15:
            rec = store.edit(rnd.choice(mine), {"notes": f"note {seed}-{n}", "contact": {"title": f"T{n}"}},
                             actor="kill")
            msg = f"A E {rec['id']} {rec['version']} {content_crc(rec)}\n"
        elif mine and roll < 0.30:
            lead_id = rnd.choice(mine)
            version = store.get(lead_id)["version"]  # type: ignore[index]
            store.mark_sync(lead_id, "central", version, "sent")
            msg = f"A M {lead_id} {version}\n"
        else:
            rec = store.save(new_lead(show_id="demo", kiosk_id="booth-1", staff="Ana",
                                      contact={"first_name": f"K{seed}", "last_name": f"N{n}", "company": "Körber AG",
                                               "email": f"k{seed}.{n}@example.com"},
                                      answers={"budget": "planned", "consent": True}, score=SCORE))
            mine.append(rec["id"])
            msg = f"A S {rec['id']} 1 {content_crc(rec)}\n"
        os.write(w, msg.encode())


def main() -> int:
    data, rounds, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(seed)
    new_lead(show_id="x", kiosk_id="x", staff=None, contact=None, answers={}, score=SCORE)  # warm caches pre-fork
    out = sys.stdout
    for round_no in range(1, rounds + 1):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                child(data, w, rnd.randrange(1 << 30))
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
        if not os.WIFSIGNALED(status):
            out.write(f"X child ended on its own: {status}\n")
        while chunk := os.read(r, 65536):
            buf += chunk
        os.close(r)
        complete = buf.decode(errors="replace").split("\n")[:-1]  # a half-written report is not an ack
        reached_loop = "R" in complete
        for line in complete:
            if line.startswith("A "):
                out.write(line + "\n")
        out.write(f"K {round_no} {int(reached_loop)}\n")
        out.flush()
        if not sys.stdin.readline():
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
