"""Badge profile files: validation names file, key path and expectation; roster loading."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import ConfigError
from kiosk.scan.badge.parser import BadgeParser
from kiosk.scan.badge.profile import default_badge_profile
from kiosk.scan.profile_file import load_badge_profile, load_badge_profile_text


def write(tmp_path: Path, text: str, name: str = "badge.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_profile_with_roster(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        "\ufeffregistration_id,first_name,last_name,company,email\n"
        "REG00042,Ada,Lovelace,Analytical Engines,ada@engines.example\n", encoding="utf-8")
    path = write(tmp_path, """
name: Hannover 2026
formats: [delimited, roster]
symbologies: [PDF417, Code128]
delimiter: "^"
fields: [registration_id, first_name, last_name, company, title, email]
id_pattern: "REG[0-9]{5}"
roster: roster.csv
default_country: de
""")
    profile = load_badge_profile(path)
    assert profile.name == "Hannover 2026" and profile.default_country == "DE"
    assert profile.symbologies == ("PDF417", "Code128")
    assert profile.roster is not None and len(profile.roster) == 1
    parser = BadgeParser(profile)
    assert parser.parse("REG00042").to_dict()["last_name"] == "Lovelace"
    delimited = parser.parse("REG00042^Ada^L.^^CTO^").to_dict()
    assert delimited["format"] == "delimited"
    assert delimited["last_name"] == "L."           # the badge wins over the roster
    assert delimited["company"] == "Analytical Engines"  # the roster completes it
    assert delimited["email"] == "ada@engines.example"


@pytest.mark.parametrize("text,where,expected", [
    ("formats: [vcard, barcode]", "formats[1]", "one of vcard"),
    ("formats: []", "formats", "non-empty list"),
    ("symbologies: [QR, EAN13]", "symbologies[1]", "one of QR, Code128"),
    ("delimiter: ''", "delimiter", "1-5 characters"),
    ("fields: [first_name, shoe_size]", "fields[1]", "one of first_name"),
    ("formats: [delimited]", "fields", "field order"),
    ("id_pattern: '[unclosed'", "id_pattern", "valid regular expression"),
    ("default_country: Germany", "default_country", "ISO 3166 alpha-2"),
    ("unknown: drop", "unknown", "'keep'"),
    ("json_fields: {shoe: x}", "json_fields.shoe", "a contact field"),
    ("url_id_params: 5", "url_id_params", "list of query parameter names"),
    ("delimitr: '|'", "delimitr", "one of name, formats"),
    ("- just\n- a list", "(top level)", "mapping"),
    ("roster: missing.csv", "roster", "existing CSV file"),
    ("formats: [vcard\n  bad: [", "line", "valid YAML"),
])
def test_validation_errors_name_file_key_and_expectation(tmp_path: Path, text: str, where: str,
                                                         expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_badge_profile(path)
    message = str(info.value)
    assert str(path) in message
    assert where in message
    assert expected in message


def test_all_errors_reported_together(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_badge_profile(write(tmp_path, "formats: [x]\nunknown: y\ndefault_country: 1\n"))
    assert str(info.value).count("expected") == 3


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read badge profile"):
        load_badge_profile(tmp_path / "nope.yaml")


def test_empty_profile_is_the_default() -> None:
    profile = load_badge_profile_text("", "badge.yaml")
    assert profile.formats == default_badge_profile().formats
    assert profile.unknown == "keep"


def test_fields_imply_delimited_when_formats_absent() -> None:
    profile = load_badge_profile_text("fields: [registration_id, first_name]\ndelimiter: '|'")
    assert "delimited" in profile.formats
    assert BadgeParser(profile).parse("9|Tom").to_dict()["first_name"] == "Tom"


def test_roster_semicolon_cp1252(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_bytes("Badge;Vorname;Nachname\n1017;Jürgen;Weiß\n".encode("cp1252"))
    profile = load_badge_profile(write(tmp_path, "roster: r.csv\n"))
    contact = BadgeParser(profile).parse("]C01017").to_dict()
    assert (contact["first_name"], contact["last_name"]) == ("Jürgen", "Weiß")
