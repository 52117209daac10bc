"""Who a lead's visitor is, for "one alert per visitor per show": the same person captured again,
or at another kiosk, is recognised by their e-mail (case-insensitive) or badge registration id."""
from __future__ import annotations

from typing import Any


def visitor_keys(contact: dict[str, Any] | None) -> list[str]:
    c = contact or {}
    keys = []
    email = c.get("email")
    if isinstance(email, str) and email.strip():
        keys.append("email:" + email.strip().casefold()[:380])
    reg = c.get("registration_id")
    if isinstance(reg, str) and reg.strip():
        keys.append("reg:" + reg.strip()[:380])
    return keys
