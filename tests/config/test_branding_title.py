"""The show's banner can be given per language, so a German kiosk greets visitors in German; a
plain string still works for every language, and mistakes name the key path."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.bootstrap import show_info
from kiosk.config import load_show
from kiosk.errors import ConfigError


def _show(data: Path, title_yaml: str) -> Path:
    d = data / "shows" / "fair"
    d.mkdir(parents=True)
    (d / "show.yaml").write_text(f"id: fair\nname: Fair 2026\nbranding:\n  title: {title_yaml}\n", encoding="utf-8")
    return d


def test_demo_show_greets_in_the_kiosk_language(tmp_path: Path) -> None:
    info = show_info(load_show(tmp_path, "demo"))
    assert info.title_in("en") == "Welcome to our booth"
    assert info.title_in("de") == "Willkommen an unserem Stand"


def test_plain_string_title_serves_every_language(tmp_path: Path) -> None:
    _show(tmp_path, '"Hello Fair"')
    info = show_info(load_show(tmp_path, "fair"))
    assert info.title_in("de") == info.title_in("en") == "Hello Fair"


@pytest.mark.parametrize("title_yaml, key", [("{en: Hi, fr: Salut}", "branding.title"),
                                             ("{en: Hi, de: 5}", "branding.title.de"),
                                             ("[Hi]", "branding.title")])
def test_bad_titles_name_the_key_path(tmp_path: Path, title_yaml: str, key: str) -> None:
    _show(tmp_path, title_yaml)
    with pytest.raises(ConfigError) as err:
        load_show(tmp_path, "fair")
    assert f"{key}:" in str(err.value) and "show.yaml" in str(err.value)
