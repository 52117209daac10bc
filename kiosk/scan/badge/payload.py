"""Turning what a scanner hands over (str or bytes, maybe with reader prefixes) into text."""
from __future__ import annotations

import re

from kiosk.errors import BadgeParseError

# The largest badge symbology (QR version 40) holds 2953 bytes; a generous cap still refuses
# something that is clearly not a badge before any parser walks it.
MAX_PAYLOAD_BYTES = 64 * 1024

# AIM symbology identifiers (ISO/IEC 15424) that hand scanners prepend: "]Q1", "]C0", "]d2", "]L2"...
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
# ECI designators as readers transmit them: a backslash and six digits ("\000026" = UTF-8).
_ECI = re.compile(r"^\\[0-9]{6}")


def to_text(payload: str | bytes | bytearray | memoryview) -> str:
    """UTF-8 where it is valid, else cp1252/latin-1 (byte-for-byte, so the raw text loses nothing)."""
    if isinstance(payload, str):
        text = payload
    elif isinstance(payload, (bytes, bytearray, memoryview)):
        data = bytes(payload)
        if len(data) > MAX_PAYLOAD_BYTES:
            raise BadgeParseError(f"payload is {len(data)} bytes; no badge code holds more than "
                                  f"{MAX_PAYLOAD_BYTES}")
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        raise BadgeParseError(f"payload must be text or bytes, not {type(payload).__name__}")
    if len(text) > MAX_PAYLOAD_BYTES:
        raise BadgeParseError(f"payload is {len(text)} characters; no badge code holds more than "
                              f"{MAX_PAYLOAD_BYTES}")
    return text.lstrip("\ufeff")


def strip_reader_prefixes(text: str) -> str:
    """Remove AIM identifiers and ECI designators (in any order, repeated) from the start."""
    text = text.strip("\x00 \t\r\n")
    while True:
        match = _AIM.match(text) or _ECI.match(text)
        if not match:
            return text
        text = text[match.end():].lstrip("\x00")
