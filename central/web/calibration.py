"""Threshold calibration arithmetic, pure so it can be checked by hand on a few outcomes.

Input is a score histogram split by outcome (what SQL hands back in one GROUP BY), so the same
code serves ten leads in a test and 100,000 in production without loading the leads. A "closed
deal" is a ``closed_won`` outcome; a "false hot" is a lead scored hot whose outcome says it went
nowhere (``closed_lost`` or ``discarded``). Leads without an outcome, or still ``active``, are
neither: they are reported as "open" so nobody mistakes missing data for a miss.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from sync.record.fields import TAGS

WON = "closed_won"
NEGATIVE = ("closed_lost", "discarded")


@dataclass(frozen=True)
class ScoreBucket:
    """Leads with one score: how many, and how their outcomes split."""

    score: int
    won: int = 0
    negative: int = 0
    open: int = 0
    hot_ok: bool = True    # the form's hot_requires rules hold for these leads
    warm_ok: bool = True   # the form's warm_requires rules hold
    stored_tag: str | None = None  # the computed tag stored on these leads (None: unknown)

    @property
    def total(self) -> int:
        return self.won + self.negative + self.open


def buckets_from_counts(rows: Iterable[tuple]) -> list[ScoreBucket]:
    """Fold ``(score, outcome_status, n[, hot_ok, warm_ok[, stored computed tag]])`` rows into one
    bucket per score, rule state and stored tag (None scores count as 0; missing rule flags mean
    the rules hold)."""
    acc: dict[tuple[int, bool, bool, str | None], list[int]] = {}
    for row in rows:
        score, status, n = row[0], row[1], int(row[2])
        hot_ok = True if len(row) < 4 or row[3] is None else bool(row[3])
        warm_ok = True if len(row) < 5 or row[4] is None else bool(row[4])
        stored = row[5] if len(row) > 5 else None
        b = acc.setdefault((int(score or 0), hot_ok, warm_ok, stored), [0, 0, 0])
        if status == WON:
            b[0] += n
        elif status in NEGATIVE:
            b[1] += n
        else:
            b[2] += n
    return [ScoreBucket(k[0], *acc[k], hot_ok=k[1], warm_ok=k[2], stored_tag=k[3])
            for k in sorted(acc, key=lambda k: (k[0], k[1], k[2], k[3] or ""))]


def tag_for(score: int, hot: int, warm: int, hot_ok: bool = True, warm_ok: bool = True) -> str:
    """The tag a score gets under the given thresholds, the forms engine's rule: ``>=`` is
    inclusive, and a tag's must-have rules must hold too (else the lead falls to the next tag)."""
    if score >= hot and hot_ok:
        return "hot"
    if score >= warm and warm_ok:
        return "warm"
    return "nurture"


@dataclass(frozen=True)
class TagCatch:
    """What one tag holds under a pair of thresholds."""

    tag: str
    leads: int
    won: int
    negative: int
    open: int

    @property
    def win_rate(self) -> float | None:
        decided = self.won + self.negative
        return self.won / decided if decided else None


def catch_by_tag(buckets: Iterable[ScoreBucket], hot: int, warm: int) -> dict[str, TagCatch]:
    """Closed deals caught (and false positives) per tag under ``hot``/``warm`` thresholds."""
    acc = {t: [0, 0, 0, 0] for t in TAGS}
    for b in buckets:
        a = acc[tag_for(b.score, hot, warm, b.hot_ok, b.warm_ok)]
        a[0] += b.total
        a[1] += b.won
        a[2] += b.negative
        a[3] += b.open
    return {t: TagCatch(t, *acc[t]) for t in TAGS}


@dataclass(frozen=True)
class Candidate:
    """One row of the calibration table: a threshold pair and what it would have caught."""

    hot: int
    warm: int
    hot_leads: int
    won_in_hot: int
    false_hots: int
    won_in_warm: int
    won_missed: int  # closed deals that would have landed in nurture
    current: bool = False
    would_change: int = 0  # stored leads whose computed tag differs under this pair (not rescored)

    @property
    def hot_precision(self) -> float | None:
        decided = self.won_in_hot + self.false_hots
        return self.won_in_hot / decided if decided else None

    @property
    def won_caught(self) -> int:
        return self.won_in_hot + self.won_in_warm


@dataclass
class Calibration:
    """The calibration view: per-tag catch now, and the candidate table."""

    current_hot: int
    current_warm: int
    total_won: int
    total_negative: int
    total_open: int
    by_tag: dict[str, TagCatch]
    candidates: list[Candidate] = field(default_factory=list)
    suggestion: Candidate | None = None
    min_decided: int = 0

    @property
    def decided(self) -> int:
        return self.total_won + self.total_negative

    @property
    def enough(self) -> bool:
        """Enough decided leads to recommend anything at all."""
        return self.decided >= self.min_decided


def candidate_thresholds(buckets: list[ScoreBucket], step: int = 5) -> list[int]:
    """Thresholds worth trying: multiples of ``step`` across the observed score range."""
    if not buckets:
        return []
    lo = min(b.score for b in buckets)
    hi = max(b.score for b in buckets)
    start = (lo // step) * step
    return list(range(max(start, 0), hi + step + 1, step))


def evaluate(buckets: list[ScoreBucket], hot: int, warm: int, current: bool = False) -> Candidate:
    """Score one threshold pair against the outcomes."""
    c = catch_by_tag(buckets, hot, warm)
    return Candidate(
        hot=hot, warm=warm, hot_leads=c["hot"].leads, won_in_hot=c["hot"].won,
        false_hots=c["hot"].negative, won_in_warm=c["warm"].won, won_missed=c["nurture"].won,
        current=current, would_change=would_change(buckets, hot, warm),
    )


def would_change(buckets: Iterable[ScoreBucket], hot: int, warm: int) -> int:
    """How many stored leads would carry another computed tag under ``hot``/``warm`` (they are
    NOT rescored: the number tells what the change means before anyone applies it)."""
    return sum(b.total for b in buckets
               if b.stored_tag is not None and tag_for(b.score, hot, warm, b.hot_ok, b.warm_ok) != b.stored_tag)


def calibrate(buckets: list[ScoreBucket], hot: int, warm: int, step: int = 5,
              max_rows: int = 40, keep: float = 0.9, min_decided: int = 0) -> Calibration:
    """Build the calibration table over candidate ``(hot, warm)`` pairs.

    Rows: for each candidate hot threshold, the highest warm threshold that leaves no more closed
    deals in nurture than the current pair does (or the lowest warm if none can), plus the
    current pair. That keeps the table short enough to read and every row a real choice.

    The suggestion is the pair with the fewest false hots among those that keep at least ``keep``
    (90%) of the closed deals the current hot tag catches, remove more false hots than the deals
    they give up (a deal is worth at least one wasted call), and leave no more deals in nurture
    (ties: more deals in hot, then nearest the current thresholds). None when no pair qualifies,
    so the page says the thresholds are fine instead of proposing churn. Below ``min_decided``
    decided leads (won + lost + discarded by sales) nothing is recommended at all: the page says
    there are too few outcomes to tell.
    """
    total_won = sum(b.won for b in buckets)
    total_neg = sum(b.negative for b in buckets)
    total_open = sum(b.open for b in buckets)
    now = evaluate(buckets, hot, warm, current=True)
    cands: dict[tuple[int, int], Candidate] = {(hot, warm): now}
    points = candidate_thresholds(buckets, step)
    for h in points:
        warms = [w for w in points if w < h] or [min(h, warm)]
        best: Candidate | None = None
        for w in warms:
            c = evaluate(buckets, h, w)
            if c.won_missed <= now.won_missed and (best is None or w > best.warm):
                best = c
        if best is None:  # even the lowest warm misses more: show it anyway, it is the honest row
            best = evaluate(buckets, h, warms[0])
        cands.setdefault((best.hot, best.warm), best)
    rows = sorted(cands.values(), key=lambda c: (-c.hot, -c.warm))
    # Neighbouring thresholds that sort the outcomes identically are one choice: keep the first
    # row of each run (and always the current pair, which hides the rows that equal it).
    metrics = lambda c: (c.hot_leads, c.won_in_hot, c.false_hots, c.won_in_warm, c.won_missed)  # noqa: E731
    now_m = metrics(now)
    kept: list[Candidate] = []
    for c in rows:
        if c.current:
            kept.append(c)
        elif metrics(c) != now_m and (not kept or metrics(kept[-1]) != metrics(c)):
            kept.append(c)
    rows = kept
    if len(rows) > max_rows:
        keep_rows = [r for r in rows if r.current]
        rows = sorted(keep_rows + [r for r in rows if not r.current][: max_rows - len(keep_rows)],
                      key=lambda c: (-c.hot, -c.warm))
    suggestion = None
    need = math.ceil(keep * now.won_in_hot)
    eligible = [c for c in rows if not c.current and c.won_in_hot >= need and c.won_missed <= now.won_missed
                and (now.false_hots - c.false_hots > now.won_in_hot - c.won_in_hot
                     or (c.false_hots <= now.false_hots and c.won_in_hot > now.won_in_hot))]
    if eligible and total_won and total_won + total_neg >= min_decided:
        suggestion = min(eligible, key=lambda c: (c.false_hots, -c.won_in_hot, abs(c.hot - hot) + abs(c.warm - warm)))
    return Calibration(hot, warm, total_won, total_neg, total_open,
                       catch_by_tag(buckets, hot, warm), rows, suggestion, min_decided)


def histogram_from_leads(leads: Iterable[Mapping[str, object]]) -> list[ScoreBucket]:
    """Convenience for small in-memory sets: ``[{"score": 80, "outcome": "closed_won"}, ...]``."""
    return buckets_from_counts((int(l.get("score") or 0), l.get("outcome"), 1) for l in leads)  # type: ignore[arg-type]
