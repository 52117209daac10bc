"""The install sets (pyproject's extras): each installs into a clean virtual environment (no system
site packages, nothing of the development .venv) and runs its own part, and a Pi's set carries none
of the server stack, a server's none of Kivy, OpenCV or the OCR.

The project's wheel is built once from a copy of the sources; pip then installs from its ordinary
configuration (its index and its cache: the second run downloads nothing). Bounded: one wheel, three
venvs, a handful of commands, each with a time limit.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "kiosk", "forms", "sync", "central")

# Importable only with the kiosk's extra / only with central's (top-level module names).
KIOSK_MODULES = ("kivy", "cv2", "numpy", "zxingcpp", "pyzbar.pyzbar", "tinydb", "phonenumbers", "rapidocr",
                 "onnxruntime")
CENTRAL_MODULES = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "jinja2", "multipart", "argon2")
# The project's own modules that each set must import (its part of the program).
KIOSK_PARTS = ("kiosk.store", "kiosk.scan", "kiosk.scan.card.engine", "kiosk.config", "sync.worker", "forms")
CENTRAL_PARTS = ("central.app", "central.web.app", "central.ingest", "central.outbox", "sync.config", "forms")

pytestmark = [pytest.mark.slow]


def _run(argv: list[str], timeout: float = 300, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "PYTHONPATH", "VIRTUAL_ENV"))}
    env.update({"KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1"})
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, **kw)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy (a build in the checkout would leave build/ there)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(path, src / name)
    out = tmp_path_factory.mktemp("wheel")
    cp = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)], timeout=600)
    assert cp.returncode == 0, cp.stderr[-3000:]
    (built,) = out.glob("leadkiosk-*.whl")
    return built


def _venv(wheel: Path, where: Path, extra: str) -> Path:
    cp = _run([sys.executable, "-m", "venv", str(where)], timeout=300)  # clean: no system site packages
    assert cp.returncode == 0, cp.stderr
    spec = f"{wheel}[{extra}]" if extra else str(wheel)
    cp = _run([str(where / "bin/python"), "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check", spec],
              timeout=1500)
    assert cp.returncode == 0, cp.stderr[-3000:]
    return where


def _importable(venv: Path, modules: tuple[str, ...]) -> dict[str, bool]:
    code = ("import importlib, json, sys\n"
            "found = {}\n"
            "for m in sys.argv[1:]:\n"
            "    try:\n"
            "        importlib.import_module(m); found[m] = True\n"
            "    except ModuleNotFoundError:\n"
            "        found[m] = False\n"
            "print(json.dumps(found))\n")
    cp = _run([str(venv / "bin/python"), "-c", code, *modules], timeout=300, cwd="/")
    assert cp.returncode == 0, cp.stderr[-3000:]
    found: dict[str, bool] = json.loads(cp.stdout.splitlines()[-1])
    return found


def _leadkiosk(venv: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return _run([str(venv / "bin/leadkiosk"), *args], timeout=timeout, cwd="/")


def test_core_alone_runs_the_command_line_and_names_the_missing_extra(wheel: Path, tmp_path: Path) -> None:
    venv = _venv(wheel, tmp_path / "core", "")
    found = _importable(venv, KIOSK_MODULES + CENTRAL_MODULES + ("yaml", "requests", "nacl", "openpyxl", "orjson"))
    assert [m for m, ok in found.items() if ok] == ["yaml", "requests", "nacl", "openpyxl", "orjson"]
    help_ = _leadkiosk(venv, "--help")
    assert help_.returncode == 0, help_.stderr
    for command in ("run", "decode", "capture", "sync", "central"):
        assert command in help_.stdout
    check = _leadkiosk(venv, "form", "check", str(REPO / "forms/bant.yaml"))
    assert check.returncode == 0, check.stdout + check.stderr
    serve = _leadkiosk(venv, "central", "migrate", "--db", f"sqlite:///{tmp_path / 'c.db'}")
    assert serve.returncode == 3 and "leadkiosk[central]" in serve.stderr and "Traceback" not in serve.stderr


def test_kiosk_set_decodes_and_stores_without_the_server_stack(wheel: Path, tmp_path: Path, corpus_dir: Path) -> None:
    corpus = corpus_dir
    venv = _venv(wheel, tmp_path / "kiosk", "kiosk")
    found = _importable(venv, KIOSK_MODULES + CENTRAL_MODULES + KIOSK_PARTS)
    assert [m for m in KIOSK_MODULES + KIOSK_PARTS if not found[m]] == []
    assert [m for m in CENTRAL_MODULES if found[m]] == [], "a Pi must not get the server stack"

    image = corpus / "barcodes/zxing-qrcode-1/1.png"
    decode = _leadkiosk(venv, "decode", str(image))
    assert decode.returncode == 0, decode.stderr[-3000:]
    texts = [c["text"] for c in json.loads(decode.stdout.splitlines()[0])["codes"]]
    assert texts == [(corpus / "barcodes/zxing-qrcode-1/1.txt").read_text(encoding="utf-8").strip()]

    data = tmp_path / "data"
    lead = {"contact": {"first_name": "Zoë", "last_name": "O'Brien\n=1+1", "company": "<b>ACME</b>"},
            "answers": {"budget": "approved", "authority": "decision_maker", "need": "critical",
                        "product_interest": ["crm_sync"], "timing": "0_3_months", "evaluated_competitors": True,
                        "role": "buyer", "follow_up": "demo", "consent": True}}
    capture = _run([str(venv / "bin/leadkiosk"), "capture", "--data", str(data)], input=json.dumps(lead) + "\n",
                   timeout=300, cwd="/")
    assert capture.returncode == 0, capture.stdout + capture.stderr
    listed = _leadkiosk(venv, "leads", "list", "--data", str(data), "--json")
    assert listed.returncode == 0, listed.stderr[-3000:]
    assert "O'Brien" in listed.stdout and "Zo" in listed.stdout

    central = _leadkiosk(venv, "central", "migrate", "--db", f"sqlite:///{tmp_path / 'c.db'}")
    assert central.returncode == 3 and "leadkiosk[central]" in central.stderr


def test_central_set_serves_without_kivy_opencv_or_ocr(wheel: Path, tmp_path: Path) -> None:
    venv = _venv(wheel, tmp_path / "central", "central")
    found = _importable(venv, KIOSK_MODULES + CENTRAL_MODULES + CENTRAL_PARTS)
    assert [m for m in CENTRAL_MODULES + CENTRAL_PARTS if not found[m]] == []
    assert [m for m in KIOSK_MODULES if found[m]] == [], "a server must not get Kivy, OpenCV or the OCR"

    db = f"sqlite:///{tmp_path / 'central.db'}"
    migrate = _leadkiosk(venv, "central", "migrate", "--db", db)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    code = _leadkiosk(venv, "central", "enroll-code", "--db", db, "--show", "expo2026", "--name", "Expo 2026")
    assert code.returncode == 0 and code.stdout.strip(), code.stderr[-3000:]
    leads = _leadkiosk(venv, "central", "leads", "--db", db, "--json")
    assert leads.returncode == 0, leads.stderr[-3000:]
    assert json.loads(leads.stdout) == []

    decode = _leadkiosk(venv, "decode", str(REPO / "README.md"))
    assert decode.returncode == 3 and "leadkiosk[kiosk]" in decode.stderr and "Traceback" not in decode.stderr
