"""Every benchmark in ``bench/`` answers ``--help`` with its usage and runs nothing: the README
sends people there, and ``bench/ui_bench.py --help`` used to start the whole UI benchmark (minutes
of windows and child processes) because it read ``sys.argv`` by hand."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHES = sorted(p.name for p in (REPO / "bench").glob("*_bench.py"))


def test_the_bench_list_is_not_empty() -> None:
    assert "ui_bench.py" in BENCHES and len(BENCHES) >= 10


@pytest.mark.parametrize("name", BENCHES)
def test_a_bench_answers_help_without_running(name: str) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / name), "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:"), done.stdout[:500]
