"""Feedback report arithmetic on hand-made counts."""
from __future__ import annotations

import pytest

from central.web import report as rep

# (tag, discarded at review, outcome, n)
ROWS = [
    ("hot", False, "closed_won", 3), ("hot", False, "closed_lost", 1), ("hot", False, None, 1),
    ("warm", False, "closed_won", 1), ("warm", False, "active", 2), ("warm", False, "discarded", 1),
    ("warm", False, None, 6),
    ("nurture", False, None, 8), ("nurture", True, None, 2), ("nurture", True, "discarded", 1),
]
QUESTIONS = [rep.Question("budget", "Budget?", [("approved", "Approved"), ("none", "No budget")])]
ANSWERS = [("budget", "approved", "closed_won", 4), ("budget", "approved", "closed_lost", 1),
           ("budget", "none", "closed_lost", 1), ("budget", "none", "discarded", 1), ("budget", "none", None, 5),
           ("budget", "odd", None, 1)]


@pytest.fixture
def report():
    return rep.build_report(ROWS, cost=2600.0, answer_rows=ANSWERS, questions=QUESTIONS)


def test_totals(report):
    t = report.total
    assert t.leads == 26
    assert (t.won, t.lost, t.active) == (4, 1, 2)
    # discarded: 3 at review (2 + 1, the one also reported discarded by sales counts once) + 1 by sales
    assert (t.review_discarded, t.sales_discarded, t.discarded) == (3, 1, 4)
    assert t.closed == 5
    assert t.no_outcome == 1 + 6 + 8
    assert report.qualified == 5 + 10  # hot and warm, none discarded at review


def test_conversion_and_win_rate_by_tag(report):
    hot, warm, nurture = (report.by_tag[t] for t in ("hot", "warm", "nurture"))
    assert hot.conversion == pytest.approx(3 / 5)
    assert hot.win_rate == pytest.approx(3 / 4)      # won / (won + lost)
    assert warm.conversion == pytest.approx(1 / 10)
    assert warm.win_rate == pytest.approx(1 / 2)     # won / (won + sales-discarded)
    assert nurture.conversion == 0
    assert nurture.win_rate is None                  # nothing decided by sales


def test_cost_per_lead_and_deal(report):
    assert report.cost_per_lead == pytest.approx(100.0)
    assert report.cost_per_deal == pytest.approx(650.0)
    no_cost = rep.build_report(ROWS)
    assert no_cost.cost_per_lead is None and no_cost.cost_per_deal is None
    no_deal = rep.build_report([("hot", False, "closed_lost", 2)], cost=100.0)
    assert no_deal.cost_per_deal is None and no_deal.cost_per_lead == 50.0


def test_answers_relate_to_closing(report):
    rows = {a.value: a for a in report.answers["budget"]}
    assert list(rows) == ["approved", "none", "odd"]    # form order, unknown values last
    overall = report.total.win_rate                      # 4 / (4 + 1 + 1)
    assert overall == pytest.approx(4 / 6)
    assert rows["approved"].tally.win_rate == pytest.approx(4 / 5)
    assert rows["approved"].lift == pytest.approx((4 / 5) / (4 / 6))
    assert rows["none"].tally.win_rate == 0 and rows["none"].lift == 0
    assert rows["odd"].lift is None


def test_combine_across_shows_uses_cost_only_where_entered():
    a = rep.build_report([("hot", False, "closed_won", 2), ("warm", False, None, 8)], cost=1000.0)
    b = rep.build_report([("hot", False, "closed_won", 1), ("nurture", False, None, 9)])
    both = rep.combine([a, b])
    assert both.total.leads == 20 and both.total.won == 3
    assert both.by_tag["hot"].leads == 3
    assert both.cost == 1000.0
    assert both.cost_per_lead == pytest.approx(1000.0 / 10)   # only show a's leads
    assert both.cost_per_deal == pytest.approx(1000.0 / 2)
    assert both.qualified == 10 + 1
