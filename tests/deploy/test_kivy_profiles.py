"""The Kivy display profiles, loaded by Kivy itself (a subprocess with KIVY_HOME pointing at the
rendered profile): complete (no upgrade, so Kivy adds no default second input provider), one
touch input provider, the display's size and rotation, no cursor."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.deploy.bootconfig import DISPLAYS
from kiosk.deploy.errors import BootConfigError
from kiosk.deploy.kivyconfig import kivy_config_text

PROBE = r"""
import json, os
from kivy.config import Config, KIVY_CONFIG_VERSION
print(json.dumps({
    "version": Config.getint("kivy", "config_version"), "current": KIVY_CONFIG_VERSION,
    "input": dict(Config.items("input")),
    "rotation": Config.getint("graphics", "rotation"), "show_cursor": Config.getint("graphics", "show_cursor"),
    "fullscreen": Config.get("graphics", "fullscreen"), "size": [Config.getint("graphics", "width"), Config.getint("graphics", "height")],
    "exit_on_escape": Config.getint("kivy", "exit_on_escape"),
    "profile": Config.get("leadkiosk", "profile"),
}))
"""


def _load(tmp_path: Path, display: str, rotation: int) -> tuple[dict, str]:
    home = tmp_path / display
    home.mkdir()
    (home / "config.ini").write_text(kivy_config_text(display, rotation))
    before = (home / "config.ini").read_text()
    env = {**os.environ, "KIVY_HOME": str(home), "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("KCFG_")}
    cp = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60)
    assert cp.returncode == 0, cp.stderr
    assert (home / "config.ini").read_text() == before, "Kivy rewrote the profile (it was incomplete or outdated)"
    return json.loads(cp.stdout.strip().splitlines()[-1]), cp.stderr


@pytest.mark.parametrize("display,size,provider", [
    ("official-7", [800, 480], "probesysfs,provider=mtdev"),
    ("touch-display-2", [720, 1280], "probesysfs,provider=mtdev"),
    ("hdmi", [1280, 720], "mouse,disable_multitouch"),
])
def test_profile_as_kivy_reads_it(tmp_path: Path, display: str, size: list[int], provider: str) -> None:
    cfg, log = _load(tmp_path, display, 180)
    assert cfg["version"] == cfg["current"] and "Upgrading configuration" not in log
    assert len(cfg["input"]) == 1, f"two input providers double every tap: {cfg['input']}"
    assert list(cfg["input"].values()) == [provider]
    assert cfg["size"] == size and cfg["rotation"] == 180
    assert (cfg["show_cursor"], cfg["fullscreen"], cfg["exit_on_escape"]) == (0, "auto", 0)
    assert cfg["profile"] == display  # the marker kiosk.app.runner checks before touching [input]


def test_the_app_keeps_the_profiles_single_input_provider(tmp_path: Path) -> None:
    """kiosk.app.runner.configure_kivy (the app's own Kivy set-up) must not add the mouse provider
    next to a profile's mtdev provider."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.ini").write_text(kivy_config_text("official-7"))
    code = ("import json; from kiosk.app.runner import configure_kivy; configure_kivy(None, True); "
            "from kivy.config import Config; print(json.dumps(dict(Config.items('input'))))")
    env = {**os.environ, "KIVY_HOME": str(home), "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1"}
    cp = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert cp.returncode == 0, cp.stderr
    assert json.loads(cp.stdout.strip().splitlines()[-1]) == {"%(name)s": "probesysfs,provider=mtdev"}


def test_profiles_differ_only_where_the_displays_differ() -> None:
    def body(d: str) -> list[str]:
        return [line for line in kivy_config_text(d).splitlines() if line and not line.startswith("#")]
    a, b, c = (body(d) for d in DISPLAYS)
    assert set(a) ^ set(b) == {"height = 480", "width = 800", "height = 1280", "width = 720",
                               "profile = official-7", "profile = touch-display-2"}
    assert set(a) ^ set(c) == {"height = 480", "width = 800", "height = 720", "width = 1280",
                               "%(name)s = probesysfs,provider=mtdev", "mouse = mouse,disable_multitouch",
                               "profile = official-7", "profile = hdmi"}


def test_unknown_display_or_rotation_is_refused() -> None:
    with pytest.raises(BootConfigError, match="display: expected one of"):
        kivy_config_text("vga")
    with pytest.raises(BootConfigError, match="rotation: expected one of 0 | 90"):
        kivy_config_text("hdmi", 45)
