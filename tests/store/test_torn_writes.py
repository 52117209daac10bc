"""Torn-write test: a power cut tears whatever file was being written; the store must open to the
last acknowledged state, keep the damaged bytes aside, and go on capturing.

The on-disk states a power cut can leave are built from real "before" and "after" directories
(no instrumentation of the store): a journal append cut at every kind of offset, the steps of a
compaction, and (what a lying SD card does) a renamed snapshot whose content is torn anyway.
"""
from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from kiosk.store import open_store

from .conftest import make_lead

LEADS = "leads"


def _state(data: Path) -> dict[str, Any]:
    store = open_store(data)
    try:
        return {r["id"]: r for r in store.find()}
    finally:
        store.close()


def _files(data: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (data / LEADS).iterdir() if p.is_file()}


def _materialise(data: Path, files: dict[str, bytes]) -> None:
    d = data / LEADS
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for name, content in files.items():
        (d / name).write_bytes(content)


def _base(tmp: Path) -> tuple[Path, dict[str, Any]]:
    """A store with history: a compacted generation (so .prev files exist) and a live journal."""
    data = tmp / "base"
    s = open_store(data)
    ids = [s.save(make_lead(first=f"Base{i}", last="Müller", email=f"b{i}@example.com"))["id"] for i in range(12)]
    s.mark_sync(ids[0], "central", 1, "sent")
    s.compact()
    for i in range(8):
        ids.append(s.save(make_lead(first=f"Live{i}", company="Ærø ApS"))["id"])
    s.edit(ids[3], {"notes": "call Tuesday", "score": {"override": "hot"}}, actor="Ana")
    s.mark_sync(ids[4], "central", 1, "failed", error="HTTP 503")
    s.close()
    return data, _state(data)


def _check_goes_on(data: Path, expected: dict[str, Any]) -> None:
    """After recovery, capture resumes and the result survives another reopen."""
    s = open_store(data)
    new = s.save(make_lead(first="After", last="Recovery"))
    s.close()
    again = _state(data)
    assert again.pop(new["id"])["contact"]["first_name"] == "After"
    assert again == expected


@pytest.mark.parametrize("write", ["save", "edit", "mark_sync"])
def test_journal_append_torn_at_random_offsets(tmp_path: Path, write: str) -> None:
    data, acked = _base(tmp_path)
    before = _files(data)
    s = open_store(data)
    any_id = next(iter(acked))
    if write == "save":
        s.save(make_lead(first="Unacknowledged"))
    elif write == "edit":
        s.edit(any_id, {"notes": "never acknowledged"}, actor="Ana")
    else:
        s.mark_sync(any_id, "central", 1, "sent")
    s.close()
    after = _files(data)
    j0, j1 = before["store.journal"], after["store.journal"]
    assert j1.startswith(j0) and len(j1) > len(j0) + 20
    rnd = random.Random(hash(write) & 0xFFFF)
    trial_dir = tmp_path / "trial"
    offsets = sorted({len(j0) + 1, len(j1) - 1, len(j1) - 2} | {rnd.randrange(len(j0) + 1, len(j1)) for _ in range(12)})
    for off in offsets:
        for variant in ("cut", "garbage", "zeros"):
            torn = j1[:off]
            if variant == "garbage":  # the device wrote junk into the sectors of the torn line
                torn = j0 + bytes(rnd.randrange(256) for _ in range(off - len(j0)))
            elif variant == "zeros":  # a common SD card failure: the tail reads back as zeros
                torn = j0 + b"\0" * (off - len(j0))
            _materialise(trial_dir, {**before, "store.journal": torn})
            assert _state(trial_dir) == acked, f"{write} torn at {off} ({variant}): state differs"
            kept = [p for p in (trial_dir / LEADS).iterdir() if ".damaged-" in p.name]
            assert len(kept) == 1 and kept[0].read_bytes() == torn, "damaged journal not kept byte for byte"
            assert "torn" in (trial_dir / LEADS / "recovery.log").read_text()
    _check_goes_on(trial_dir, acked)


def test_compaction_cut_at_every_step_and_torn_snapshot(tmp_path: Path) -> None:
    data, acked = _base(tmp_path)
    before = _files(data)
    s = open_store(data)
    s.compact()
    s.close()
    after = _files(data)
    assert _state(data) == acked
    rnd = random.Random(11)
    new_snap = after["store.snapshot"]
    cut = lambda b: b[: rnd.randrange(1, len(b))]  # noqa: E731
    states = {
        # new snapshot half written to its temp file
        "snapshot tmp torn": {**before, "store.snapshot.tmp": cut(new_snap)},
        # previous generation link made, nothing else
        "prev rotated": {**before, "store.snapshot.prev": before["store.snapshot"]},
        # new snapshot renamed in, journal not yet rotated (its generation is older)
        "snapshot in, old journal": {**before, "store.snapshot.prev": before["store.snapshot"],
                                     "store.snapshot": new_snap},
        # old journal retired, new one not yet created
        "journal retired": {k: v for k, v in after.items() if k != "store.journal"},
        "new journal tmp torn": {**{k: v for k, v in after.items() if k != "store.journal"},
                                 "store.journal.tmp": cut(after["store.journal"])},
        "done": after,
    }
    for _ in range(6):  # the device acknowledged the fsync but the snapshot's sectors are torn
        states[f"renamed snapshot torn {len(states)}"] = {**after, "store.snapshot": cut(new_snap)}
        flipped = bytearray(new_snap)
        flipped[rnd.randrange(len(flipped))] ^= 0x20
        states[f"snapshot bit flip {len(states)}"] = {**after, "store.snapshot": bytes(flipped)}
    trial = tmp_path / "trial"
    for name, files in states.items():
        _materialise(trial, files)
        assert _state(trial) == acked, f"power cut at '{name}': state differs from the last acknowledged"
        if "torn" in name and "renamed" in name or "flip" in name:
            kept = [p for p in (trial / LEADS).iterdir() if p.name.startswith("store.snapshot.damaged-")]
            assert kept and kept[0].read_bytes() == files["store.snapshot"]
    _check_goes_on(trial, acked)


def test_both_snapshots_lost_keeps_what_the_journals_hold(tmp_path: Path) -> None:
    """A double fault: the store still opens (with what it can prove) and says so."""
    data, acked = _base(tmp_path)
    files = _files(data)
    files["store.snapshot"] = b"garbage"
    files["store.snapshot.prev"] = b"more garbage"
    trial = tmp_path / "trial"
    _materialise(trial, files)
    s = open_store(trial)
    try:
        got = {r["contact"]["first_name"] for r in s.find()}
        assert {f"Live{i}" for i in range(8)} <= got  # the live journal's leads survive
        assert any("no intact snapshot" in e for e in s.events)
    finally:
        s.close()
    kept = {p.read_bytes() for p in (trial / LEADS).iterdir() if ".damaged-" in p.name}
    assert {b"garbage", b"more garbage"} <= kept  # damaged files are kept, not overwritten


def test_corrupt_line_in_the_middle_costs_only_that_line(tmp_path: Path) -> None:
    data, acked = _base(tmp_path)
    files = _files(data)
    lines = files["store.journal"].split(b"\n")
    victim = 3  # a "save" line of the live journal
    lines[victim] = lines[victim][:30] + b"X" + lines[victim][31:]
    files["store.journal"] = b"\n".join(lines)
    trial = tmp_path / "trial"
    _materialise(trial, files)
    got = _state(trial)
    assert len(got) == len(acked) - 1
    assert all(got[k] == v for k, v in acked.items() if k in got)


def test_snapshot_from_a_newer_build_is_refused_not_repaired(tmp_path: Path) -> None:
    from kiosk.errors import StoreError

    data, _ = _base(tmp_path)
    snap = data / LEADS / "store.snapshot"
    head, _, body = snap.read_bytes().partition(b"\n")
    snap.write_bytes(head.replace(b'"format_version":1', b'"format_version":7') + b"\n" + body)
    with pytest.raises(StoreError, match="newer leadkiosk"):
        open_store(data)
    assert not [p for p in (data / LEADS).iterdir() if ".damaged-" in p.name]
