"""Opt-in (LEADKIOSK_ARM64=1, as root): the kiosk installed and run on arm64 (Raspberry Pi OS
64-bit's architecture) under qemu-user emulation, without a Pi.

Steps, each its own test so one command stays within the per-command limits (the root is cached):
1. an arm64 Debian 12 root (debootstrap --foreign + second stage under ``proot -q qemu-aarch64-static``),
   cached as a tarball in ``$LEADKIOSK_ARM64_CACHE`` (default ``~/.cache/leadkiosk/arm64``);
2. ``deploy/pi/install.sh --root`` into that root, its apt-get, venv and pip running INSIDE the root under
   qemu-user (``LEADKIOSK_ROOT_RUNNER``), from a wheelhouse of arm64 wheels made on the host
   (``pip download --platform manylinux..._aarch64``) plus the project's own wheel;
3. inside the root: every kiosk module imports; ``leadkiosk decode`` on corpus photos gives the same
   texts as on amd64 and as the corpus expects; ``form check``, ``score``, ``capture``, ``leads list``;
   ``leadkiosk screenshots`` rendered by Mesa's llvmpipe and compared with the amd64 rendering;
   a bounded subset of the suite (forms, store, scan parsers) run by the arm64 interpreter.

What this cannot show (no hardware): picamera2 (Raspberry Pi archive only), KMS/DRM display, touch
input, the GPU; see deploy/pi/README.md.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from arm64_root import Arm64Root, missing_tools  # noqa: E402
from pi_helpers import REPO  # noqa: E402

# Under emulation on a shared 2-core machine one step can take a while: each subprocess has its own
# timeout below; this only stops a hung test.
pytestmark = [pytest.mark.arm64, pytest.mark.slow, pytest.mark.timeout(5400)]

CORPUS = Path(os.environ.get("LEADKIOSK_CORPUS", REPO.parent / "shared" / "corpus"))
VENV = "/opt/leadkiosk/current"
KIVY_ENV = {"KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1", "KIVY_HOME": "/tmp/kivy-home",
            "LIBGL_ALWAYS_SOFTWARE": "1", "GALLIUM_DRIVER": "llvmpipe", "SDL_AUDIODRIVER": "dummy"}
# Third-party wheels a kiosk needs (the [kiosk] extra when pyproject has one) plus the test tools.
TEST_TOOLS = ("pytest", "pytest-timeout", "hypothesis")
# The suite subset run by the arm64 interpreter: pure code, the store, badge parsing.
SUITE = ("tests/forms", "tests/store/test_record.py", "tests/store/test_service.py",
         "tests/scan/test_payload_formats.py", "tests/scan/test_vcard_corpus.py", "tests/scan/test_profile.py")
TIMES: dict[str, float] = {}
# What the project wheel is built from (install.sh copies the same parts of a checkout).
SOURCE_PARTS = ("pyproject.toml", "README.md", "kiosk", "forms", "sync", "central")


def _cache_dir() -> Path:
    return Path(os.environ.get("LEADKIOSK_ARM64_CACHE", Path.home() / ".cache" / "leadkiosk" / "arm64"))


@pytest.fixture(scope="module")
def arm(tmp_path_factory: pytest.TempPathFactory) -> Arm64Root:
    if os.environ.get("LEADKIOSK_ARM64") != "1":
        pytest.skip("opt-in: set LEADKIOSK_ARM64=1 (builds an arm64 Debian 12 root under qemu-user; "
                    "needs root, the Debian mirror, PyPI and 10-30 minutes the first time)")
    if os.geteuid() != 0:
        pytest.skip("debootstrap needs root")
    if missing_tools():
        pytest.fail(f"missing host tools {missing_tools()}: apt-get install debootstrap proot qemu-user-static")
    root = Arm64Root(_cache_dir())
    t0 = time.monotonic()
    root.ensure()
    TIMES["root"] = time.monotonic() - t0
    assert root.machine() == "aarch64"
    return root


def _kiosk_requirements() -> list[str]:
    """The kiosk's third-party requirements as pyproject states them ([kiosk] extra if present)."""
    import tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = list(project.get("dependencies", []))
    reqs += project.get("optional-dependencies", {}).get("kiosk", [])
    return [r for r in reqs if not r.startswith("leadkiosk")]


def _source_hash() -> str:
    import hashlib
    h = hashlib.sha256()
    for part in SOURCE_PARTS:
        path = REPO / part
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                       and "__pycache__" not in p.parts and p.suffix != ".pyc")
        for f in files:
            h.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def wheelhouse(arm: Arm64Root, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """arm64 wheels only (``--only-binary=:all:``): what a Pi gets from PyPI, made on the host."""
    wh = arm.cache / "wheels"
    wh.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_REQUIRE_VIRTUALENV",)}
    cp = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--only-binary=:all:",
         "--platform", "manylinux2014_aarch64", "--platform", "manylinux_2_17_aarch64",
         "--platform", "manylinux_2_28_aarch64", "--python-version", "3.11", "--implementation", "cp",
         "-d", str(wh), *_kiosk_requirements(), *TEST_TOOLS, "setuptools>=77", "wheel"],
        capture_output=True, text=True, timeout=900, env=env)
    assert cp.returncode == 0, cp.stderr[-3000:]
    # The project's wheel is rebuilt only when its sources changed: a rebuilt wheel differs byte for
    # byte (zip times), and install.sh rightly reinstalls a different wheel (minutes under emulation).
    # The recipe is in the stamp: a wheel cached by an older recipe (in-tree build) is rebuilt.
    stamp, source = wh / ".leadkiosk-source", "clean-copy " + _source_hash()
    if not (list(wh.glob("leadkiosk-*.whl")) and stamp.exists() and stamp.read_text() == source):
        # Built from a clean copy of the sources, as install.sh installs a checkout: an in-tree build
        # reuses setuptools' build/lib, where a module deleted from the tree lives on (it did:
        # sync/kiosk.py, removed weeks ago, reached the arm64 root and failed to import there).
        own, src = tmp_path_factory.mktemp("own-wheel"), tmp_path_factory.mktemp("own-src")
        for part in SOURCE_PARTS:
            if (REPO / part).is_dir():
                shutil.copytree(REPO / part, src / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy(REPO / part, src / part)
        cp = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                             "-w", str(own), str(src)], capture_output=True, text=True, timeout=600)
        assert cp.returncode == 0, cp.stderr[-3000:]
        for old in wh.glob("leadkiosk-*.whl"):
            old.unlink()
        (built,) = list(own.glob("leadkiosk-*.whl"))
        shutil.copy(built, wh / built.name)
        stamp.write_text(source)
    TIMES["wheelhouse"] = time.monotonic() - t0
    assert not [w.name for w in wh.glob("*x86_64*")], "an amd64 wheel in the arm64 wheelhouse"
    return wh


@pytest.fixture(scope="module")
def installed(arm: Arm64Root, wheelhouse: Path) -> Arm64Root:
    """install.sh into the arm64 root as for a card prepared on a PC: apt, venv and pip run INSIDE the
    root through qemu-user (LEADKIOSK_ROOT_RUNNER), from the arm64 wheelhouse only; users, tmpfiles and
    units by this machine's systemd tools with --root."""
    (own,) = list(wheelhouse.glob("leadkiosk-*.whl"))
    boot = arm.root / "boot/firmware"
    boot.mkdir(parents=True, exist_ok=True)
    (boot / "cmdline.txt").write_text("console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 rootwait\n")
    runner = f"proot -0 -q qemu-aarch64-static -r {arm.root} -b /proc -b /dev -b /sys -b {wheelhouse}:/wheels"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LD_PRELOAD", "FAKETIME"))}
    env.update({"LEADKIOSK_PIP_ARGS": "--no-index --find-links /wheels", "LEADKIOSK_ROOT_RUNNER": runner,
                "PROOT_NO_SECCOMP": "1", "DEBIAN_FRONTEND": "noninteractive",
                # qemu-user under proot answers access(W_OK) wrongly, so pip would think the venv is
                # read-only and fall back to ~/.local: no user site at all, as in the kiosk's unit.
                "PYTHONNOUSERSITE": "1"})
    shutil.rmtree(arm.root / "root/.local", ignore_errors=True)
    env.pop("LEADKIOSK_PROC_MOUNTS", None)
    shutil.copy("/etc/resolv.conf", arm.root / "etc/resolv.conf")
    argv = ["bash", str(REPO / "deploy/pi/install.sh"), "--root", str(arm.root), "--wheel", str(own),
            "--display", "official-7"]
    t0 = time.monotonic()
    cp = subprocess.run(argv, capture_output=True, text=True, timeout=3000, env=env)
    TIMES["install"] = time.monotonic() - t0
    assert cp.returncode == 0, cp.stdout[-4000:] + cp.stderr[-4000:]
    t0 = time.monotonic()
    again = subprocess.run(argv, capture_output=True, text=True, timeout=1200, env=env)
    TIMES["install-again"] = time.monotonic() - t0
    assert again.returncode == 0 and "nothing to change" in again.stdout, again.stdout[-3000:] + again.stderr[-2000:]
    return arm


def _lk(arm: Arm64Root, *args: str, binds: dict[Path, str] | None = None, stdin: str | None = None,
        env: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    argv = [f"{VENV}/bin/leadkiosk", *args]
    if stdin is not None:
        # proot passes no stdin through subprocess.run(input=) reliably under qemu: use a file.
        (arm.root / "tmp/stdin.txt").write_text(stdin)
        argv = ["/bin/sh", "-c", " ".join(_q(a) for a in argv) + " < /tmp/stdin.txt"]
    return arm.run(argv, binds=binds, env={**KIVY_ENV, **(env or {})}, timeout=timeout)


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _host_lk(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
             timeout: float = 900) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "leadkiosk"
    return subprocess.run([str(exe), *args], input=stdin, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **KIVY_ENV, **(env or {})})


def test_install_sh_on_arm64(installed: Arm64Root) -> None:
    ver = _lk(installed, "--version")
    assert ver.returncode == 0 and ver.stdout.startswith("leadkiosk "), ver.stderr
    plat = installed.run([f"{VENV}/bin/python", "-c", "import platform, sysconfig; "
                          "print(platform.machine(), sysconfig.get_platform())"])
    assert plat.stdout.split() == ["aarch64", "linux-aarch64"], plat.stdout + plat.stderr
    for unit in ("leadkiosk-kiosk.service", "leadkiosk-firstboot.service", "leadkiosk-enroll.service"):
        st = subprocess.run(["systemctl", f"--root={installed.root}", "is-enabled", unit], capture_output=True, text=True)
        assert st.stdout.strip() == "enabled", (unit, st.stdout, st.stderr)
    assert "leadkiosk:" in (installed.root / "etc/passwd").read_text()
    dpkg = installed.run(["dpkg-query", "-W", "-f=${Package}:${Architecture} ${Status}\n", "libzbar0", "libmtdev1",
                          "python3-venv", "libegl1", "v4l-utils"])
    assert dpkg.stdout.count(":arm64 install ok installed") == 5, dpkg.stdout + dpkg.stderr


def test_every_kiosk_module_imports_on_arm64(installed: Arm64Root) -> None:
    code = ("import importlib, pkgutil, kiosk, forms, sync, cv2, zxingcpp, kivy, numpy\n"
            "skip = ('kiosk.app.', 'central')\n"  # Kivy app modules import the window: next test renders them
            "names = [m.name for p in (kiosk, forms, sync) for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.')]\n"
            "bad = []\n"
            "for n in names:\n"
            "    if n.startswith(skip) or '.testing' in n or n.endswith('__main__'): continue\n"
            "    try: importlib.import_module(n)\n"
            "    except ImportError as e: bad.append(f'{n}: {e}')\n"
            "print(len(names), cv2.__version__, zxingcpp.__version__ if hasattr(zxingcpp, '__version__') else '?',\n"
            "      kivy.__version__, numpy.__version__)\n"
            "print('BAD', bad)\n")
    cp = installed.run([f"{VENV}/bin/python", "-c", code], env=KIVY_ENV, timeout=900)
    assert cp.returncode == 0, cp.stdout + cp.stderr[-3000:]
    assert cp.stdout.strip().endswith("BAD []"), cp.stdout + cp.stderr[-2000:]
    print(f"[arm64] imports: {cp.stdout.splitlines()[0]}", file=sys.stderr)


def _corpus_sample(per_symbology: int = 3) -> list[str]:
    manifest = CORPUS / "barcodes" / "manifest.tsv"
    if not manifest.exists():
        pytest.fail(f"corpus not found at {manifest} (set LEADKIOSK_CORPUS)")
    picked: dict[str, list[str]] = {}
    for line in manifest.read_text().splitlines()[1:]:
        image, _expected, symbology = line.split("\t")[:3]
        if symbology != "NONE" and len(picked.setdefault(symbology, [])) < per_symbology:
            picked[symbology].append(image)
    return [img for imgs in picked.values() for img in imgs]


def test_decode_reads_the_same_texts_on_arm64(installed: Arm64Root) -> None:
    images = _corpus_sample()
    host = _host_lk("decode", *[str(CORPUS / "barcodes" / i) for i in images])
    t0 = time.monotonic()
    arm = _lk(installed, "decode", *[f"/corpus/{i}" for i in images], binds={CORPUS / "barcodes": "/corpus"})
    TIMES["decode"] = time.monotonic() - t0

    def texts(out: str) -> list[list[tuple[str, str]]]:
        return [[(c["format"], c["text"]) for c in json.loads(line)["codes"]] for line in out.splitlines() if line]

    got, want = texts(arm.stdout), texts(host.stdout)
    assert len(got) == len(images), arm.stdout + arm.stderr[-2000:]
    assert got == want
    expected = []
    for image in images:
        exp = (CORPUS / "barcodes" / image).with_suffix(".txt")
        expected.append(exp.read_text(encoding="utf-8", errors="replace").strip() if exp.exists() else None)
    read = sum(1 for g, e in zip(got, expected) if e is not None and any(t.strip() == e for _, t in g))
    assert read >= len(images) - 2, (read, len(images))  # as many as amd64 reads (asserted equal above)
    print(f"[arm64] decode: {len(images)} corpus photos, {read} match the corpus text, identical to amd64",
          file=sys.stderr)


def test_form_score_capture_and_list_on_arm64(installed: Arm64Root) -> None:
    check = _lk(installed, "form", "check", f"{VENV}/lib/python3.11/site-packages/forms/bant.yaml")
    assert check.returncode == 0, check.stdout + check.stderr
    answers = json.dumps({"budget": "approved", "authority": "decision_maker", "need": "critical",
                          "timing": "0_3_months", "evaluated_competitors": True, "role": "buyer",
                          "follow_up": "demo", "consent": True})
    host_score, arm_score = _host_lk("score", "-", stdin=answers), _lk(installed, "score", "-", stdin=answers)
    assert arm_score.returncode == host_score.returncode
    assert arm_score.stdout == host_score.stdout, (arm_score.stdout, arm_score.stderr, host_score.stdout)
    lead = json.dumps({"contact": {"first_name": "Zoë", "last_name": "Ärmel", "company": "Aarch GmbH",
                                   "email": "zoe@aarch.example"},
                       "answers": json.loads(answers), "staff": "Ana"})
    data = "/var/lib/leadkiosk-arm64-test"
    cap = _lk(installed, "capture", "--data", data, stdin=lead + "\n")
    assert cap.returncode == 0, cap.stdout + cap.stderr
    listed = _lk(installed, "leads", "list", "--data", data, "--json")
    assert listed.returncode == 0, listed.stderr
    leads = json.loads(listed.stdout)
    assert len(leads) >= 1 and "Ärmel" in json.dumps(leads[0], ensure_ascii=False)
    assert leads[0]["tag"] == json.loads(host_score.stdout)["tag"], leads[0]


def _png_diff(a: Path, b: Path) -> tuple[int, float, float]:
    """(max, mean) absolute channel difference and the fraction of pixels off by more than 48."""
    import cv2
    import numpy as np
    ia, ib = cv2.imread(str(a)), cv2.imread(str(b))
    assert ia is not None and ib is not None and ia.shape == ib.shape, (a, b)
    d = np.abs(ia.astype(np.int16) - ib.astype(np.int16))
    return int(d.max()), float(d.mean()), float((d.max(axis=2) > 48).mean())


# Both renderings show the same wall time (lead times, "today"), so they can be compared pixel for pixel.
SHOTS_AT = "2026-05-12T10:30:00+00:00"


def test_screenshots_on_arm64_match_amd64(installed: Arm64Root, tmp_path: Path) -> None:
    host_dir, arm_dir = tmp_path / "amd64", tmp_path / "arm64"
    arm_dir.mkdir()
    args = ("screenshots", "--sizes", "800x480", "--at", SHOTS_AT)
    host = _host_lk(*args, "--out", str(host_dir), env={"SDL_VIDEODRIVER": "offscreen", "DISPLAY": "", "TZ": "UTC"},
                    timeout=900)
    assert host.returncode == 0, host.stderr[-3000:]
    # All screens of a size render in one Kivy process; under emulation that takes many minutes, so the
    # renderer's own limit is raised for it.
    t0 = time.monotonic()
    arm = _lk(installed, *args, "--out", "/shots", binds={arm_dir: "/shots"},
              env={"LEADKIOSK_RENDER_TIMEOUT_S": "2400", "TZ": "UTC"}, timeout=3000)
    TIMES["screenshots"] = time.monotonic() - t0
    assert arm.returncode == 0, arm.stdout[-2000:] + arm.stderr[-3000:]
    host_pngs = sorted(p.name for p in host_dir.glob("*.png"))
    assert len(host_pngs) >= 12 and sorted(p.name for p in arm_dir.glob("*.png")) == host_pngs
    rows, bad = [], []
    for name in host_pngs:
        peak, mean, frac = _png_diff(host_dir / name, arm_dir / name)
        rows.append(f"  {name:45s} max {peak:3d}  mean {mean:6.3f}  >48: {frac * 100:6.3f}%")
        # same widgets, same fonts, same layout: only anti-aliasing may differ between the two llvmpipes
        if not (mean < 2.0 and frac < 0.01):
            bad.append((name, peak, mean, frac))
    report = "\n".join(rows)
    print(f"[arm64] screenshots: {len(host_pngs)} PNGs at 800x480 vs amd64 in "
          f"{TIMES['screenshots']:.0f} s\n{report}", file=sys.stderr)
    keep = os.environ.get("LEADKIOSK_ARM64_SHOTS")  # to look at them: a directory to copy both sets to
    if keep:
        for d in (host_dir, arm_dir):
            shutil.copytree(d, Path(keep) / d.name, dirs_exist_ok=True)
    assert not bad, report


def test_suite_subset_passes_on_arm64(installed: Arm64Root, tmp_path: Path) -> None:
    """The tests run by the arm64 interpreter against the INSTALLED package (no source tree bound)."""
    pip = installed.run([f"{VENV}/bin/python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
                         "--no-index", "--find-links", "/wheels", *TEST_TOOLS],
                        binds={_cache_dir() / "wheels": "/wheels"}, timeout=1200)
    assert pip.returncode == 0, pip.stderr[-3000:]
    src = tmp_path / "src"
    shutil.copytree(REPO / "tests", src / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", src / "pyproject.toml")
    binds = {src: "/src", CORPUS: "/corpus"}
    t0 = time.monotonic()
    cp = installed.run([f"{VENV}/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                        "--timeout", "900", *SUITE], binds=binds, cwd="/src",
                       env={**KIVY_ENV, "LEADKIOSK_CORPUS": "/corpus", "HYPOTHESIS_PROFILE": "ci"}, timeout=3000)
    TIMES["suite"] = time.monotonic() - t0
    tail = cp.stdout.strip().splitlines()[-1] if cp.stdout.strip() else ""
    print(f"[arm64] suite subset: {tail}; times {json.dumps({k: round(v) for k, v in TIMES.items()})}",
          file=sys.stderr)
    assert cp.returncode == 0, cp.stdout[-5000:] + cp.stderr[-2000:]
    assert " passed" in tail and "failed" not in tail
