"""A rep's dial: which leads they want, pure rules (no database, time passed in).

Why per rep: reps differ. Some take every warm lead, others only want to speak to a prospect who is
ready to buy; and most open up in the last weeks of a quarter. So each rep sets hot only, hot and
warm, or a score threshold, plus the countries and products they cover and quiet hours; an admin's
quarter-end window widens every dial for the last N days of a calendar quarter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MODES = ("hot", "hot_warm", "threshold")
MODE_LABELS = {"hot": "Hot leads only", "hot_warm": "Hot and warm leads", "threshold": "Every lead scoring at least"}
CHANNELS = ("phone", "email", "meeting", "chat")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class DialError(ValueError):
    """A setting a rep or admin entered is not valid; the message says which and what is expected."""


@dataclass(frozen=True)
class Dial:
    """One rep's wishes. Empty ``countries``/``products`` mean "all"."""
    email: str
    mode: str = "hot"
    threshold: int | None = None
    countries: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    quiet_start: str | None = None
    quiet_end: str | None = None
    timezone: str = "UTC"
    language: str = "en"
    name: str = ""


@dataclass(frozen=True)
class LeadFacts:
    """What routing looks at."""
    tag: str
    score: int | None
    discarded: bool
    country: str | None
    products: frozenset[str] = field(default_factory=frozenset)
    show_id: str | None = None


@dataclass(frozen=True)
class Window:
    """Quarter-end widening: ``days`` = 0 is off."""
    days: int = 0
    points: int = 15


def check_timezone(name: object, what: str = "timezone") -> str:
    if not isinstance(name, str) or not name.strip():
        raise DialError(f"{what}: an IANA time zone like Europe/Berlin, got {name!r}")
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise DialError(f"{what}: an IANA time zone like Europe/Berlin, got {name!r}") from None
    return name.strip()


def make_dial(email: str, *, mode: str, threshold: object = None, countries: object = "", products: object = "",
              quiet_start: str | None = None, quiet_end: str | None = None, timezone: str = "UTC",
              language: str = "en", name: str = "") -> Dial:
    """Validate what a settings form sent; raises DialError listing every problem at once."""
    problems: list[str] = []
    if mode not in MODES:
        problems.append(f"mode: one of {', '.join(MODES)}, got {mode!r}")
    thr: int | None = None
    if mode == "threshold":
        try:
            thr = int(str(threshold).strip())
            if not 0 <= thr <= 1000:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"threshold: a whole score from 0 to 1000, got {threshold!r}")
    def split(v: object) -> list[str]:
        if isinstance(v, (list, tuple, set, frozenset)):
            return [str(x).strip() for x in v if str(x).strip()]
        return [x.strip() for x in re.split(r"[,\s]+", str(v or "")) if x.strip()]
    ctry = [c.upper() for c in split(countries)]
    bad = [c for c in ctry if not re.fullmatch(r"[A-Z]{2}", c)]
    if bad:
        problems.append(f"countries: two-letter country codes like DE, AT, got {', '.join(bad)}")
    qs, qe = (quiet_start or "").strip() or None, (quiet_end or "").strip() or None
    for key, v in (("quiet_start", qs), ("quiet_end", qe)):
        if v is not None and not _HHMM.match(v):
            problems.append(f"{key}: a time HH:MM (24 h), got {v!r}")
    if (qs is None) != (qe is None):
        problems.append("quiet hours: give both a start and an end, or neither")
    try:
        tz = check_timezone(timezone)
    except DialError as exc:
        problems.append(str(exc))
        tz = "UTC"
    if language not in ("en", "de"):
        problems.append(f"language: en or de, got {language!r}")
    if problems:
        raise DialError("; ".join(problems))
    return Dial(email=email, mode=mode, threshold=thr, countries=frozenset(ctry),
                products=frozenset(p.lower() for p in split(products)), quiet_start=qs, quiet_end=qe,
                timezone=tz, language=language, name=name)


def quarter_end(day: date) -> date:
    """The last day of ``day``'s calendar quarter."""
    q_last_month = ((day.month - 1) // 3) * 3 + 3
    first_next = date(day.year + (q_last_month == 12), 1 if q_last_month == 12 else q_last_month + 1, 1)
    return first_next - timedelta(days=1)


def in_window(window: Window, now: datetime) -> bool:
    """True during the last ``window.days`` days of the quarter (the quarter's last day included)."""
    if window.days <= 0:
        return False
    today = now.date()
    return (quarter_end(today) - today).days < window.days


def widened(dial: Dial, window: Window, now: datetime) -> Dial:
    """The dial as it applies at ``now``: inside the quarter-end window hot-only takes warm too and a
    threshold drops by ``window.points``."""
    if not in_window(window, now):
        return dial
    if dial.mode == "hot":
        return Dial(**{**dial.__dict__, "mode": "hot_warm"})
    if dial.mode == "threshold" and dial.threshold is not None:
        return Dial(**{**dial.__dict__, "threshold": max(0, dial.threshold - window.points)})
    return dial


def wants(dial: Dial, lead: LeadFacts) -> bool:
    """Whether this (already widened) dial takes the lead."""
    if lead.discarded:
        return False
    if dial.mode == "hot" and lead.tag != "hot":
        return False
    if dial.mode == "hot_warm" and lead.tag not in ("hot", "warm"):
        return False
    if dial.mode == "threshold" and (lead.score is None or dial.threshold is None or lead.score < dial.threshold):
        return False
    if dial.countries and (not lead.country or lead.country.strip().upper() not in dial.countries):
        return False
    if dial.products and not (lead.products & dial.products):
        return False
    return True


def quiet_until(dial: Dial, now: datetime) -> datetime | None:
    """When the rep's quiet hours end if ``now`` is inside them (an e-mail waits until then), else None.
    A window like 22:00-07:00 spans midnight."""
    if not dial.quiet_start or not dial.quiet_end:
        return None
    tz = ZoneInfo(dial.timezone)
    local = now.astimezone(tz)
    start = time.fromisoformat(dial.quiet_start)
    end = time.fromisoformat(dial.quiet_end)
    t = local.time().replace(tzinfo=None)
    if start == end:
        return None
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if (start < end or t < end) else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(now.tzinfo)
