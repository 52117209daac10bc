"""Delimited badges (``ID^First^Last^Company^Title^Email`` in a PDF417): the field order is the
show's, so it comes from the badge profile, never from guessing."""
from __future__ import annotations

from typing import Sequence

from kiosk.scan.badge.extracted import Extracted

# Names a profile may use in its field order; "skip" ignores a position.
DELIMITED_FIELDS = ("first_name", "last_name", "full_name", "company", "title", "email", "phone",
                    "country", "registration_id", "skip")


def parse_delimited(text: str, delimiter: str, fields: Sequence[str]) -> Extracted | None:
    """None unless the payload splits into at least two parts: a lone value is not this format.
    Missing trailing fields stay null, extra parts are ignored (they remain in ``raw``)."""
    if not delimiter or delimiter not in text:
        return None
    parts = text.split(delimiter)
    if len(parts) < 2:
        return None
    result = Extracted()
    for name, value in zip(fields, parts):
        value = value.strip()
        if not value or name == "skip":
            continue
        if name == "email":
            result.emails.append(value)
        elif name == "phone":
            result.phones.append(value)
        elif getattr(result, name, None) is None:
            setattr(result, name, value)
    return result
