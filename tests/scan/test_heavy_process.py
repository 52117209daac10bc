"""The heavy path's fusion in a child process (kiosk/scan/heavy_process.py): it reads what the
in-process fusion reads, from another process, survives the child dying, falls back to the
kiosk process after repeated failures, and leaves no process behind."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.scan import heavy_process  # noqa: E402
from kiosk.scan.decoder import Decoder  # noqa: E402
from kiosk.scan.fusion import FrameFusion  # noqa: E402
from kiosk.scan.heavy_process import ProcessFusion  # noqa: E402
from kiosk.scan.live import LiveDecoder  # noqa: E402
from tests.support.frames import TRUTH, held_badge  # noqa: E402


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:  # a zombie is not alive
        return fh.read().split(")")[-1].split()[0] != "Z"


def _wait_gone(pid: int, limit_s: float = 30) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_child_reads_what_the_in_process_fusion_reads() -> None:
    frames = held_badge(noise=40, count=6, seed=2)
    local, child = FrameFusion(Decoder()), ProcessFusion(Decoder())
    try:
        here = [([c.text for c in local.add(f)], local.last_regions) for f in frames]
        there = [([c.text for c in child.add(f)], child.last_regions) for f in frames]
        assert child.pid is not None and child.pid != os.getpid()
        assert there == here
        assert any(TRUTH in texts for texts, _ in there)   # the fused frames read the badge
        assert all(regions > 0 for _, regions in there)
        pid = child.pid
    finally:
        child.close()
    assert child.pid is None and _wait_gone(pid)
    child.close()   # idempotent


def test_a_killed_child_is_replaced_and_reads_again() -> None:
    frames = held_badge(noise=40, count=6, seed=2)
    child = ProcessFusion(Decoder())
    try:
        child.add(frames[0])
        first = child.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert _wait_gone(first)
        assert child.add(frames[1]) == [] and child.restarts == 1   # lost, not raised
        texts = [c.text for f in frames for c in child.add(f)]
        assert TRUTH in texts
        assert child.pid not in (None, first)
    finally:
        child.close()


def test_after_too_many_failures_the_work_moves_into_this_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heavy_process, "MAX_RESTARTS", 0)
    frames = held_badge(noise=40, count=6, seed=2)
    child = ProcessFusion(Decoder())
    child.add(frames[0])
    pid = child.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert _wait_gone(pid)
    assert child.add(frames[0]) == []
    texts = [c.text for f in frames for c in child.add(f)]
    assert TRUTH in texts and child.pid is None   # read in this process, no child started
    child.close()


def test_a_hung_child_is_killed_after_the_reply_timeout() -> None:
    child = ProcessFusion(Decoder())
    frames = held_badge(noise=40, count=2, seed=2)
    try:
        child.add(frames[0])   # the default timeout: spawning and a first attempt, however slow
        pid = child.pid
        assert pid is not None and child.restarts == 0
        child.reply_timeout_s = 1.0
        os.kill(pid, signal.SIGSTOP)   # stopped: alive, never answers
        assert child.add(frames[1]) == [] and child.restarts == 1
        assert _wait_gone(pid)
    finally:
        child.close()


def test_live_decoder_with_a_process_reads_and_close_ends_the_child() -> None:
    decode = LiveDecoder(Decoder(), process=True)
    frames = held_badge(noise=40, count=6, seed=2)
    read = False
    deadline = time.monotonic() + 90
    i = 0
    try:
        while time.monotonic() < deadline and not read:
            read = TRUTH in decode(frames[i % len(frames)])
            i += 1
            time.sleep(0.02)
        assert read, f"no read in {i} frames"
        assert decode.heavy is not None
        engine = decode.heavy.fusion
        assert isinstance(engine, ProcessFusion)
        pid = engine.pid
        assert pid is not None and pid != os.getpid()
    finally:
        decode.close()
    assert _wait_gone(pid)
