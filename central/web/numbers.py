"""The ONE definition of every number a show is judged by. The *Shows* list, the feedback report,
the charts, calibration, the exports, the API and ``leadkiosk central report --json`` all take
their counts from :func:`tally` (fed by ``stats.show_facts``), so the same show gives the same
number on every page. (Before, *Shows* counted hot leads not discarded, the report counted every
lead tagged hot, calibration re-derived tags from scores, and *Charts* silently left out the
discarded leads: 95 / 114 / 101 hot and 600 vs 507 leads for the same demo show.)

Definitions, per live lead (not merged into another):

- *discarded at capture*: the lead record's ``discarded`` flag (a disqualifying answer at the
  kiosk, or staff/marketing discarded it before sales). These leads never reach sales: they are
  counted apart (``discarded_at_capture``) and in no tag.
- every other lead is in exactly one tag: the *tag in use* (override, else computed) for
  ``by_tag``; the *computed tag* (what the form's thresholds gave) for ``by_computed_tag``;
- its fate, exactly one of: ``won`` (outcome ``closed_won``), ``lost`` (``closed_lost``),
  ``discarded`` (sales reported ``discarded``: *discarded by sales*), ``active`` (``active``),
  ``no_outcome`` (nothing reported yet);
- *qualified*: hot or warm (tag in use), not discarded at capture;
- *decided*: won + lost + discarded by sales (the leads whose fate is known);
- *win rate*: won / decided; *conversion*: won / leads;
- *revenue*: the sum of the amounts of won deals; *pipeline*: the amounts of active ones;
- ``total``: ``leads`` = every live lead (= the tags' leads + discarded at capture); the other
  counts add up the tags'.

Pure: no SQL, no I/O. Amounts are summed per currency; ``revenue`` is the sum in the show's
currency plus amounts that came without one (what a single-currency show has).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from decimal import Decimal
from typing import Any, Callable, Iterable

from sync.record.fields import TAGS

STATUS_FIELD = {"closed_won": "won", "closed_lost": "lost", "discarded": "discarded", "active": "active"}
FATES = ("won", "lost", "active", "discarded", "no_outcome")
# Below this many decided leads a rate is shown with its interval but no colour, no lift, no
# recommendation: one won deal is an anecdote, not a 2.00x lift.
MIN_DECIDED = 20


@dataclass(frozen=True)
class LeadFacts:
    """What the numbers need to know about one lead (one row of ``stats.show_facts``)."""

    tag: str | None
    computed_tag: str | None
    discarded: bool
    status: str | None = None          # outcome status, None = no outcome
    amount: Decimal | float | None = None
    currency: str | None = None
    staff: str | None = None
    kiosk: str | None = None
    captured_at: datetime | None = None
    score: int | None = None
    first_contact_s: float | None = None   # time to first contact, where known (sales claims, issue 15)
    rep: str | None = None                 # the sales rep who claimed / first contacted the lead


def fate_of(status: str | None) -> str:
    """The one field of :class:`Count` a lead's outcome status counts in."""
    return STATUS_FIELD.get(status or "", "no_outcome")


def tag_of(tag: str | None) -> str:
    """A lead without a (known) tag counts as nurture, as the kiosk treats it."""
    return tag if tag in TAGS else "nurture"


@dataclass
class Count:
    """Leads split by fate, with the money they carry."""

    leads: int = 0
    won: int = 0
    lost: int = 0
    active: int = 0
    discarded: int = 0          # by sales
    no_outcome: int = 0
    revenue: Decimal = Decimal(0)
    pipeline: Decimal = Decimal(0)
    other_currency: dict[str, Decimal] = field(default_factory=dict)

    def add(self, f: LeadFacts, currency: str | None = None) -> None:
        fate = fate_of(f.status)
        self.leads += 1
        setattr(self, fate, getattr(self, fate) + 1)
        if f.amount is None or fate not in ("won", "active"):
            return
        amount = Decimal(str(f.amount))
        if f.currency and currency and f.currency.upper() != currency.upper():
            key = f"{f.currency.upper()} {'revenue' if fate == 'won' else 'pipeline'}"
            self.other_currency[key] = self.other_currency.get(key, Decimal(0)) + amount
        elif fate == "won":
            self.revenue += amount
        else:
            self.pipeline += amount

    def merge(self, o: "Count") -> None:
        for k in ("leads", *FATES, "revenue", "pipeline"):
            setattr(self, k, getattr(self, k) + getattr(o, k))
        for k, v in o.other_currency.items():
            self.other_currency[k] = self.other_currency.get(k, Decimal(0)) + v

    @property
    def decided(self) -> int:
        return self.won + self.lost + self.discarded

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        return self.won / self.decided if self.decided else None

    @property
    def conversion(self) -> float | None:
        return self.won / self.leads if self.leads else None

    @property
    def win_interval(self) -> tuple[float, float] | None:
        return wilson(self.won, self.decided)

    @property
    def enough(self) -> bool:
        """Enough decided leads to colour a rate or claim a lift."""
        return self.decided >= MIN_DECIDED

    def to_json(self) -> dict[str, Any]:
        """The shape of ``central report --json`` (per tag and total)."""
        return {"leads": self.leads, "won": self.won, "lost": self.lost, "active": self.active,
                "discarded": self.discarded, "no_outcome": self.no_outcome, "revenue": float(self.revenue)}


@dataclass
class Dimension:
    """One breakdown row (a staff member, a kiosk, a day, an hour): its tally and the leads
    discarded at capture there."""

    key: str
    count: Count = field(default_factory=Count)
    discarded_at_capture: int = 0
    first_contact_s: list[float] = field(default_factory=list)

    @property
    def leads(self) -> int:
        return self.count.leads + self.discarded_at_capture

    @property
    def first_contact_median_s(self) -> float | None:
        # the sales pages' own definition (issue 15), so the report and /sales agree
        from central.sales.stats import summarize
        return summarize(self.first_contact_s).median_s

    @property
    def first_contact_p90_s(self) -> float | None:
        from central.sales.stats import summarize
        return summarize(self.first_contact_s).p90_s


@dataclass
class ShowNumbers:
    """Every number of one show, from one pass over its leads."""

    by_tag: dict[str, Count]
    by_computed_tag: dict[str, Count]
    discarded_at_capture: int
    discarded_at_capture_by_tag: dict[str, int]
    currency: str | None = None
    by_staff: dict[str, Dimension] = field(default_factory=dict)
    by_kiosk: dict[str, Dimension] = field(default_factory=dict)
    by_day: dict[str, Dimension] = field(default_factory=dict)
    by_hour: dict[str, Dimension] = field(default_factory=dict)
    by_rep: dict[str, Dimension] = field(default_factory=dict)
    first_contact: Dimension = field(default_factory=lambda: Dimension("all"))

    @property
    def total(self) -> Count:
        t = Count()
        for c in self.by_tag.values():
            t.merge(c)
        t.leads += self.discarded_at_capture
        return t

    @property
    def leads(self) -> int:
        return self.total.leads

    @property
    def qualified(self) -> int:
        return self.by_tag["hot"].leads + self.by_tag["warm"].leads

    def tag_leads(self, tag: str) -> int:
        return self.by_tag[tag].leads

    def to_json(self) -> dict[str, Any]:
        """``leadkiosk central report --json`` (exactly these keys)."""
        return {"total": self.total.to_json(), "by_tag": {t: self.by_tag[t].to_json() for t in TAGS},
                "discarded_at_capture": self.discarded_at_capture}


def tally(facts: Iterable[LeadFacts], *, currency: str | None = None, tz: tzinfo | None = None,
          kiosk_name: Callable[[str | None], str] | None = None) -> ShowNumbers:
    """Count a show's leads by the definitions above; days and hours in ``tz`` (default UTC)."""
    tz = tz or timezone.utc
    by_tag = {t: Count() for t in TAGS}
    by_computed = {t: Count() for t in TAGS}
    dac_by_tag = {t: 0 for t in TAGS}
    dims: dict[str, dict[str, Dimension]] = {"staff": {}, "kiosk": {}, "day": {}, "hour": {}, "rep": {}}
    first = Dimension("all")
    dac = 0
    for f in facts:
        keys = {"staff": f.staff or "(none)",
                "kiosk": (kiosk_name(f.kiosk) if kiosk_name else f.kiosk) or "(none)",
                "rep": f.rep or "(not claimed)"}
        if f.captured_at is not None:
            at = f.captured_at if f.captured_at.tzinfo else f.captured_at.replace(tzinfo=timezone.utc)
            local = at.astimezone(tz)
            keys["day"], keys["hour"] = local.strftime("%Y-%m-%d"), local.strftime("%H")
        if f.discarded:
            dac += 1
            dac_by_tag[tag_of(f.tag)] += 1
            for dim, key in keys.items():
                dims[dim].setdefault(key, Dimension(key)).discarded_at_capture += 1
            continue
        by_tag[tag_of(f.tag)].add(f, currency)
        by_computed[tag_of(f.computed_tag)].add(f, currency)
        for dim, key in keys.items():
            d = dims[dim].setdefault(key, Dimension(key))
            d.count.add(f, currency)
            if f.first_contact_s is not None:
                d.first_contact_s.append(f.first_contact_s)
        if f.first_contact_s is not None:
            first.first_contact_s.append(f.first_contact_s)
    order = lambda d: dict(sorted(d.items()))  # noqa: E731
    by_staff = dict(sorted(dims["staff"].items(), key=lambda kv: (-kv[1].count.revenue, -kv[1].leads, kv[0])))
    return ShowNumbers(by_tag, by_computed, dac, dac_by_tag, currency, by_staff, order(dims["kiosk"]),
                       order(dims["day"]), order(dims["hour"]), order(dims["rep"]), first)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval of a proportion: honest at small n (1 of 1 is 21%-100%, not 100%)."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (the median of 1, 2, 3, 4 is 2): a value that really occurred."""
    if not values:
        return None
    vs = sorted(values)
    return vs[max(0, math.ceil(q * len(vs)) - 1)]
