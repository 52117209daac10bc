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
