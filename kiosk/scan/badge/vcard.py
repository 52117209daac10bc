"""vCard 2.1 / 3.0 / 4.0 (RFC 2425/2426/6350 and the 2.1 spec as real exporters write them).

Only what a contact needs is extracted; everything else in the card stays in ``raw``. Tolerant by
design: Outlook, Android and Lotus Notes all bend the spec, and a badge must still yield a name.
"""
from __future__ import annotations

import quopri
import re
from dataclasses import dataclass

from kiosk.scan.badge.extracted import Extracted

_BEGIN = re.compile(r"^[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t\r]*$", re.IGNORECASE | re.MULTILINE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NAME = re.compile(r"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)$")


def looks_like_vcard(text: str) -> bool:
    return _BEGIN.search(text) is not None


@dataclass
class Property:
    name: str
    params: dict[str, list[str]]
    types: set[str]
    value: str

    @property
    def pref(self) -> int:
        """Lower is more preferred; 100 when the card does not say (vCard 4 PREF=1..100)."""
        if "PREF" in self.types:
            return 1
        for raw in self.params.get("PREF", []):
            if raw.isdigit():
                return int(raw)
        return 100


def _first_card_lines(text: str) -> list[str]:
    """Physical lines of the first card; nested cards (2.1 AGENT) are skipped, several cards ->
    the first, a missing END takes the rest of the text."""
    match = _BEGIN.search(text)
    if match is None:
        return []
    lines = _LINE_BREAK.split(text[match.end():])
    out: list[str] = []
    depth = 1
    for line in lines:
        head = line.strip().upper().replace(" ", "")
        if head == "BEGIN:VCARD":
            depth += 1
            continue
        if head == "END:VCARD":
            depth -= 1
            if depth == 0:
                break
            continue
        if depth == 1:
            out.append(line)
    return out


def _is_quoted_printable(head: str) -> bool:
    return "QUOTED-PRINTABLE" in head.upper()


def _logical_lines(lines: list[str]) -> list[str]:
    """Unfold: RFC folding (leading whitespace) and 2.1 quoted-printable soft breaks (``=`` EOL)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line[:1] in (" ", "\t") and out:
            out[-1] += line[1:]
            continue
        head = line.split(":", 1)[0]
        if _is_quoted_printable(head):
            while line.endswith("=") and i < len(lines):
                line = line[:-1] + lines[i].lstrip(" \t")
                i += 1
        out.append(line)
    return out


def _split_unquoted(text: str, sep: str) -> list[str]:
    parts, buf, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _parse_line(line: str) -> Property | None:
    quoted = False
    for index, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            head, value = line[:index], line[index + 1:]
            break
    else:
        return None
    head_parts = _split_unquoted(head, ";")
    name_match = _NAME.match(head_parts[0].strip())
    if not name_match:
        return None
    params: dict[str, list[str]] = {}
    types: set[str] = set()
    for raw in head_parts[1:]:
        raw = raw.strip()
        if not raw:
            continue
        if "=" in raw:
            key, _, val = raw.partition("=")
            values = [v.strip().strip('"') for v in _split_unquoted(val, ",")]
            key = key.strip().upper()
            params.setdefault(key, []).extend(values)
            if key == "TYPE":
                types.update(v.upper() for v in values)
        else:  # vCard 2.1 bare parameter: a type or an encoding
            params.setdefault("TYPE", []).append(raw)
            types.add(raw.upper())
    return Property(name_match.group(1).upper(), params, types, value)


def _decode_value(prop: Property) -> str:
    encodings = {v.upper() for v in prop.params.get("ENCODING", [])} | prop.types
    charset = (prop.params.get("CHARSET") or ["UTF-8"])[0].strip() or "UTF-8"
    value = prop.value
    if "QUOTED-PRINTABLE" in encodings:
        data = quopri.decodestring(value.encode("latin-1", errors="replace"))
        for cs in (charset, "utf-8", "latin-1"):
            try:
                return data.decode(cs)
            except (UnicodeDecodeError, LookupError):
                continue
    if "CHARSET" in prop.params and not value.isascii():
        try:
            return value.encode("latin-1").decode(charset)
        except (UnicodeEncodeError, UnicodeDecodeError, LookupError):
            return value
    return value


_UNESCAPE = {"n": " ", "N": " ", ";": ";", ",": ",", "\\": "\\", ":": ":"}


def _components(value: str) -> list[str]:
    """Split a structured value on unescaped ';' and resolve the escapes in each part."""
    parts: list[str] = []
    buf: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            buf.append(_UNESCAPE.get(nxt, "\\" + nxt))
            i += 2
            continue
        if ch == ";":
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _text(value: str) -> str:
    return ";".join(_components(value))


def parse_vcard(text: str) -> Extracted:
    """Fields of the first card in ``text``; raises nothing (an unreadable card gives no fields)."""
    result = Extracted()
    emails: list[tuple[int, int, str]] = []
    phones: list[tuple[int, int, str]] = []
    for index, line in enumerate(_logical_lines(_first_card_lines(text))):
        prop = _parse_line(line)
        if prop is None:
            continue
        name = prop.name
        if name not in {"N", "FN", "ORG", "TITLE", "EMAIL", "TEL", "ADR"}:
            continue
        value = _decode_value(prop)
        if name == "N" and result.last_name is None and result.first_name is None:
            parts = _components(value) + ["", ""]
            result.last_name = parts[0].strip() or None
            result.first_name = parts[1].strip() or None
        elif name == "FN" and result.full_name is None:
            result.full_name = _text(value).strip() or None
        elif name == "ORG" and result.company is None:
            result.company = next((p.strip() for p in _components(value) if p.strip()), None)
        elif name == "TITLE" and result.title is None:
            result.title = _text(value).strip() or None
        elif name == "EMAIL":
            rank = 0 if "WORK" in prop.types else 1
            emails.append((prop.pref, rank * 1000 + index, _text(value)))
        elif name == "TEL":
            if prop.types & {"FAX", "PAGER", "MODEM", "BBS"}:
                rank = 3
            elif "WORK" in prop.types:
                rank = 0
            elif "CELL" in prop.types:
                rank = 1
            else:
                rank = 2
            phones.append((prop.pref, rank * 1000 + index, _text(value)))
        elif name == "ADR" and result.country is None:
            parts = _components(value)
            if len(parts) >= 7 and parts[6].strip():
                result.country = parts[6].strip()
    result.emails = [v for _, _, v in sorted(emails)]
    result.phones = [v for _, _, v in sorted(phones)]
    return result
