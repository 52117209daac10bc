"""Central only creates shows whose id a kiosk can store as a folder name."""
from __future__ import annotations

import subprocess
import sys

from central import shows
from kiosk.config.problems import SHOW_ID_RE


def test_central_and_kiosk_agree_on_show_ids() -> None:
    assert shows.SHOW_ID_RE.pattern == SHOW_ID_RE.pattern


def test_enroll_code_refuses_a_show_id_a_kiosk_cannot_store(tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'central.db'}"
    bad = subprocess.run([sys.executable, "-m", "kiosk", "central", "enroll-code", "--db", db, "--show", "Expo 2026"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0
    assert "show: id:" in bad.stderr and "'Expo 2026'" in bad.stderr and "Traceback" not in bad.stderr
    good = subprocess.run([sys.executable, "-m", "kiosk", "central", "enroll-code", "--db", db, "--show", "expo2026",
                           "--name", "Expo 2026"], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip()
