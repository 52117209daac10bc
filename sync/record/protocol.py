"""The kiosk <-> central wire protocol as data: paths, batch statuses and what each means to the
kiosk (ARCHITECTURE.md, "Kiosk <-> central wire protocol"). Central answers with these, the
kiosk's transport and the test stub read them: one list, so a new status is one edit.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from sync.record.timestamps import parse_wire_time

API_PREFIX = "/api/v1"
PATH_ENROLL = API_PREFIX + "/enroll"
PATH_BATCH = API_PREFIX + "/leads:batch"
PATH_CONFIG = API_PREFIX + "/config"
PATH_HEARTBEAT = API_PREFIX + "/heartbeat"
PATH_UPDATES = API_PREFIX + "/leads:updates"

# GET leads:updates answers {"leads", "until", "more"}; the kiosk sends ``until`` back as ``since``.
# The mark is a point in central's (updated_at, lead id) order: every row at or before it was sent.
# ``TIME`` alone (what older centrals sent) covers every row stamped at or before TIME;
# ``TIME#ID`` covers rows up to (TIME, ID) compared as a pair, so rows sharing one timestamp
# across a page boundary are neither skipped nor sent forever. Central never marks past
# ``now - UPDATES_SETTLE_S``: an edit stamped just before a query but committed just after it
# must still be sent next time. Rows newer than that are sent now and again later (the kiosk
# skips a version it holds): a repeat is harmless, a miss is not.
UPDATES_SETTLE_S = 60.0
_MARK_SEP = "#"


def format_pull_mark(at: datetime, lead_id: str | None = None) -> str:
    """The wire form of an updates mark (see above), to the microsecond: a mark rounded below a
    row's own time would send that row (and its page) again forever."""
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    text = at.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return text + _MARK_SEP + lead_id if lead_id else text


def parse_pull_mark(text: object) -> tuple[datetime, str | None]:
    """(time, lead id or None) of an updates mark; raises ``ValueError`` with the reason."""
    if not isinstance(text, str):
        raise ValueError("expected a pull mark string")
    at, sep, lead_id = text.partition(_MARK_SEP)
    if sep and not lead_id:
        raise ValueError(f"pull mark without a lead id after {_MARK_SEP!r}: {text[:60]!r}")
    return parse_wire_time(at), (lead_id or None)

# One result per lead of a batch.
BatchStatus = Literal["stored", "duplicate", "stale", "rejected", "conflict", "merged"]
BATCH_STATUSES: tuple[str, ...] = ("stored", "duplicate", "stale", "rejected", "conflict", "merged")
# stored = this version now stored; duplicate = already had it; stale = a newer version is stored:
# all three mean "central has it", so the kiosk marks the version sent. merged = central merged it
# with an edit made there (two-way sync): the transport reads the merged record from the answer.
DELIVERED: frozenset[str] = frozenset({"stored", "duplicate", "stale"})
# rejected = malformed (reason says why), conflict = the id belongs to another device: retrying the
# same record cannot help, so the kiosk parks it (an edit un-parks it).
REFUSED: frozenset[str] = frozenset({"rejected", "conflict"})
