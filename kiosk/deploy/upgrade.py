"""In-place upgrade with rollback: every version gets its own virtual environment
(``/opt/leadkiosk/venvs/<version>``) and ``/opt/leadkiosk/current`` is a symlink switched
atomically. Data (``/var/lib/leadkiosk``) and settings (``/etc/leadkiosk``) live outside the
venvs, so an upgrade never touches them, and going back is one symlink away.

Every external command goes through ``Commands`` so the tests can run the real logic against
real venvs and a fake ``systemctl``.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from kiosk.deploy.errors import UpgradeError

DEFAULT_PREFIX = Path("/opt/leadkiosk")
KIOSK_UNIT = "leadkiosk-kiosk.service"
SMOKE_IMPORTS = ("kiosk.cli", "kiosk.paths", "kiosk.deploy.provision")
_WHEEL_RE = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[A-Za-z0-9_.+!]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")

Run = Callable[..., "subprocess.CompletedProcess[str]"]


def wheel_version(path: Path) -> str:
    """The version from a wheel's file name (PEP 427), checked to be a leadkiosk wheel."""
    m = _WHEEL_RE.fullmatch(path.name)
    if not m or m.group("name").lower().replace("_", "-") != "leadkiosk":
        raise UpgradeError(f"{path}: expected a leadkiosk wheel named leadkiosk-<version>-py3-none-any.whl")
    return m.group("version")


@dataclass
class Layout:
    prefix: Path = DEFAULT_PREFIX

    @property
    def venvs(self) -> Path:
        return self.prefix / "venvs"

    @property
    def current(self) -> Path:
        return self.prefix / "current"

    def generation(self, version: str) -> Path:
        return self.venvs / version

    def current_target(self) -> Path | None:
        try:
            target = os.readlink(self.current)
        except OSError:
            return None
        path = Path(target)
        return path if path.is_absolute() else (self.prefix / path)


def switch_current(layout: Layout, target: Path) -> None:
    """Atomic: a new symlink under a temporary name renamed over ``current`` (rename(2) replaces
    a symlink in one step, so a power cut leaves the old or the new generation, never none)."""
    layout.prefix.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(target, layout.prefix)
    tmp = layout.prefix / f".current.{os.getpid()}"
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    os.symlink(rel, tmp)
    os.replace(tmp, layout.current)
    fd = os.open(layout.prefix, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Commands:
    """The programs an upgrade runs; tests point ``systemctl`` at a fake."""

    python: str = "/usr/bin/python3"
    systemctl: str = "systemctl"
    run: Run = subprocess.run
    env: dict[str, str] | None = None

    def call(self, argv: Sequence[str], timeout: float, what: str) -> subprocess.CompletedProcess[str]:
        try:
            # cwd "/": `python -c` puts the working directory first on sys.path, and a checkout
            # there would shadow the generation under test.
            return self.run(list(argv), capture_output=True, text=True, timeout=timeout, env=self.env, cwd="/")
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(list(argv), 124, "", f"{what}: timed out after {timeout:.0f} s")
        except OSError as exc:
            return subprocess.CompletedProcess(list(argv), 127, "", f"{what}: {exc}")


@dataclass
class Result:
    version: str
    previous: str | None
    status: str                 # upgraded | unchanged | rolled_back | failed
    log: list[str] = field(default_factory=list)


def _tail(cp: subprocess.CompletedProcess[str]) -> str:
    text = (cp.stderr or "") + (cp.stdout or "")
    return " ".join(text.strip().splitlines()[-3:])[:400]


def build_generation(layout: Layout, version: str, requirement: Sequence[str], cmds: Commands,
                     pip_args: Sequence[str] = (), timeout: float = 1800) -> Path:
    """A fresh venv for ``version`` (with the system's site packages: picamera2 comes from apt)."""
    target = layout.generation(version)
    if target.exists():
        shutil.rmtree(target)  # a half-built or failed earlier attempt; never the current one
    layout.venvs.mkdir(parents=True, exist_ok=True)
    # Each generation gets its own pip (ensurepip, a few seconds): the next upgrade runs from it.
    cp = cmds.call([cmds.python, "-m", "venv", "--system-site-packages", str(target)], 300, "venv")
    if cp.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise UpgradeError(f"creating the venv {target} failed: {_tail(cp)}")
    cp = cmds.call([str(target / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                    "-q", *pip_args, *requirement], timeout, "pip install")
    if cp.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise UpgradeError(f"installing {' '.join(requirement)} failed: {_tail(cp)}")
    return target


def smoke_test(gen: Path, version: str, cmds: Commands, data_dir: Path | None = None) -> None:
    """Before switching: the new generation must start as a program, import its core modules and
    read the existing leads (a new version that cannot read them must never go live)."""
    cp = cmds.call([str(gen / "bin" / "leadkiosk"), "--version"], 60, "leadkiosk --version")
    if cp.returncode != 0 or version not in cp.stdout + cp.stderr:
        raise UpgradeError(f"{gen}: `leadkiosk --version` did not report {version}: {_tail(cp)}")
    code = "import importlib\nfor m in %r: importlib.import_module(m)\n" % (SMOKE_IMPORTS,)
    cp = cmds.call([str(gen / "bin" / "python"), "-I", "-c", code], 120, "import smoke test")
    if cp.returncode != 0:
        raise UpgradeError(f"{gen}: import smoke test failed: {_tail(cp)}")
    if data_dir is not None and data_dir.exists():
        cp = cmds.call([str(gen / "bin" / "leadkiosk"), "leads", "list", "--json", "--data", str(data_dir)],
                       300, "leads list")
        if cp.returncode != 0:
            raise UpgradeError(f"{gen}: the new version cannot read the leads in {data_dir}: {_tail(cp)}")


def unit_started(cmds: Commands, unit: str, ready_timeout: float, settle_s: float) -> tuple[bool, str]:
    """Restart and wait: for a ``Type=notify`` unit ``systemctl restart`` returns once the app
    sent READY=1 (or failed); then it must stay up for ``settle_s`` without systemd restarting it."""
    cp = cmds.call([cmds.systemctl, "restart", unit], ready_timeout, f"systemctl restart {unit}")
    if cp.returncode != 0:
        return False, f"{unit} did not reach READY within {ready_timeout:.0f} s: {_tail(cp)}"

    def state() -> tuple[str, str]:
        out = cmds.call([cmds.systemctl, "show", "-p", "ActiveState", "-p", "NRestarts", unit], 30, "systemctl show")
        props = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
        return props.get("ActiveState", "unknown"), props.get("NRestarts", "0")

    active, restarts = state()
    deadline = time.monotonic() + settle_s
    while True:
        if active != "active":
            return False, f"{unit} is {active} after the restart"
        if time.monotonic() >= deadline:
            return True, f"{unit} active"
        time.sleep(min(1.0, settle_s))
        active, now = state()
        if now != restarts:
            return False, f"{unit} restarted by itself (NRestarts {restarts} -> {now})"


def prune(layout: Layout, keep: Sequence[Path]) -> list[str]:
    """Keep the current and the previous generation (the rollback target); remove older ones."""
    removed = []
    keep_real = {os.path.realpath(p) for p in keep if p is not None}
    if layout.venvs.is_dir():
        for gen in sorted(layout.venvs.iterdir()):
            if gen.is_dir() and os.path.realpath(gen) not in keep_real:
                shutil.rmtree(gen, ignore_errors=True)
                removed.append(gen.name)
    return removed


def upgrade(layout: Layout, version: str, requirement: Sequence[str], cmds: Commands, *,
            pip_args: Sequence[str] = (), data_dir: Path | None = None, unit: str = KIOSK_UNIT,
            restart: bool = True, ready_timeout: float = 120, settle_s: float = 10, force: bool = False) -> Result:
    """Install ``version`` next to the running one, switch, restart, and roll back on failure."""
    previous = layout.current_target()
    prev_version = previous.name if previous else None
    result = Result(version=version, previous=prev_version, status="failed")
    new_gen = layout.generation(version)
    if previous is not None and os.path.realpath(previous) == os.path.realpath(new_gen) and not force:
        result.status = "unchanged"
        result.log.append(f"leadkiosk {version} is already the current version")
        return result
    gen = build_generation(layout, version, requirement, cmds, pip_args)
    result.log.append(f"installed {version} into {gen}")
    try:
        smoke_test(gen, version, cmds, data_dir)
    except UpgradeError:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    result.log.append("smoke test passed (--version, imports" + (", reading the leads)" if data_dir else ")"))
    switch_current(layout, gen)
    result.log.append(f"current -> {gen}")
    if restart:
        ok, why = unit_started(cmds, unit, ready_timeout, settle_s)
        result.log.append(why)
        if not ok:
            if previous is not None and previous.exists():
                switch_current(layout, previous)
                result.log.append(f"rolled back: current -> {previous}")
                back, why_back = unit_started(cmds, unit, ready_timeout, settle_s)
                result.log.append(why_back if back else f"the previous version did not start either: {why_back}")
            shutil.rmtree(gen, ignore_errors=True)
            result.status = "rolled_back"
            return result
    removed = prune(layout, [gen] + ([previous] if previous is not None else []))
    if removed:
        result.log.append(f"removed old generations: {', '.join(removed)}")
    result.status = "upgraded"
    return result


def resolve_index_version(cmds: Commands, pip_args: Sequence[str] = (), spec: str = "leadkiosk") -> tuple[str, Path]:
    """Download the newest wheel from the package index first: its file name carries the version,
    which names the new generation before anything is installed."""
    tmp = Path(tempfile.mkdtemp(prefix="leadkiosk-dl-"))
    # The running venv's pip: Debian's own python3 has no pip module without python3-pip.
    cp = cmds.call([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--disable-pip-version-check", "-q", "-d", str(tmp), *pip_args, spec], 600, "pip download")
    wheels = sorted(tmp.glob("*.whl"))
    if cp.returncode != 0 or not wheels:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UpgradeError(f"could not download {spec} from the package index: {_tail(cp)}")
    return wheel_version(wheels[0]), wheels[0]
