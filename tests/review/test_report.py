"""Feedback report arithmetic on hand-made leads, by the definitions in ``central.web.numbers``."""
from __future__ import annotations

from decimal import Decimal

import pytest

from central.web import numbers as nb
from central.web import report as rep


def leads(rows):
    """``(tag, discarded at capture, outcome, n[, amount])`` -> LeadFacts."""
    out = []
    for tag, discarded, status, n, *amount in rows:
        out += [nb.LeadFacts(tag, tag, discarded, status, amount[0] if amount else None)] * n
    return out


ROWS = [
    ("hot", False, "closed_won", 3, 1000), ("hot", False, "closed_lost", 1), ("hot", False, None, 1),
    ("warm", False, "closed_won", 1, "250.50"), ("warm", False, "active", 2, 400), ("warm", False, "discarded", 1),
    ("warm", False, None, 6),
    ("nurture", False, None, 8), ("nurture", True, None, 2), ("nurture", True, "discarded", 1),
]
QUESTIONS = [rep.Question("budget", "Budget?", [("approved", "Approved"), ("none", "No budget")])]
ANSWERS = [("budget", "approved", "closed_won", 40), ("budget", "approved", "closed_lost", 10),
           ("budget", "none", "closed_lost", 10), ("budget", "none", "discarded", 10), ("budget", "none", None, 5),
           ("budget", "odd", "closed_won", 1)]


@pytest.fixture
def report():
    return rep.build_report(nb.tally(leads(ROWS)), cost=2600.0, answer_rows=ANSWERS, questions=QUESTIONS)


def test_totals(report):
    t = report.total
    assert t.leads == 26                                  # every lead, the 3 discarded at capture included
    assert report.numbers.discarded_at_capture == 3      # in no tag, whatever sales said later
    assert sum(report.by_tag[x].leads for x in nb.TAGS) == 23
    assert (t.won, t.lost, t.active, t.discarded) == (4, 1, 2, 1)   # discarded = by sales
    assert t.no_outcome == 1 + 6 + 8
    assert t.closed == 5
    assert report.qualified == 5 + 10
    assert t.revenue == Decimal("3250.50") and t.pipeline == Decimal("800")


def test_conversion_and_win_rate_by_tag(report):
    hot, warm, nurture = (report.by_tag[t] for t in nb.TAGS)
    assert hot.conversion == pytest.approx(3 / 5)
    assert hot.win_rate == pytest.approx(3 / 4)      # won / (won + lost)
    assert warm.conversion == pytest.approx(1 / 10)
    assert warm.win_rate == pytest.approx(1 / 2)     # won / (won + sales-discarded)
    assert nurture.conversion == 0
    assert nurture.win_rate is None                  # nothing decided by sales
    lo, hi = hot.win_interval
    assert 0.19 < lo < 0.31 and 0.95 < hi <= 1.0     # 3 of 4: the Wilson interval is wide


def test_report_json_shape(report):
    j = report.numbers.to_json()
    assert set(j) == {"total", "by_tag", "discarded_at_capture"}
    assert set(j["by_tag"]) == {"hot", "warm", "nurture"}
    keys = {"leads", "won", "lost", "active", "discarded", "no_outcome", "revenue"}
    assert all(set(v) == keys for v in j["by_tag"].values()) and set(j["total"]) == keys
    assert j["by_tag"]["hot"]["revenue"] == 3000.0


def test_cost_per_lead_and_deal(report):
    assert report.cost_per_lead == pytest.approx(100.0)
    assert report.cost_per_deal == pytest.approx(650.0)
    no_cost = rep.build_report(nb.tally(leads(ROWS)))
    assert no_cost.cost_per_lead is None and no_cost.cost_per_deal is None
    no_deal = rep.build_report(nb.tally(leads([("hot", False, "closed_lost", 2)])), cost=100.0)
    assert no_deal.cost_per_deal is None and no_deal.cost_per_lead == 50.0


def test_answers_relate_to_closing_only_with_enough_decided(report):
    rows = {a.value: a for a in report.answers["budget"]}
    assert list(rows) == ["approved", "none", "odd"]    # form order, unknown values last
    # the show itself has only 6 decided leads (< MIN_DECIDED): no lift anywhere
    assert all(a.lift is None for a in rows.values())
    big = rep.build_report(nb.tally(leads([("hot", False, "closed_won", 30), ("hot", False, "closed_lost", 30)])),
                           answer_rows=ANSWERS, questions=QUESTIONS)
    rows = {a.value: a for a in big.answers["budget"]}
    assert rows["approved"].lift == pytest.approx((40 / 50) / 0.5)
    assert rows["none"].lift == 0
    assert rows["odd"].lift is None                      # one won deal is no 2.00x lift
    assert rows["odd"].interval[0] < 0.25               # ... and its interval says so


def test_combine_across_shows_uses_cost_only_where_entered():
    a = rep.build_report(nb.tally(leads([("hot", False, "closed_won", 2), ("warm", False, None, 8)])), cost=1000.0)
    b = rep.build_report(nb.tally(leads([("hot", False, "closed_won", 1), ("nurture", False, None, 9)])))
    both = rep.combine([a, b])
    assert both.total.leads == 20 and both.total.won == 3
    assert both.by_tag["hot"].leads == 3
    assert both.cost == 1000.0
    assert both.cost_per_lead == pytest.approx(1000.0 / 10)   # only show a's leads
    assert both.cost_per_deal == pytest.approx(1000.0 / 2)
    assert both.qualified == 10 + 1


def test_days_and_hours_in_the_show_time_zone():
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    f = [nb.LeadFacts("hot", "hot", False, "closed_won", 10, captured_at=datetime(2026, 11, 22, 23, 30, tzinfo=timezone.utc),
                      staff="Ana", kiosk="booth-1")]
    n = nb.tally(f, tz=ZoneInfo("Europe/Berlin"))
    assert list(n.by_day) == ["2026-11-23"] and list(n.by_hour) == ["00"]
    assert n.by_staff["Ana"].count.revenue == 10 and n.by_kiosk["booth-1"].leads == 1
