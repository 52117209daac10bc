"""The scanning benchmark runs and prints its table (figures are checked by reading them, not
by a timed test: the machine is shared)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_scan_bench_quick_prints_table(repo_root: Path, corpus_dir: Path) -> None:
    out = subprocess.run([sys.executable, str(repo_root / "bench" / "scan_bench.py"), "--quick",
                          "--no-ablation", "--corpus", str(corpus_dir)],
                         capture_output=True, text=True, timeout=240)
    assert out.returncode in (0, 1), out.stderr  # 1 = a target missed on a noisy machine
    text = out.stdout
    for row in ("QR", "Code128", "Code39", "PDF417", "PDF417-rotated", "NONE", "ratio",
                "RESULT:", "live camera mode"):
        assert row in text, text
    none_row = next(line for line in text.splitlines() if line.startswith("NONE"))
    falses = re.search(r"\|\s+(\d+)/(\d+)/(\d+)\s+\|", none_row)
    assert falses is not None, none_row
    assert falses.group(1) == "0"  # the pipeline never reads a code that is not there
