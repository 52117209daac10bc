"""Reading and saving reps' dials and the admin's quarter-end window."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from central.sales.dials import Dial, DialError, Window, make_dial
from central.sales.models import RepSettings, SalesWindow


def get_dial(s: Session, user_id: int, email: str) -> Dial | None:
    """The user's dial, or None when they follow the routing config."""
    row = s.get(RepSettings, user_id)
    if row is None:
        return None
    return Dial(email=email, mode=row.mode, threshold=row.threshold, countries=frozenset(row.countries or ()),
                products=frozenset(row.products or ()), quiet_start=row.quiet_start, quiet_end=row.quiet_end,
                timezone=row.timezone, language=row.language)


def save_dial(s: Session, user_id: int, dial: Dial, now: datetime) -> None:
    row = s.get(RepSettings, user_id) or RepSettings(user_id=user_id)
    row.mode, row.threshold = dial.mode, dial.threshold
    row.countries, row.products = sorted(dial.countries), sorted(dial.products)
    row.quiet_start, row.quiet_end = dial.quiet_start, dial.quiet_end
    row.timezone, row.language, row.updated_at = dial.timezone, dial.language, now
    s.add(row)


def clear_dial(s: Session, user_id: int) -> bool:
    """Back to the routing config; True if there was a dial."""
    row = s.get(RepSettings, user_id)
    if row is None:
        return False
    s.delete(row)
    return True


def get_window(s: Session) -> Window:
    row = s.get(SalesWindow, 1)
    return Window(row.days, row.points) if row else Window()


def save_window(s: Session, days: object, points: object, actor: str, now: datetime) -> Window:
    problems = []
    try:
        d = int(str(days).strip() or 0)
        if not 0 <= d <= 92:
            raise ValueError
    except ValueError:
        problems.append(f"days: a whole number of days from 0 (off) to 92, got {days!r}")
        d = 0
    try:
        p = int(str(points).strip() or 15)
        if not 0 <= p <= 1000:
            raise ValueError
    except ValueError:
        problems.append(f"points: how far a score threshold drops, 0 to 1000, got {points!r}")
        p = 15
    if problems:
        raise DialError("; ".join(problems))
    row = s.get(SalesWindow, 1) or SalesWindow(id=1)
    row.days, row.points, row.updated_at, row.updated_by = d, p, now, actor
    s.add(row)
    return Window(d, p)


__all__ = ["get_dial", "save_dial", "clear_dial", "get_window", "save_window", "make_dial", "DialError"]
