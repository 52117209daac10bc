"""bench/booth_bench.py runs on a small generated set and prints its per-band table with the
raw zxing-cpp baseline (figures are read by people, not asserted as timings)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_booth_bench_small_run_prints_bands_and_no_false_reads(repo_root: Path) -> None:
    out = subprocess.run([sys.executable, str(repo_root / "bench" / "booth_bench.py"),
                          "--count", "24", "--empty", "1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    for row in ("easy", "medium", "hard", "empty frames", "QR", "PDF417", "Code128", "Code39",
                "all coded"):
        assert any(line.startswith(row) for line in lines), out.stdout
    empty = next(line for line in lines if line.startswith("empty frames"))
    assert empty.rsplit("|", 1)[1].strip() == "0/0"  # neither reader invents a code
    coded = next(line for line in lines if line.startswith("all coded"))
    assert coded.split()[2] == "24", coded


def test_video_mode_live_read_fuses_frames_the_pipeline_misses() -> None:
    """The live decoder's simulated timeline (bench/booth_bench.py --video) on a held badge too
    noisy for any single frame: the pipeline and raw zxing never read it, the live read does,
    after fusing more than one frame and two agreeing attempts."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import time

    from bench.booth_bench import _first_read, _live_read, raw_zxing
    from kiosk.scan.decoder import Decoder
    from tests.support.frames import TRUTH, held_badge
    frames = held_badge(noise=40, count=10, seed=3)
    t, false = _first_read(frames, 0, 15.0, TRUTH, raw_zxing, time.thread_time)
    assert (t, false) == (None, 0)
    t, false, fused, attempts = _live_read(frames, 0, 15.0, TRUTH, Decoder().symbologies,
                                           time.thread_time)
    assert t is not None and t > 0 and false == 0
    assert fused >= 2 and attempts >= 2


@pytest.mark.slow
def test_booth_bench_video_mode_prints_bands(repo_root: Path) -> None:
    out = subprocess.run([sys.executable, str(repo_root / "bench" / "booth_bench.py"),
                          "--video", "--clips", "3", "--empty-clips", "1"],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    for row in ("easy", "medium", "hard", "empty clips", "all coded"):
        assert any(line.startswith(row) for line in lines), out.stdout
    empty = next(line for line in lines if line.startswith("empty clips"))
    assert empty.rsplit("|", 1)[1].strip() == "0/0/0"
