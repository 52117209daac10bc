"""Issue 18, item 3: a kiosk talks to central over HTTPS only, except to loopback; plain http to
another machine needs an explicit, loud lab option (``--allow-plain-http`` /
``allow_plain_http = true``). Covers ``leadkiosk enroll``, the boot file's ``central_url`` and a
hand-edited ``central.json``."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import main
from sync.enrollment import check_central_url, enroll, is_loopback_url
from sync.errors import DestinationConfigError

CLEAR = ("http://leads.example.com", "http://192.0.2.10:8000", "http://[2001:db8::1]/", "HTTP://leads.example.com",
         "http://127.0.0.1.evil.example", "http://localhost@192.0.2.10/")


@pytest.mark.parametrize("url", CLEAR)
def test_plain_http_to_another_machine_is_refused(url):
    assert not is_loopback_url(url)
    with pytest.raises(DestinationConfigError) as e:
        check_central_url(url)
    assert "https://" in str(e.value) and "allow-plain-http" in str(e.value)
    assert "IN CLEAR" in (check_central_url(url, allow_plain_http=True) or "")


@pytest.mark.parametrize("url", ("http://127.0.0.1:8000", "http://localhost", "http://[::1]:9/", "http://127.1.2.3",
                                 "https://leads.example.com"))
def test_https_and_loopback_are_fine(url):
    assert check_central_url(url) is None


def test_enroll_refuses_plain_http_before_sending_anything(tmp_path: Path):
    with pytest.raises(DestinationConfigError):
        enroll("http://192.0.2.10:9", "CODE-1234", tmp_path)
    assert not (tmp_path / "central.json").exists()


def test_enroll_cli_refuses_plain_http(tmp_path: Path, capsys):
    rc = main(["enroll", "http://leads.example.com", "K7QX-M2PA-9HRT", "--data", str(tmp_path)])
    assert rc != 0
    err = capsys.readouterr().err
    assert "https://" in err and "--allow-plain-http" in err
    assert not (tmp_path / "central.json").exists()


def test_enroll_cli_lab_option_is_loud(tmp_path: Path, capsys):
    """With the lab option the URL is accepted (the unreachable address then fails as a network
    problem, not as a refusal) and the warning is impossible to miss."""
    main(["enroll", "http://192.0.2.1:9", "K7QX-M2PA-9HRT", "--data", str(tmp_path), "--allow-plain-http"])
    err = capsys.readouterr().err
    assert "!!!!!!!!" in err and "IN CLEAR" in err and "expected https://" not in err


def test_boot_config_refuses_plain_http_central_url():
    from kiosk.deploy.bootconfig import BootConfigError, parse_boot_config_text
    with pytest.raises(BootConfigError) as e:
        parse_boot_config_text('central_url = "http://leads.example.com"\nenrollment_code = "K7QX-M2PA"\n', "boot.toml")
    assert "central_url" in str(e.value) and "https://" in str(e.value)
    ok = parse_boot_config_text('central_url = "http://leads.example.com"\nenrollment_code = "K7QX-M2PA"\n'
                                "allow_plain_http = true\n", "boot.toml")
    assert ok.allow_plain_http is True
    assert parse_boot_config_text('central_url = "https://leads.example.com"\n', "boot.toml").central_url
    assert parse_boot_config_text('central_url = "http://127.0.0.1:8000"\n', "boot.toml").central_url


def test_hand_edited_central_json_with_plain_http_does_not_send(tmp_path: Path):
    from sync.config import DestinationSpec, _build_one
    from sync.enrollment import CentralCredentials, save_credentials
    save_credentials(tmp_path, CentralCredentials(url="http://leads.example.com", device_id="dev_1", token="t",
                                                  signing_secret="whsec_AAAA"))
    t = _build_one(DestinationSpec(name="central", kind="central", options={}), tmp_path, {})
    assert type(t).__name__ == "UnavailableTransport"
    assert "expected https://" in t.reason
