"""``leadkiosk screenshots`` renders every screen at both display sizes, with real pixels."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def test_screenshots_every_screen_both_sizes(tmp_path: Path, child_env: dict) -> None:
    import cv2
    out = tmp_path / "shots"
    proc = subprocess.run([sys.executable, "-m", "kiosk", "screenshots", "--out", str(out)],
                          env=child_env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = [Path(line) for line in proc.stdout.split()]
    names = {f.name.rsplit("-", 1)[0] for f in files}
    assert {"01-scan", "04-contact", "06-qualify-budget", "09-qualify-consent", "10-done-staffed",
            "11-done-self-serve", "12-duplicate", "13-pin-wrong", "14-staff-leads", "15-lead-detail",
            "16-tools", "17-idle-warning", "18-card-aim", "19-card-reading", "20-card-contact"} <= names
    for size, (w, h) in (("800x480", (800, 480)), ("720x1280", (720, 1280))):
        shots = [f for f in files if f.name.endswith(f"-{size}.png")]
        assert len(shots) == len(files) // 2
        for f in shots:
            img = cv2.imread(str(f))
            assert img.shape[:2] == (h, w), f
            assert img.std() > 15, f"{f} looks blank"
    # self-serve thanks the visitor and shows no tag colour; staffed shows the red "hot" card
    done_self = cv2.imread(str(out / "11-done-self-serve-800x480.png"))
    done_staff = cv2.imread(str(out / "10-done-staffed-800x480.png"))

    def red(img):  # type: ignore[no-untyped-def]
        return ((img[:, :, 2] > 180) & (img[:, :, 1] < 90) & (img[:, :, 0] < 90)).mean()
    assert red(done_staff) > 0.03 and red(done_self) == 0


@pytest.mark.parametrize("at", ["10:30", "2026-05-12T10:30", "yesterday"])
def test_screenshots_at_needs_a_time_with_an_offset(tmp_path: Path, child_env: dict, at: str) -> None:
    """``--at`` fixes the wall time the screens show; a naive or unreadable time is refused before any
    rendering (a naive time would mean a different instant on every machine)."""
    proc = subprocess.run([sys.executable, "-m", "kiosk", "screenshots", "--out", str(tmp_path / "s"), "--at", at],
                          env=child_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--at" in proc.stderr and "offset" in proc.stderr, proc.stderr
    assert not (tmp_path / "s").exists()
