"""``leadkiosk keys init``, ``leads list|show|export --passphrase-stdin``, ``unlock``/``lock`` and
``wipe`` as scripts drive them (real subprocesses, real key file, default Argon2id cost)."""
from __future__ import annotations

import json
from pathlib import Path

from kiosk.seal import KeySealer
from kiosk.seal.control import ControlServer, make_handler
from kiosk.store import open_store
from tests.store.test_cli import HOT, MEDIUM, line, run

PASS = "Blue Heron at Hall 4\n"
NAMES = ("Xanthippe", "Vorbrüggen", "xanthippe.v@nordlicht.example", "+49 151 2468 1357", "wants the Q3 roadmap")


def _capture(data: Path) -> list[str]:
    stdin = "\n".join([
        line({"first_name": "Xanthippe", "last_name": "Vorbrüggen", "company": "Nordlicht AG",
              "email": "xanthippe.v@nordlicht.example", "phone": "+49 151 2468 1357"}, HOT,
             notes="wants the Q3 roadmap", staff="Ana"),
        line({"first_name": "Ödön", "last_name": "Kvist", "registration_id": "R-90210"}, MEDIUM),
    ]) + "\n"
    r = run(["capture"], data, stdin)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def _bytes(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file())


def test_keys_init_contract(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = run(["keys", "init"], data, PASS)
    assert r.returncode == 2 and "--passphrase-stdin" in r.stderr
    r = run(["keys", "init", "--passphrase-stdin"], data, "short\n")
    assert r.returncode == 1 and "at least 8" in r.stderr
    r = run(["keys", "init", "--data", str(data), "--passphrase-stdin"], tmp_path / "elsewhere", PASS)
    assert r.returncode == 0, r.stderr
    assert "keys created" in r.stdout and "Argon2id" in r.stdout and "not enrolled" in r.stdout
    r = run(["keys", "init", "--passphrase-stdin"], data, PASS)
    assert r.returncode == 1 and "already has keys" in r.stderr and "--rotate" in r.stderr
    r = run(["keys", "init", "--passphrase-stdin", "--rotate"], data, "a second passphrase\n")
    assert r.returncode == 0 and "keys rotated" in r.stdout


def test_leads_sealed_without_passphrase_clear_with_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(["keys", "init", "--passphrase-stdin"], data, PASS).returncode == 0
    ids = _capture(data)
    for n in NAMES:
        assert n.encode() not in _bytes(data)

    r = run(["leads", "list"], data)
    assert r.returncode == 0 and "(sealed)" in r.stdout and "Xanthippe" not in r.stdout
    assert "personal data of 2 sealed" in r.stderr
    listed = json.loads(run(["leads", "list", "--json"], data).stdout)
    assert all(x["sealed"] and x["contact"]["first_name"] is None for x in listed)
    assert {x["tag"] for x in listed} == {"hot", "warm"}  # what is not personal stays readable
    clear = json.loads(run(["leads", "list", "--json", "--passphrase-stdin"], data, PASS).stdout)
    assert {x["contact"]["first_name"] for x in clear} == {"Xanthippe", "Ödön"} and not any(x["sealed"] for x in clear)
    r = run(["leads", "list", "--passphrase-stdin"], data, "Blue Heron at Hall 5\n")
    assert r.returncode == 1 and "wrong passphrase" in r.stderr and "Xanthippe" not in r.stdout

    shown = json.loads(run(["leads", "show", ids[0]], data).stdout)
    assert shown["contact"]["email"] is None and "sealed" in shown
    shown = json.loads(run(["leads", "show", ids[0], "--passphrase-stdin"], data, PASS).stdout)
    assert shown["contact"]["email"] == "xanthippe.v@nordlicht.example" and shown["notes"] == "wants the Q3 roadmap"
    assert run(["leads", "show", "nope"], data).returncode == 1

    out = tmp_path / "exports" / "leads.csv"
    out.parent.mkdir()
    for cmd in (["export"], ["leads", "export"]):
        r = run([*cmd, "--out", str(out)], data)
        assert r.returncode == 1 and "sealed" in r.stderr and "--passphrase-stdin" in r.stderr
        assert not out.exists() and not list(out.parent.iterdir())
    r = run(["leads", "export", "--out", str(out), "--passphrase-stdin"], data, PASS)
    assert r.returncode == 0, r.stderr
    assert "Xanthippe" in out.read_text(encoding="utf-8-sig")


def test_keys_init_seals_leads_captured_before(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _capture(data)
    assert b"Xanthippe" in _bytes(data)
    r = run(["keys", "init", "--passphrase-stdin"], data, PASS)
    assert r.returncode == 0 and "2 lead(s)" in r.stdout
    for n in NAMES:
        assert n.encode() not in _bytes(data), n


def test_wipe_refuses_until_central_confirmed_then_shreds(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(["keys", "init", "--passphrase-stdin"], data, PASS).returncode == 0
    ids = _capture(data)
    r = run(["wipe"], data)
    assert r.returncode == 1 and "2 lead(s) are not confirmed by central" in r.stderr
    store = open_store(data)
    store.mark_sync_many([(i, "central", 1, "sent", None, None) for i in ids])
    store.close()
    before = (data / "keys" / "kiosk.keys").read_bytes()
    r = run(["wipe"], data)
    assert r.returncode == 0, r.stderr
    assert "has confirmed 2" in r.stdout and "can no longer be read" in r.stdout
    after = (data / "keys" / "kiosk.keys").read_bytes()
    assert b"wiped_at" in after and before[:200] not in after
    r = run(["leads", "list", "--passphrase-stdin"], data, PASS)
    assert r.returncode == 1 and "wiped" in r.stderr
    r = run(["capture"], data, line({"first_name": "After"}, HOT) + "\n")
    assert r.returncode == 1 and "keys init" in r.stderr  # never captures in clear after a wipe
    assert run(["keys", "init", "--passphrase-stdin"], data, "a new show passphrase\n").returncode == 0
    listed = json.loads(run(["leads", "list", "--json", "--passphrase-stdin"], data, "a new show passphrase\n").stdout)
    assert len(listed) == 2 and all(x["sealed"] for x in listed)  # the old key is gone for good


def test_unlock_and_lock_the_running_kiosk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = run(["unlock", "--passphrase-stdin"], data, PASS)
    assert r.returncode == 1 and "no running kiosk" in r.stderr
    assert run(["keys", "init", "--passphrase-stdin"], data, PASS).returncode == 0
    sealer = KeySealer(data)
    server = ControlServer(data, make_handler(data, sealer))
    server.start()
    try:
        assert (data / "run" / "control.sock").stat().st_mode & 0o077 == 0
        r = run(["unlock", "--passphrase-stdin"], data, "not the passphrase\n")
        assert r.returncode == 1 and "wrong passphrase" in r.stderr and sealer.locked
        r = run(["unlock", "--passphrase-stdin"], data, PASS)
        assert r.returncode == 0 and "unlocked" in r.stdout and not sealer.locked
        r = run(["lock"], data)
        assert r.returncode == 0 and sealer.locked
        r = run(["unlock"], data)  # through central: not enrolled here
        assert r.returncode == 1 and "not enrolled" in r.stderr and sealer.locked
    finally:
        server.stop()
