"""Sales numbers: time to first contact (median and 90th percentile, per rep and per show) and
who got which leads. The feedback report calls these; the values come from ``lead_claims`` and
``lead_assignments`` only.

Percentiles are nearest-rank (the value below which 90 % of the contacts fall, never an
interpolated time nobody had); fewer than one contact gives None, not zero.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.models import Lead
from central.sales.models import LeadAssignment, LeadClaim


@dataclass(frozen=True)
class Ttfc:
    """Time to first contact over ``n`` contacted leads, in seconds."""
    n: int
    median_s: float | None
    p90_s: float | None

    def to_dict(self) -> dict:
        return {"n": self.n, "median_s": self.median_s, "p90_s": self.p90_s}


def summarize(values: list[float]) -> Ttfc:
    if not values:
        return Ttfc(0, None, None)
    ordered = sorted(values)
    rank = max(1, math.ceil(0.9 * len(ordered)))
    return Ttfc(len(ordered), float(median(ordered)), float(ordered[rank - 1]))


def time_to_first_contact(s: Session, show_id: str | None = None) -> dict:
    """``{"show": Ttfc, "reps": {rep: Ttfc}}`` for one show (or all shows with ``None``); a lead
    counts for the rep who made the first contact."""
    q = select(LeadClaim.first_contact_by, LeadClaim.first_contact_s).where(LeadClaim.first_contact_s.is_not(None))
    if show_id is not None:
        q = q.where(LeadClaim.show_id == show_id)
    per: dict[str, list[float]] = {}
    every: list[float] = []
    for rep, secs in s.execute(q):
        per.setdefault(rep or "?", []).append(secs)
        every.append(secs)
    return {"show": summarize(every), "reps": {rep: summarize(v) for rep, v in sorted(per.items())}}


def time_to_first_contact_by_show(s: Session) -> dict[str, Ttfc]:
    per: dict[str, list[float]] = {}
    for show, secs in s.execute(select(LeadClaim.show_id, LeadClaim.first_contact_s)
                                .where(LeadClaim.first_contact_s.is_not(None))):
        per.setdefault(show, []).append(secs)
    return {k: summarize(v) for k, v in sorted(per.items())}


@dataclass(frozen=True)
class RepShare:
    rep: str
    hot: int
    warm: int
    other: int
    by_dial: int
    by_rule: int
    by_default: int
    accepted: int
    contacted: int


def who_got_what(s: Session, show_id: str) -> list[RepShare]:
    """Per rep: how many leads they were given (by tag at the time and by why: their dial, a routing
    rule, or as the default owner) and how many they accepted and contacted."""
    rows = s.execute(
        select(LeadAssignment.rep, LeadAssignment.tag, LeadAssignment.reason, func.count(),
               func.count(LeadClaim.claimed_at), func.count(LeadClaim.first_contact_at))
        .join(Lead, Lead.id == LeadAssignment.lead_id)
        .outerjoin(LeadClaim, (LeadClaim.lead_id == LeadAssignment.lead_id)
                   & (func.lower(LeadClaim.claimed_by) == func.lower(LeadAssignment.rep)))
        .where(LeadAssignment.show_id == show_id, Lead.merged_into.is_(None))
        .group_by(LeadAssignment.rep, LeadAssignment.tag, LeadAssignment.reason)).all()
    acc: dict[str, dict[str, int]] = {}
    for rep, tag, reason, n, claimed, contacted_n in rows:
        a = acc.setdefault(rep, dict(hot=0, warm=0, other=0, dial=0, rule=0, default=0, accepted=0, contacted=0))
        a[tag if tag in ("hot", "warm") else "other"] += n
        a[reason if reason in ("dial", "rule", "default") else "rule"] += n
        a["accepted"] += claimed
        a["contacted"] += contacted_n
    return [RepShare(rep, a["hot"], a["warm"], a["other"], a["dial"], a["rule"], a["default"], a["accepted"],
                     a["contacted"]) for rep, a in sorted(acc.items(), key=lambda kv: (-kv[1]["hot"], kv[0]))]


def duration(seconds: float | None) -> str:
    """``42 min``, ``3.5 h``, ``2.1 d``: a time a person reads at a glance."""
    if seconds is None:
        return "–"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
