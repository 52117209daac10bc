"""`leadkiosk upgrade`: real venv generations built from small real wheels, a fake systemctl that
does what the unit would (run the current generation's `leadkiosk run`, report its state), and
the rollback when the new version does not start."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.deploy.errors import UpgradeError
from kiosk.deploy.upgrade import Commands, Layout, prune, switch_current, upgrade, wheel_version

FAKE_SYSTEMCTL = """#!/bin/bash
# restart = start the current generation as the unit would; show = what systemd would report
state="$FAKE_SYSTEMCTL_STATE"
case "$1" in
  restart)
    gen="$(readlink "$LEADKIOSK_PREFIX/current")"
    if "$LEADKIOSK_PREFIX/current/bin/leadkiosk" run >/dev/null 2>&1; then
        echo active >"$state/active"; echo "restart $gen ok" >>"$state/log"
    else
        echo failed >"$state/active"; echo "restart $gen failed" >>"$state/log"
        echo "Job for leadkiosk-kiosk.service failed because the control process exited with error code." >&2
        exit 1
    fi ;;
  show) echo "ActiveState=$(cat "$state/active" 2>/dev/null || echo inactive)"; echo "NRestarts=0" ;;
  *) exit 64 ;;
esac
"""


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Layout, Commands, Path]:
    prefix = tmp_path / "opt/leadkiosk"
    state = tmp_path / "state"
    state.mkdir()
    fake = tmp_path / "systemctl"
    fake.write_text(FAKE_SYSTEMCTL)
    fake.chmod(0o755)
    env = {**os.environ, "LEADKIOSK_PREFIX": str(prefix), "FAKE_SYSTEMCTL_STATE": str(state)}
    return Layout(prefix), Commands(python=sys.executable, systemctl=str(fake), env=env), state


def _log(state: Path) -> list[str]:
    return (state / "log").read_text().splitlines() if (state / "log").exists() else []


def _pip_offline() -> list[str]:
    return ["--no-index", "--no-deps"]


def test_upgrade_switches_and_rolls_back_when_the_new_version_does_not_start(
        setup: tuple[Layout, Commands, Path], wheels: dict[str, Path], tmp_path: Path) -> None:
    layout, cmds, state = setup
    data = tmp_path / "data"
    data.mkdir()
    (data / "kiosk.toml").write_text('kiosk_id = "booth-1"\n')
    env = {k: v for k, v in cmds.env.items() if not k.startswith("PIP_")}
    env.update({"LEADKIOSK_SYSTEMCTL": cmds.systemctl, "LEADKIOSK_PYTHON": sys.executable,
                "PIP_NO_INDEX": "1", "PIP_NO_DEPS": "1"})
    # --index: pip finds the newest leadkiosk (a local find-links index stands in for PyPI) and
    # its file name names the generation
    cp = subprocess.run([sys.executable, "-m", "kiosk", "upgrade", "--index", "--settle", "0.2", "--data", str(data)],
                        capture_output=True, text=True, env={**env, "PIP_FIND_LINKS": str(wheels["good1"].parent)},
                        timeout=300)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert cp.stdout.strip().endswith("upgraded: - -> 9.9.1")
    assert os.readlink(layout.current) == "venvs/9.9.1"
    assert _log(state) == ["restart venvs/9.9.1 ok"]

    # the same version again: nothing built, nothing restarted
    again = upgrade(layout, "9.9.1", [str(wheels["good1"])], cmds, pip_args=_pip_offline(), settle_s=0.2)
    assert again.status == "unchanged" and _log(state) == ["restart venvs/9.9.1 ok"]

    # the generation carries its own pip: the next `sudo leadkiosk upgrade` runs from it
    pip = subprocess.run([str(layout.current / "bin/python"), "-m", "pip", "--version"], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr

    # through the command line: a version that installs and passes the smoke test but crashes on
    # start is rolled back
    cp = subprocess.run([sys.executable, "-m", "kiosk", "upgrade", "--settle", "0.2", "--data", str(data),
                         "--wheel", str(wheels["crash"])], capture_output=True, text=True, env=env, timeout=300)
    assert cp.returncode == 1, cp.stdout + cp.stderr
    assert cp.stdout.strip().endswith("rolled_back: 9.9.1 -> 9.9.3") and "rolled back: current ->" in cp.stdout
    assert os.readlink(layout.current) == "venvs/9.9.1"
    assert _log(state) == ["restart venvs/9.9.1 ok", "restart venvs/9.9.3 failed", "restart venvs/9.9.1 ok"]
    assert not layout.generation("9.9.3").exists()
    assert (data / "kiosk.toml").read_text() == 'kiosk_id = "booth-1"\n'  # data untouched
    missing = subprocess.run([sys.executable, "-m", "kiosk", "upgrade", "--wheel", str(tmp_path / "nope.whl")],
                             capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode == 2 and "no such wheel file" in missing.stderr


def test_a_build_that_fails_its_smoke_test_never_goes_live(setup: tuple[Layout, Commands, Path],
                                                           wheels: dict[str, Path]) -> None:
    layout, cmds, state = setup
    layout.venvs.mkdir(parents=True)
    old = layout.generation("9.9.0")
    old.mkdir()
    switch_current(layout, old)
    with pytest.raises(UpgradeError, match="import smoke test failed.*fake broken build"):
        upgrade(layout, "9.9.4", [str(wheels["broken"])], cmds, pip_args=_pip_offline(), settle_s=0.2)
    assert os.readlink(layout.current) == "venvs/9.9.0"
    assert not layout.generation("9.9.4").exists()
    assert _log(state) == []  # the kiosk was never restarted


def test_prune_keeps_current_and_previous(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    for v in ("1.0", "1.1", "1.2", "1.3"):
        layout.generation(v).mkdir(parents=True)
    switch_current(layout, layout.generation("1.3"))
    assert prune(layout, [layout.generation("1.3"), layout.generation("1.2")]) == ["1.0", "1.1"]
    assert sorted(p.name for p in layout.venvs.iterdir()) == ["1.2", "1.3"]


def test_switch_is_a_single_rename(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    for v in ("1", "2"):
        layout.generation(v).mkdir(parents=True)
    switch_current(layout, layout.generation("1"))
    switch_current(layout, layout.generation("2"))
    assert os.readlink(layout.current) == "venvs/2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "venvs"]  # no temp link left


@pytest.mark.parametrize("name,version", [("leadkiosk-0.2.0-py3-none-any.whl", "0.2.0"),
                                          ("leadkiosk-1.0rc1-py3-none-any.whl", "1.0rc1")])
def test_wheel_version(name: str, version: str) -> None:
    assert wheel_version(Path(name)) == version


def test_foreign_wheel_is_refused() -> None:
    with pytest.raises(UpgradeError, match="expected a leadkiosk wheel"):
        wheel_version(Path("requests-2.0-py3-none-any.whl"))


