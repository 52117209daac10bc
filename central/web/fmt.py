"""Display formatting for the templates (one place, so every page shows times and rates alike)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote as _quote


def quote(text: str) -> str:
    return _quote(text, safe="")


def _aware(v: datetime) -> datetime:
    return v if v.tzinfo else v.replace(tzinfo=timezone.utc)


def dt(v: Any, seconds: bool = False) -> str:
    """UTC times as ``2026-11-22 10:42``; ISO strings from records are accepted too."""
    if v is None or v == "":
        return "–"
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return v
    v = _aware(v).astimezone(timezone.utc)
    return v.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def ago(v: Any, now: datetime | None = None) -> str:
    if v is None:
        return "never"
    now = now or datetime.now(timezone.utc)
    secs = (now - _aware(v)).total_seconds()
    if secs < 90:
        return "just now"
    if secs < 5400:
        return f"{secs / 60:.0f} min ago"
    if secs < 172800:
        return f"{secs / 3600:.0f} h ago"
    return f"{secs / 86400:.0f} days ago"


def pct(v: float | None, digits: int = 0) -> str:
    return "–" if v is None else f"{100 * v:.{digits}f}%"


def money(v: float | None) -> str:
    return "–" if v is None else f"{float(v):,.2f}"


def duration(v: float | None) -> str:
    """Seconds as a short human duration (time to first contact)."""
    if v is None:
        return "–"
    v = float(v)
    if v < 3600:
        return f"{v / 60:.0f} min"
    if v < 86400 * 2:
        return f"{v / 3600:.1f} h"
    return f"{v / 86400:.1f} d"


def num(v: Any) -> str:
    return "–" if v is None else f"{v:,}"


def ratio(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}×"


def val(v: Any) -> str:
    """A changed value in the history list: outcomes and lists in words, empty as ∅."""
    if v is None or v == "" or v == []:
        return "∅"
    if isinstance(v, dict):
        return " · ".join(str(v[k]) for k in ("status", "stage", "reason") if v.get(k)) or str(v)
    if isinstance(v, list):
        return ", ".join(map(str, v))
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def tel(v: Any) -> str:
    """A ``tel:`` URI for a stored phone number: digits and a leading + only (RFC 3966 global
    numbers), so a phone dials "+49 151 2345678" as typed on the badge."""
    text = str(v or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("tel:+" if text.startswith("+") else "tel:") + digits if digits else ""
