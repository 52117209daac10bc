"""A URL printed on the badge that carries the attendee id (``https://reg.example/a/12345`` or
``...?attendee=12345``); the id is then looked up in the roster like a bare id."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_ID_PARAMS = ("id", "attendee", "attendee_id", "attendeeid", "aid", "reg", "regid",
                     "reg_id", "registration_id", "registrationid", "badge", "badge_id", "badgeid",
                     "uid", "ticket", "ticket_id", "code", "a")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def looks_like_url(text: str) -> bool:
    return _URL.match(text.strip()) is not None


def attendee_id(text: str, id_pattern: re.Pattern[str] | None,
                id_params: tuple[str, ...] = DEFAULT_ID_PARAMS) -> str | None:
    """The attendee id: a named group ``id`` of the profile's pattern, else a known query
    parameter, else the last path segment if it matches the id pattern (or holds a digit)."""
    text = text.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if id_pattern is not None and "id" in id_pattern.groupindex:
        match = id_pattern.search(text)
        if match and match.group("id"):
            return match.group("id")
    wanted = {p.lower() for p in id_params}
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key.lower() in wanted and value.strip():
            return value.strip()
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if segments:
        last = segments[-1]
        if id_pattern is not None:
            if id_pattern.fullmatch(last):
                return last
        elif any(ch.isdigit() for ch in last) and len(last) <= 64 and "." not in last:
            return last
    return None
