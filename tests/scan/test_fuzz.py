"""Hypothesis: no parser raises anything but the parser's own error type, on any text or bytes."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.errors import BadgeParseError, ConfigError
from kiosk.scan.badge.delimited import parse_delimited
from kiosk.scan.badge.jsonbadge import parse_json
from kiosk.scan.badge.mecard import parse_mecard
from kiosk.scan.badge.parser import BadgeParser
from kiosk.scan.badge.payload import strip_reader_prefixes, to_text
from kiosk.scan.badge.profile import profile_from_data
from kiosk.scan.badge.roster import Roster
from kiosk.scan.badge.url import attendee_id
from kiosk.scan.badge.vcard import parse_vcard

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSER = BadgeParser(profile_from_data({"delimiter": "^", "fields": [
    "registration_id", "first_name", "last_name", "company", "title", "email"]}, "fuzz.yaml"),
    Roster.from_csv_text("id,first_name\n1,A\n"))

# Text that looks like badge payloads, so the fuzzer reaches deep into each parser.
HINTS = st.sampled_from(["BEGIN:VCARD\n", "END:VCARD\n", "VERSION:2.1\n", "N;CHARSET=SHIFT_JIS:",
                         "N;ENCODING=QUOTED-PRINTABLE:=", "=C3=", "EMAIL;PREF:", "TEL;TYPE=",
                         "\n ", ";", "\\", ",", ":", "MECARD:", "BIZCARD:", "{", "}", '"', "^",
                         "https://x.example/a?id=", "]Q1", "\\000026", "\r\n", "@", "+49"])
PAYLOAD_TEXT = st.lists(st.one_of(HINTS, st.text(max_size=20)), max_size=25).map("".join)


def _safe(fn, arg) -> None:  # noqa: ANN001
    try:
        fn(arg)
    except BadgeParseError:
        pass


@FUZZ
@given(st.one_of(PAYLOAD_TEXT, st.text(), st.binary(max_size=400)))
def test_badge_parser_never_crashes(payload: str | bytes) -> None:
    try:
        contact = PARSER.parse(payload)
    except BadgeParseError:
        return
    assert contact.raw is not None
    assert contact.format in ("vcard", "mecard", "json", "delimited", "url", "roster", "unknown")


@FUZZ
@given(st.one_of(PAYLOAD_TEXT, st.text()))
def test_format_parsers_never_crash(text: str) -> None:
    parse_vcard(text)
    parse_mecard(text)
    parse_json(text)
    parse_delimited(text, "^", ["first_name", "email", "phone", "skip", "registration_id"])
    attendee_id(text, None)
    strip_reader_prefixes(text)


@FUZZ
@given(st.binary(max_size=400))
def test_to_text_never_crashes(data: bytes) -> None:
    text = to_text(data)
    assert isinstance(text, str)


@FUZZ
@given(st.one_of(PAYLOAD_TEXT, st.text()))
def test_roster_only_raises_config_error(text: str) -> None:
    try:
        Roster.from_csv_text(text)
    except ConfigError:
        pass


PROFILE_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.sampled_from([
                                   "formats", "delimiter", "fields", "id_pattern", "roster",
                                   "default_country", "url_id_params", "json_fields", "unknown",
                                   "name"]), st.text(max_size=5)), children, max_size=5)),
    max_leaves=12)


@FUZZ
@given(PROFILE_DATA)
def test_profile_validation_only_raises_config_error(data: object) -> None:
    try:
        profile_from_data(data, "fuzz.yaml")
    except ConfigError as exc:
        assert "fuzz.yaml" in str(exc)


@FUZZ
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from([
    "formats: ", "[vcard, ", "delimited]", "\n", "fields: ", "- ", "first_name", "id_pattern: ",
    "'(['", "{", "}", ": ", "unknown: ", "reject", "default_country: ", "DE", "&a", "*a", "!!python/object ",
    "\t", "'", '"']), max_size=20).map("".join)))
def test_profile_text_only_raises_config_error(text: str) -> None:
    from kiosk.scan.profile_file import load_badge_profile_text
    try:
        load_badge_profile_text(text, "fuzz.yaml")
    except ConfigError as exc:
        assert "fuzz.yaml" in str(exc)
