"""``kiosk.toml``: defaults without a file, strict validation with a file, atomic saving."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.config import (KioskSettings, default_settings, load_kiosk_settings, load_settings,
                          save_kiosk_settings, update_settings, verify_pin)
from kiosk.config.pin import hash_pin
from kiosk.errors import ConfigError

FULL = """\
kiosk_id = "booth-1"
mode = "self_serve"
language = "de"
show = "fair-2026"
staff_pin_hash = "{hash}"
staff = "Ana"
idle_timeout_s = 45

[camera]
source = "opencv:0"
"""


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin("4711")


def test_absent_file_gives_a_working_demo_kiosk(tmp_path: Path) -> None:
    s = load_kiosk_settings(tmp_path / "nothing-here")
    assert (s.mode, s.language, s.show, s.camera_source, s.idle_timeout_s) == ("staffed", "en", "demo", "auto", 60)
    assert s.kiosk_id and s.source is None
    assert s.check_pin("1234") and not s.check_pin("4321") and s.uses_demo_pin
    assert load_settings is load_kiosk_settings


def test_full_file(tmp_path: Path, pin_hash: str) -> None:
    (tmp_path / "kiosk.toml").write_text(FULL.format(hash=pin_hash))
    s = load_kiosk_settings(tmp_path)
    assert s == KioskSettings(kiosk_id="booth-1", mode="self_serve", language="de", show="fair-2026",
                              staff_pin_hash=pin_hash, staff="Ana", idle_timeout_s=45,
                              camera_source="opencv:0", source=tmp_path / "kiosk.toml")
    assert s.check_pin("4711") and not s.uses_demo_pin
    assert s.to_dict()["camera"] == {"source": "opencv:0"} and s.camera == {"source": "opencv:0"}


def test_partial_file_keeps_defaults(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text('language = "de"\n')
    s = load_kiosk_settings(tmp_path)
    assert s.language == "de" and s.show == "demo" and s.uses_demo_pin


CASES = [
    ('colour = "red"\n', "colour", "no such key"),
    ('langauge = "de"\n', "langauge", "did you mean 'language'"),
    ('mode = "unstaffed"\n', "mode", "one of: staffed, self_serve"),
    ('language = "fr"\n', "language", "one of: en, de"),
    ('language = 1\n', "language", "one of: en, de"),
    ('show = "../etc"\n', "show", "a show id"),
    ('kiosk_id = ""\n', "kiosk_id", "a kiosk name"),
    ('kiosk_id = "   "\n', "kiosk_id", "a kiosk name"),
    ('kiosk_id = "a\\tb"\n', "kiosk_id", "printable"),
    ('staff_pin_hash = "1234"\n', "staff_pin_hash", "hash_pin()"),
    ('idle_timeout_s = "60"\n', "idle_timeout_s", "seconds as a number"),
    ('idle_timeout_s = 2\n', "idle_timeout_s", "from 5 to 3600"),
    ('idle_timeout_s = true\n', "idle_timeout_s", "seconds"),
    ('[camera]\nsource = "webcam"\n', "camera.source", "opencv:<index>"),
    ('[camera]\nsorce = "auto"\n', "camera.sorce", "did you mean 'source'"),
    ('camera = "auto"\n', "camera", "a [camera] table"),
    ('staff = "' + "x" * 81 + '"\n', "staff", "at most 80"),
]


@pytest.mark.parametrize("text,path,words", CASES, ids=[c[1] + ":" + c[2] for c in CASES])
def test_each_mistake_names_file_key_and_expectation(tmp_path: Path, text: str, path: str, words: str) -> None:
    f = tmp_path / "kiosk.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_kiosk_settings(tmp_path)
    err = info.value
    assert err.source == str(f)
    assert any(p == path and words in m for p, m in err.problems), err.problems
    assert str(f) in str(err) and path in str(err) and "expected" in str(err)


def test_every_mistake_at_once(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text('mode = "x"\nlanguage = "fr"\nfoo = 1\n')
    with pytest.raises(ConfigError) as info:
        load_kiosk_settings(tmp_path)
    assert {p for p, _ in info.value.problems} == {"mode", "language", "foo"}
    assert "3 problems" in str(info.value)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text('mode = "staffed"\nlanguage = \n')
    with pytest.raises(ConfigError, match=r"kiosk\.toml: \(file\): expected valid TOML: .*line 2"):
        load_kiosk_settings(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_bytes(b'staff = "\xff"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_kiosk_settings(tmp_path)


def test_save_and_load_round_trip(tmp_path: Path, pin_hash: str) -> None:
    s = KioskSettings(kiosk_id="booth 2", mode="self_serve", language="de", show="fair.2026",
                      staff_pin_hash=pin_hash, staff='Zoë "the closer" \\ Müller', idle_timeout_s=30.5,
                      camera_source="video:/tmp/demo video.avi")
    path = save_kiosk_settings(tmp_path / "data", s)
    assert path == tmp_path / "data" / "kiosk.toml"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    back = load_kiosk_settings(tmp_path / "data")
    assert back == KioskSettings(**{**s.__dict__, "source": path})
    assert [p.name for p in path.parent.iterdir()] == ["kiosk.toml"]  # no temp files left


def test_save_refuses_invalid_settings_and_keeps_the_file(tmp_path: Path) -> None:
    save_kiosk_settings(tmp_path, default_settings())
    before = (tmp_path / "kiosk.toml").read_bytes()
    bad = KioskSettings(kiosk_id="booth-1", mode="party")
    with pytest.raises(ConfigError, match="mode"):
        save_kiosk_settings(tmp_path, bad)
    assert (tmp_path / "kiosk.toml").read_bytes() == before


def test_save_to_an_unusable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="writable"):
        save_kiosk_settings(blocker / "data", default_settings())


def test_update_settings(tmp_path: Path) -> None:
    s = update_settings(tmp_path, {"language": "de", "staff": "Ben", "staff_pin": "987654"})
    assert s.language == "de" and s.staff == "Ben" and s.check_pin("987654") and not s.uses_demo_pin
    s = update_settings(tmp_path, {"camera": {"source": "images:/srv/frames"}, "mode": "self_serve"})
    loaded = load_kiosk_settings(tmp_path)
    assert loaded == s and loaded.language == "de" and loaded.camera_source == "images:/srv/frames"
    assert verify_pin("987654", loaded.staff_pin_hash)
    with pytest.raises(ConfigError, match="language"):
        update_settings(tmp_path, {"language": "xx"})
    assert load_kiosk_settings(tmp_path).language == "de"


def test_kiosk_names_may_be_any_printable_text(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text('kiosk_id = "Stand #4 – Halle 2"\n', encoding="utf-8")
    assert load_kiosk_settings(tmp_path).kiosk_id == "Stand #4 – Halle 2"
