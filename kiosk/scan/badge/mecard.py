"""MECARD (DoCoMo, what most QR generators emit for contacts) and the older BIZCARD."""
from __future__ import annotations

from kiosk.scan.badge.extracted import Extracted


def looks_like_mecard(text: str) -> bool:
    head = text[:9].upper()
    return head.startswith("MECARD:") or head.startswith("BIZCARD:")


def _fields(body: str) -> list[tuple[str, str]]:
    """``KEY:value;`` pairs with ``\\;``, ``\\:``, ``\\,`` and ``\\\\`` escapes."""
    out: list[tuple[str, str]] = []
    buf: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            buf.append(body[i + 1])
            i += 2
            continue
        if ch == ";":
            item = "".join(buf)
            buf = []
            key, sep, value = item.partition(":")
            if sep:
                out.append((key.strip().upper(), value))
        else:
            buf.append(ch)
        i += 1
    item = "".join(buf)
    key, sep, value = item.partition(":")
    if sep:
        out.append((key.strip().upper(), value))
    return out


def parse_mecard(text: str) -> Extracted:
    kind, _, body = text.partition(":")
    result = Extracted()
    bizcard = kind.strip().upper() == "BIZCARD"
    for key, value in _fields(body):
        value = value.strip()
        if not value:
            continue
        if bizcard:
            if key == "N" and result.first_name is None:
                result.first_name = value
            elif key == "X" and result.last_name is None:
                result.last_name = value
            elif key == "T" and result.title is None:
                result.title = value
            elif key == "C" and result.company is None:
                result.company = value
            elif key == "E":
                result.emails.append(value)
            elif key in ("B", "M"):
                result.phones.append(value)
            continue
        if key == "N" and result.full_name is None and result.last_name is None:
            if "," in value:
                last, _, first = value.partition(",")
                result.last_name, result.first_name = last.strip() or None, first.strip() or None
            else:
                result.full_name = value
        elif key == "ORG" and result.company is None:
            result.company = value
        elif key in ("TITLE", "ROLE") and result.title is None:
            result.title = value
        elif key == "EMAIL":
            result.emails.append(value)
        elif key == "TEL":
            result.phones.append(value)
        elif key == "ADR" and result.country is None:
            parts = value.split(",")
            if len(parts) >= 7 and parts[6].strip():
                result.country = parts[6].strip()
    return result
