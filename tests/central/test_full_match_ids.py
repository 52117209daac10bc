"""Issue 18, item 8: ids are checked with full matches. ``re.match(r"^...$")`` lets a trailing
newline through ("nl\\n"), which then breaks a download's Content-Disposition header, a folder
name on the kiosk or a config file. Every check refuses it."""
from __future__ import annotations

import pytest

from kiosk.cli import main

TRAILING = ("nl\n", "expo\r\n", "expo\n")


@pytest.mark.parametrize("show_id", TRAILING)
def test_enroll_code_refuses_a_show_id_with_a_trailing_newline(tmp_path, capsys, show_id):
    db = f"sqlite:///{tmp_path / 'central.db'}"
    assert main(["central", "enroll-code", "--db", db, "--show", show_id]) != 0
    assert "show: id:" in capsys.readouterr().err
    from sqlalchemy import create_engine, text
    with create_engine(db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM shows")).scalar() == 0


def test_kiosk_settings_refuse_ids_with_a_trailing_newline():
    from kiosk.config.settings import settings_from_dict
    from kiosk.errors import ConfigError
    for data, key in (({"show": "demo\n"}, "show"), ({"kiosk_id": "booth-1\n"}, "kiosk_id"),
                      ({"camera": {"source": "opencv:0\n"}}, "camera.source")):
        with pytest.raises(ConfigError) as e:
            settings_from_dict(data, "kiosk.toml")
        assert key in str(e.value)


def test_boot_config_refuses_trailing_newlines():
    from kiosk.deploy.bootconfig import BootConfigError, parse_boot_config_text
    text = 'show = "expo\\n"\nkiosk_name = "booth-1\\n"\nstaff_pin = "4711\\n"\n'
    with pytest.raises(BootConfigError) as e:
        parse_boot_config_text(text, "leadkiosk.toml")
    msg = str(e.value)
    assert "show" in msg and "kiosk_name" in msg and "staff_pin" in msg


def test_pin_and_sync_names_refuse_trailing_newlines():
    from kiosk.config.pin import hash_pin
    from kiosk.errors import KioskError
    with pytest.raises((KioskError, ValueError)):
        hash_pin("4711\n")
    from sync.config import parse_destinations
    from sync.errors import SyncError
    with pytest.raises((SyncError, ValueError)) as e:
        parse_destinations([{"name": "central\n", "kind": "central"}])
    assert "name" in str(e.value)


def test_review_user_email_refuses_a_trailing_newline():
    from central.web.users import EMAIL
    assert EMAIL.fullmatch("a@example.com") and not EMAIL.fullmatch("a@example.com\n")
    from central.settings import parse_settings
    from central.errors import ConfigError
    with pytest.raises(ConfigError):
        parse_settings({"smtp": {"host": "127.0.0.1", "from": "x@example.com\n"}})
