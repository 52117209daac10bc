"""First-boot provisioning end to end on real files: leadkiosk.toml -> kiosk.toml (read back by
kiosk.config), the Kivy profile, the storage link, and enrollment against a loopback HTTP server
that speaks the wire protocol of ARCHITECTURE.md (POST /api/v1/enroll), through sync's real
enrollment client; the secrets leave the boot file only once consumed."""
from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.cli import main
from kiosk.config import load_kiosk_settings, verify_pin
from kiosk.deploy.bootconfig import load_boot_config
from kiosk.deploy.errors import StorageError
from kiosk.deploy.kivyconfig import kivy_config_text
from kiosk.deploy.provision import EnrollPending, EnrollRefused, apply_settings, enroll_step
from pi_helpers import OVERLAY_ROOT, PLAIN_ROOT, mounts_text


class _Central(BaseHTTPRequestHandler):
    codes: dict[str, str] = {}
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        if self.path != "/api/v1/enroll" or body.get("code") not in self.codes:
            self.send_response(403)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"detail": "unknown or used enrollment code"}')
            return
        show = self.codes.pop(body["code"])  # one-time
        answer = {"device_id": "dev-1", "token": "tok-secret", "signing_secret": "whsec_c2VjcmV0",
                  "show_id": show, "show_name": show.title()}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def central() -> Iterator[str]:
    _Central.codes = {"GOOD-CODE-1": "fair-2026"}
    _Central.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Central)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _boot(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "boot" / "leadkiosk.toml"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def _plain_mounts(tmp_path: Path) -> Path:
    m = tmp_path / "mounts"
    m.write_text(mounts_text(*PLAIN_ROOT))
    return m


def test_first_boot_settings_then_enrollment(tmp_path: Path, central: str) -> None:
    boot = _boot(tmp_path, f'# card for hall 3\ncentral_url = "{central}"\nenrollment_code = "GOOD-CODE-1"\n'
                           'kiosk_name = "booth-7"\nstaff_pin = "4711"\ndisplay = "official-7"\nrotation = 180\n'
                           'mode = "self_serve"\nlanguage = "de"\n')
    data, kivy = tmp_path / "data", tmp_path / "kivy"
    report = apply_settings(load_boot_config(boot), data, kivy, _plain_mounts(tmp_path))
    assert any("kiosk.toml" in c for c in report.changes)
    s = load_kiosk_settings(data)  # read back exactly as the app reads it
    assert (s.kiosk_id, s.mode, s.language) == ("booth-7", "self_serve", "de")
    assert verify_pin("4711", s.staff_pin_hash) and not verify_pin("1234", s.staff_pin_hash)
    assert (kivy / "config.ini").read_text() == kivy_config_text("official-7", 180)
    left = boot.read_text()
    assert "staff_pin" not in left and "4711" not in left and "GOOD-CODE-1" in left and "# card for hall 3" in left

    # applying again (next boot) changes nothing
    assert apply_settings(load_boot_config(boot), data, kivy, _plain_mounts(tmp_path)).changes == []

    report = enroll_step(load_boot_config(boot), data)
    assert _Central.seen[-1] == {"code": "GOOD-CODE-1", "kiosk_name": "booth-7"}
    creds = json.loads((data / "central.json").read_text())
    assert creds["token"] == "tok-secret" and creds["url"] == central
    assert os.stat(data / "central.json").st_mode & 0o777 == 0o600
    assert load_kiosk_settings(data).show == "fair-2026"  # the show came from the central system
    doc = tomllib.loads(boot.read_text())
    assert "enrollment_code" not in doc and doc["central_url"] == central and doc["kiosk_name"] == "booth-7"
    # a later boot: nothing to enroll, nothing sent
    n = len(_Central.seen)
    assert enroll_step(load_boot_config(boot), data).changes == []
    assert len(_Central.seen) == n


def test_offline_enrollment_keeps_the_code_for_the_retry(tmp_path: Path) -> None:
    boot = _boot(tmp_path, 'central_url = "http://127.0.0.1:9"\nenrollment_code = "GOOD-CODE-1"\n')
    with pytest.raises(EnrollPending, match="will retry"):
        enroll_step(load_boot_config(boot), tmp_path / "data")
    assert "GOOD-CODE-1" in boot.read_text()


def test_refused_code_is_reported_and_not_retried(tmp_path: Path, central: str, capsys: pytest.CaptureFixture[str]) -> None:
    boot = _boot(tmp_path, f'central_url = "{central}"\nenrollment_code = "USED-CODE-9"\n')
    with pytest.raises(EnrollRefused, match="enrollment_code: refused by"):
        enroll_step(load_boot_config(boot), tmp_path / "data")
    rc = main(["provision", "--enroll-only", "--boot-config", str(boot), "--data", str(tmp_path / "data")])
    assert rc == 65  # RestartPreventExitStatus in leadkiosk-enroll.service
    assert "leadkiosk.toml: enrollment_code: refused" in capsys.readouterr().err


def test_cli_exit_codes_for_the_units(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _boot(tmp_path, 'display = "vga"\n')
    assert main(["provision", "--boot-config", str(bad), "--data", str(tmp_path / "d")]) == 2
    assert "leadkiosk.toml: display: expected one of" in capsys.readouterr().err
    offline = _boot(tmp_path, 'central_url = "http://127.0.0.1:9"\nenrollment_code = "C0DE"\nkiosk_name = "k1"\n')
    args = ["--boot-config", str(offline), "--data", str(tmp_path / "d"), "--kivy-home", str(tmp_path / "k"),
            "--mounts", str(_plain_mounts(tmp_path))]
    assert main(["provision", "--no-enroll", *args]) == 0
    assert "change: write" in capsys.readouterr().out
    assert main(["provision", "--no-enroll", *args]) == 0
    assert capsys.readouterr().out.strip().endswith("nothing to change")
    assert main(["provision", "--enroll-only", *args]) == 75


def test_data_dir_on_a_usb_stick(tmp_path: Path) -> None:
    stick = tmp_path / "mnt-leads"
    stick.mkdir()
    mounts = tmp_path / "mounts"
    mounts.write_text(mounts_text(*OVERLAY_ROOT, f"/dev/sda1 {stick} ext4 rw,relatime 0 0"))
    # the file says /mnt/leads; the test's stick is a directory under /tmp (which the file refuses)
    cfg = replace(load_boot_config(_boot(tmp_path, 'data_dir = "/mnt/leads"\nkiosk_name = "k"\n')), data_dir=str(stick))
    data = tmp_path / "var-lib-leadkiosk"
    report = apply_settings(cfg, data, tmp_path / "kivy", mounts)
    assert os.readlink(data) == str(stick) and (stick / "kiosk.toml").exists()
    assert any("link" in c for c in report.changes)
    # the stick unplugged: the same path now lands on the RAM overlay -> refused
    mounts.write_text(mounts_text(*OVERLAY_ROOT))
    with pytest.raises(StorageError, match="RAM overlay"):
        apply_settings(cfg, data, tmp_path / "kivy", mounts)


def test_existing_leads_are_never_hidden_behind_a_link(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "leads").mkdir(parents=True)
    cfg = replace(load_boot_config(_boot(tmp_path, 'data_dir = "/mnt/leads"\n')), data_dir=str(tmp_path / "stick"))
    with pytest.raises(StorageError, match="already holds kiosk data"):
        apply_settings(cfg, data, tmp_path / "kivy", _plain_mounts(tmp_path), check_mounts=False)
    assert (data / "leads").is_dir() and not data.is_symlink()


def test_enroll_unit_restarts_the_kiosk_only_after_a_new_enrollment(tmp_path: Path, central: str,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    calls = tmp_path / "calls"
    fake = tmp_path / "systemctl"
    fake.write_text(f'#!/bin/sh\necho "$@" >>{calls}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("LEADKIOSK_SYSTEMCTL", str(fake))
    boot = _boot(tmp_path, f'central_url = "{central}"\nenrollment_code = "GOOD-CODE-1"\nkiosk_name = "k2"\n')
    args = ["provision", "--enroll-only", "--restart-kiosk", "--boot-config", str(boot), "--data", str(tmp_path / "d")]
    assert main(args) == 0
    assert "restart leadkiosk-kiosk.service" in capsys.readouterr().out
    assert calls.read_text().split() == ["try-restart", "--no-block", "leadkiosk-kiosk.service"]
    assert main(args) == 0  # already enrolled: no second restart
    assert calls.read_text().count("try-restart") == 1


def test_a_code_spent_by_hand_is_taken_off_the_card_at_boot(tmp_path: Path, central: str) -> None:
    from sync.enrollment import enroll
    data = tmp_path / "data"
    enroll(central, "GOOD-CODE-1", data, kiosk_name="k3")  # `leadkiosk enroll` by an admin
    boot = _boot(tmp_path, f'central_url = "{central}/"\nenrollment_code = "GOOD-CODE-1"\n')
    report = apply_settings(load_boot_config(boot), data, tmp_path / "kivy", _plain_mounts(tmp_path))
    assert any("spent enrollment code" in c for c in report.changes)
    assert "GOOD-CODE-1" not in boot.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root (CI runs as root)")
def test_files_made_at_boot_belong_to_the_kiosk_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd
    import kiosk.deploy.provision as prov
    monkeypatch.setattr(prov, "KIOSK_USER", "nobody")  # stands in for leadkiosk on this machine
    nobody = pwd.getpwnam("nobody")
    data = tmp_path / "fresh-stick"
    data.mkdir()  # root-owned, like a freshly formatted USB stick
    boot = _boot(tmp_path, 'kiosk_name = "k4"\nstaff_pin = "4711"\n')
    report = apply_settings(load_boot_config(boot), data, tmp_path / "kivy", _plain_mounts(tmp_path))
    assert any("give" in c for c in report.changes)
    for p in (data, data / "kiosk.toml"):
        assert (p.stat().st_uid, p.stat().st_gid) == (nobody.pw_uid, nobody.pw_gid), p


def test_show_passphrase_on_the_card_makes_the_keys_then_leaves_the_card(tmp_path: Path) -> None:
    """Provisioning does `keys init` from the boot file: even the first lead is sealed, and the
    passphrase (and no fast hash of it) stays nowhere but in the key file's Argon2id wrapper."""
    from kiosk.seal import KeySealer
    from kiosk.store import new_lead, open_store
    boot = _boot(tmp_path, 'kiosk_name = "k5"\nshow_passphrase = "Hall 5 lighthouse"\n')
    data = tmp_path / "data"
    report = apply_settings(load_boot_config(boot), data, tmp_path / "kivy", _plain_mounts(tmp_path))
    assert any("create the kiosk's keys" in c for c in report.changes)
    assert "show_passphrase" not in boot.read_text() and "lighthouse" not in boot.read_text()
    store = open_store(data)
    lead = store.save(new_lead(show_id="demo", kiosk_id="k5", staff="Ana", contact={"first_name": "Firstlead"},
                               answers={"consent": True}, score={"tag": "warm"}))
    store.close()
    blob = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert b"Firstlead" not in blob and b"lighthouse" not in blob
    import hashlib
    assert hashlib.sha256(b"Hall 5 lighthouse").hexdigest().encode() not in blob
    sealer = KeySealer(data)
    sealer.unlock_passphrase("Hall 5 lighthouse")
    assert open_store(data, sealer=sealer).get(lead["id"])["contact"]["first_name"] == "Firstlead"  # type: ignore[index]
    # a later boot with a passphrase on the card again never replaces existing keys
    boot.write_text('kiosk_name = "k5"\nshow_passphrase = "another passphrase"\n')
    report = apply_settings(load_boot_config(boot), data, tmp_path / "kivy", _plain_mounts(tmp_path))
    assert not any("create the kiosk's keys" in c for c in report.changes)
    assert any("not used" in n for n in report.notes)
    bad = _boot(tmp_path, 'show_passphrase = "short"\n')
    with pytest.raises(Exception, match="at least 8 characters"):
        load_boot_config(bad)
