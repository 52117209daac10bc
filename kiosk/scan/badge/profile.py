"""A show's badge profile: which payload formats its badges carry and how to read them.

Declarative (a small YAML file beside the form, see ``kiosk.scan.profile_file``) and validated
here from plain data, so a typo is reported with the file, the key path and what was expected
before the show opens, not as a wrong contact during it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from kiosk.errors import ConfigError
from kiosk.scan.badge.delimited import DELIMITED_FIELDS
from kiosk.scan.badge.roster import Roster
from kiosk.scan.badge.url import DEFAULT_ID_PARAMS
from kiosk.scan.symbologies import SYMBOLOGIES
from sync.record.fields import PERSON_FIELDS

PAYLOAD_FORMATS = ("vcard", "mecard", "json", "delimited", "url", "roster")
DEFAULT_FORMATS = ("vcard", "mecard", "json", "url", "roster")
# A bare registration id when the profile does not say: 3-40 id characters with a digit in them.
DEFAULT_ID_PATTERN = r"(?=[^\s]*[0-9])[A-Za-z0-9][A-Za-z0-9_.\-]{2,39}"
# What a profile may map badge data to: the record's contact fields, plus a full name to split.
CONTACT_KEYS = PERSON_FIELDS[:2] + ("full_name",) + PERSON_FIELDS[2:] + ("registration_id",)
KNOWN_KEYS = ("name", "formats", "symbologies", "delimiter", "fields", "id_pattern", "roster",
              "roster_id_column", "default_country", "url_id_params", "json_fields", "unknown")


@dataclass
class BadgeProfile:
    name: str = "default"
    formats: tuple[str, ...] = DEFAULT_FORMATS
    symbologies: tuple[str, ...] = SYMBOLOGIES  # what to decode: Decoder(profile.symbologies)
    delimiter: str = "^"
    fields: tuple[str, ...] = ()
    id_pattern: re.Pattern[str] = field(default_factory=lambda: re.compile(DEFAULT_ID_PATTERN))
    id_pattern_set: bool = False
    roster_file: str | None = None
    roster_id_column: str | None = None
    roster: Roster | None = None
    default_country: str | None = None
    url_id_params: tuple[str, ...] = DEFAULT_ID_PARAMS
    json_fields: dict[str, str] = field(default_factory=dict)
    unknown: str = "keep"  # keep: unknown payloads become a contact to complete; reject: error
    source: str = "<built-in default>"


def default_badge_profile() -> BadgeProfile:
    """What a show without a ``badge.yaml`` gets: every self-describing format, no delimited
    layout (its field order cannot be guessed), unknown payloads kept for the staff."""
    return BadgeProfile()


def _expect(errors: list[str], source: str, key: str, expected: str, got: Any) -> None:
    errors.append(f"{source}: {key}: expected {expected}, got {got!r}")


def profile_from_data(data: Any, source: str = "<badge profile>") -> BadgeProfile:
    """Validate parsed YAML/JSON data; all problems are reported together in one ConfigError."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: (top level): expected a mapping of profile keys, "
                          f"got {type(data).__name__}")
    errors: list[str] = []
    profile = BadgeProfile(source=source)
    for key in data:
        if key not in KNOWN_KEYS:
            _expect(errors, source, str(key), f"one of {', '.join(KNOWN_KEYS)}", key)

    name = data.get("name", "default")
    if not isinstance(name, str) or not name.strip():
        _expect(errors, source, "name", "a non-empty string", name)
    else:
        profile.name = name.strip()

    formats = data.get("formats", list(DEFAULT_FORMATS))
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not formats:
        _expect(errors, source, "formats", f"a non-empty list of {', '.join(PAYLOAD_FORMATS)}",
                formats)
    else:
        good = []
        for i, fmt in enumerate(formats):
            if fmt not in PAYLOAD_FORMATS:
                _expect(errors, source, f"formats[{i}]", f"one of {', '.join(PAYLOAD_FORMATS)}",
                        fmt)
            elif fmt not in good:
                good.append(fmt)
        profile.formats = tuple(good)

    symbologies = data.get("symbologies", list(SYMBOLOGIES))
    if isinstance(symbologies, str):
        symbologies = [symbologies]
    if not isinstance(symbologies, list) or not symbologies:
        _expect(errors, source, "symbologies", f"a non-empty list of {', '.join(SYMBOLOGIES)}",
                symbologies)
    else:
        bad = False
        for i, sym in enumerate(symbologies):
            if sym not in SYMBOLOGIES:
                _expect(errors, source, f"symbologies[{i}]", f"one of {', '.join(SYMBOLOGIES)}",
                        sym)
                bad = True
        if not bad:
            profile.symbologies = tuple(dict.fromkeys(symbologies))

    delimiter = data.get("delimiter", "^")
    if not isinstance(delimiter, str) or not 1 <= len(delimiter) <= 5 or delimiter.isspace() \
            and delimiter != "\t":
        _expect(errors, source, "delimiter", "a string of 1-5 characters (e.g. '^', '|', ';')",
                delimiter)
    else:
        profile.delimiter = delimiter

    fields = data.get("fields", [])
    if not isinstance(fields, list):
        _expect(errors, source, "fields", f"a list of {', '.join(DELIMITED_FIELDS)}", fields)
    else:
        for i, name_ in enumerate(fields):
            if name_ not in DELIMITED_FIELDS:
                _expect(errors, source, f"fields[{i}]", f"one of {', '.join(DELIMITED_FIELDS)}",
                        name_)
        profile.fields = tuple(f for f in fields if f in DELIMITED_FIELDS)
    if "delimited" in profile.formats and not profile.fields:
        _expect(errors, source, "fields", "the field order of the delimited badge "
                "(formats lists 'delimited'), e.g. [registration_id, first_name, last_name]",
                data.get("fields"))
    if profile.fields and "delimited" not in profile.formats and "formats" in data:
        _expect(errors, source, "formats", "to include 'delimited' since 'fields' is set",
                data.get("formats"))
    elif profile.fields and "formats" not in data:
        profile.formats = profile.formats + ("delimited",)

    id_pattern = data.get("id_pattern")
    if id_pattern is not None:
        if not isinstance(id_pattern, str) or not id_pattern:
            _expect(errors, source, "id_pattern", "a regular expression string", id_pattern)
        else:
            try:
                profile.id_pattern = re.compile(id_pattern)
                profile.id_pattern_set = True
            except re.error as exc:
                _expect(errors, source, "id_pattern", f"a valid regular expression ({exc})",
                        id_pattern)

    roster = data.get("roster")
    if roster is not None and (not isinstance(roster, str) or not roster.strip()):
        _expect(errors, source, "roster", "a CSV file name relative to the profile", roster)
    elif roster is not None:
        profile.roster_file = roster
    column = data.get("roster_id_column")
    if column is not None and (not isinstance(column, str) or not column.strip()):
        _expect(errors, source, "roster_id_column", "a column name", column)
    elif column is not None:
        profile.roster_id_column = column

    country = data.get("default_country")
    if country is not None:
        code = country.upper() if isinstance(country, str) else None
        if code not in phonenumbers.SUPPORTED_REGIONS:
            _expect(errors, source, "default_country", "an ISO 3166 alpha-2 country code like "
                    "'DE' or 'US'", country)
        else:
            profile.default_country = code

    params = data.get("url_id_params")
    if params is not None:
        if isinstance(params, str):
            params = [params]
        if not isinstance(params, list) or not params or \
                not all(isinstance(p, str) and p for p in params):
            _expect(errors, source, "url_id_params", "a list of query parameter names", params)
        else:
            profile.url_id_params = tuple(params)

    mapping = data.get("json_fields")
    if mapping is not None:
        if not isinstance(mapping, dict):
            _expect(errors, source, "json_fields", "a mapping of contact field -> JSON key",
                    mapping)
        else:
            for key, value in mapping.items():
                if key not in CONTACT_KEYS:
                    _expect(errors, source, f"json_fields.{key}",
                            f"a contact field ({', '.join(CONTACT_KEYS)})", key)
                elif not isinstance(value, str) or not value:
                    _expect(errors, source, f"json_fields.{key}", "a JSON key name", value)
                else:
                    profile.json_fields[key] = value

    unknown = data.get("unknown", "keep")
    if unknown not in ("keep", "reject"):
        _expect(errors, source, "unknown", "'keep' (staff complete by hand) or 'reject'", unknown)
    else:
        profile.unknown = unknown

    if errors:
        raise ConfigError("invalid badge profile:\n  " + "\n  ".join(errors))
    return profile
