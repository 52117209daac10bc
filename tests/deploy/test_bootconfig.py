"""leadkiosk.toml on the boot partition: validation that names file, key and expectation, and
removing the secrets while keeping every other line (comments included)."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.deploy.bootconfig import load_boot_config, parse_boot_config_text, remove_secrets, strip_keys_text
from kiosk.deploy.errors import BootConfigError
from pi_helpers import PI

EXAMPLE = PI / "leadkiosk.toml.example"


def test_the_shipped_example_is_valid() -> None:
    cfg = load_boot_config(EXAMPLE)
    assert cfg.display == "official-7" and cfg.kiosk_name == "booth-1" and cfg.staff_pin == "4711"
    assert cfg.central_url == "https://leads.example.com" and cfg.enrollment_code == "PASTE-THE-CODE-HERE"
    assert cfg.secrets_present == ("enrollment_code", "staff_pin", "show_passphrase")
    assert cfg.show_passphrase and len(cfg.show_passphrase) >= 8


def test_defaults_when_only_the_display_is_given() -> None:
    cfg = parse_boot_config_text("", "/boot/firmware/leadkiosk.toml")
    assert (cfg.display, cfg.rotation, cfg.central_url, cfg.data_dir) == ("hdmi", 0, None, None)


@pytest.mark.parametrize("text,key,expected", [
    ('display = "hdmi2"', "display", "expected one of 'official-7' | 'touch-display-2' | 'hdmi', got 'hdmi2'"),
    ("rotation = 45", "rotation", "expected one of 0 | 90 | 180 | 270, got 45"),
    ("rotation = true", "rotation", "got True"),
    ("staff_pin = 4711", "staff_pin", "4 to 12 digits in quotes"),
    ('staff_pin = "12a4"', "staff_pin", "4 to 12 digits in quotes"),
    ('staff_pin_hash = "abc"', "staff_pin_hash", "scrypt$n=...$salt$key"),
    ('central_url = "leads.example.com"', "central_url", "an http:// or https:// URL"),
    ('enrollment_code = "ABCD-1234"', "central_url", "an enrollment code needs it"),
    ('enrolment_code = "x"', "enrolment_code", "unknown key: expected one of central_url, enrollment_code"),
    ('mode = "kiosk"', "mode", "'staffed' | 'self_serve'"),
    ('data_dir = "/tmp/leads"', "data_dir", "expected persistent storage"),
    ('data_dir = "mnt/leads"', "data_dir", "an absolute path"),
    ('kiosk_name = ""', "kiosk_name", "a kiosk name"),
    ("[wifi]\nssid = 'x'", "wifi", "unknown table"),
])
def test_each_mistake_names_file_key_and_expectation(text: str, key: str, expected: str) -> None:
    with pytest.raises(BootConfigError) as err:
        parse_boot_config_text(text, "/boot/firmware/leadkiosk.toml")
    msg = str(err.value)
    assert msg.startswith(f"/boot/firmware/leadkiosk.toml: {key}: "), msg
    assert expected in msg


def test_all_mistakes_are_reported_at_once() -> None:
    with pytest.raises(BootConfigError) as err:
        parse_boot_config_text('display = "x"\nrotation = 1\nmode = "y"\n', "f.toml")
    assert [k for k, _ in err.value.problems] == ["display", "rotation", "mode"]


def test_syntax_errors_and_bad_encoding_are_clear(tmp_path: Path) -> None:
    with pytest.raises(BootConfigError, match=r"f.toml: \(file\): expected valid TOML: .*line 1"):
        parse_boot_config_text('display = hdmi\n', "f.toml")
    bad = tmp_path / "leadkiosk.toml"
    bad.write_bytes(b'kiosk_name = "caf\xe9"\n')
    with pytest.raises(BootConfigError, match="expected UTF-8 text"):
        load_boot_config(bad)
    with pytest.raises(BootConfigError, match="expected the provisioning file to exist"):
        load_boot_config(tmp_path / "missing.toml")


def test_windows_line_endings_and_bom_are_accepted(tmp_path: Path) -> None:
    f = tmp_path / "leadkiosk.toml"
    f.write_bytes(b'\xef\xbb\xbfdisplay = "hdmi"\r\nstaff_pin = "1234"\r\n')
    assert load_boot_config(f).staff_pin == "1234"
    assert remove_secrets(f, ("staff_pin",))
    assert f.read_text() == 'display = "hdmi"\n'


def test_secret_removal_keeps_comments_and_other_keys(tmp_path: Path) -> None:
    f = tmp_path / "leadkiosk.toml"
    original = EXAMPLE.read_text()
    f.write_text(original)
    assert remove_secrets(f, ("enrollment_code", "staff_pin", "staff_pin_hash"))
    left = f.read_text()
    doc = tomllib.loads(left)
    assert "enrollment_code" not in doc and "staff_pin" not in doc
    assert "PASTE-THE-CODE-HERE" not in left and "4711\"\n" not in left.split("# The staff PIN")[1].split("\n", 3)[-1]
    assert {k: v for k, v in tomllib.loads(original).items() if k not in ("enrollment_code", "staff_pin")} == doc
    assert "# The screen:" in left  # the marketer's comments survive
    assert not remove_secrets(f, ("enrollment_code", "staff_pin"))  # second time: nothing to do
    assert list(tmp_path.iterdir()) == [f]  # no temp files left behind


def test_secret_in_an_awkward_form_falls_back_to_a_clean_rewrite() -> None:
    text = 'kiosk_name = "a"\nenrollment_code = """\nMULTI\nLINE"""\ndisplay = "hdmi"\n'
    out = strip_keys_text(text, ("enrollment_code",))
    assert tomllib.loads(out) == {"kiosk_name": "a", "display": "hdmi"}
    assert "MULTI" not in out


def test_a_secret_inside_a_table_is_not_mistaken_for_a_top_level_key() -> None:
    text = 'staff_pin = "1234"\ndisplay = "hdmi"\n[other]\nstaff_pin = "keep"\n'
    assert strip_keys_text(text, ("staff_pin",)) == 'display = "hdmi"\n[other]\nstaff_pin = "keep"\n'
