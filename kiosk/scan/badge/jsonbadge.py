"""JSON badges: an object whose keys name contact fields, possibly wrapped in ``{"attendee": ..}``."""
from __future__ import annotations

import json
from typing import Any

from kiosk.scan.badge.aliases import field_for
from kiosk.scan.badge.extracted import Extracted

_WRAPPERS = ("attendee", "contact", "person", "visitor", "data", "badge", "participant", "lead")


def looks_like_json(text: str) -> bool:
    text = text.strip()
    return text.startswith("{") and text.endswith("}")


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def parse_json(text: str, mapping: dict[str, str] | None = None) -> Extracted | None:
    """None when the text is not a JSON object (so the caller tries other formats).

    ``mapping`` (from the badge profile) maps contact field -> JSON key and wins over aliases.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    for wrapper in _WRAPPERS:
        inner = next((v for k, v in data.items() if isinstance(k, str) and k.lower() == wrapper
                      and isinstance(v, dict)), None)
        if inner is not None:
            data = {**{k: v for k, v in data.items() if not isinstance(v, dict)}, **inner}
            break
    result = Extracted()
    explicit = {key: name for name, key in (mapping or {}).items()}
    for key, value in sorted(data.items(), key=lambda kv: kv[0] not in explicit):
        if not isinstance(key, str):
            continue
        name = explicit.get(key) or field_for(key)
        if name is None:
            continue
        if name in ("email", "phone") and isinstance(value, list):
            values = [v for v in (_scalar(item) for item in value) if v]
        else:
            scalar = _scalar(value)
            values = [scalar] if scalar else []
        if not values:
            continue
        if name == "email":
            result.emails.extend(values)
        elif name == "phone":
            result.phones.extend(values)
        elif getattr(result, name) is None:
            setattr(result, name, values[0])
    return result
