"""UI fixtures: a badge video made once per session, and a runner that starts one real Kivy app per
scenario in a fresh process (SDL's offscreen driver: real GL rendering, no display needed)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

DRIVER = Path(__file__).with_name("ui_driver.py")
REPO = Path(__file__).resolve().parents[2]


def kivy_env(tmp: Path) -> dict[str, str]:
    """Environment for a child process that opens a Kivy window."""
    env = dict(os.environ)
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1",
               KIVY_HOME=str(tmp / "kivy-home"), PYTHONPATH=str(REPO))
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")) or env.get("CI"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    env.pop("KIVY_GL_BACKEND", None)  # never the mock backend
    env.pop("NOTIFY_SOCKET", None)
    return env


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    return kivy_env(tmp_path)


@pytest.fixture(scope="session")
def badge_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kiosk.app.badge_video import write_badge_video
    return write_badge_video(tmp_path_factory.mktemp("video") / "badge.avi")


@pytest.fixture
def run_ui(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    def run(scenario: str, data: Path, camera: str, mode: str = "staffed", size: str = "800x480",
            timeout: float = 300) -> dict[str, Any]:
        out = tmp_path / f"out-{scenario}-{size}"
        cmd = [sys.executable, str(DRIVER), scenario, str(data), str(out), camera, mode, size]
        proc = subprocess.run(cmd, env=kivy_env(tmp_path), capture_output=True, text=True,
                              timeout=timeout, cwd=str(REPO))
        result_file = out / "result.json"
        assert result_file.exists(), f"driver crashed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        facts = json.loads(result_file.read_text())
        assert facts["ok"], f"scenario failed: {facts['error']}\n{proc.stderr[-4000:]}"
        return facts
    return run
