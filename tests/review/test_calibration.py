"""Calibration arithmetic on a small hand-made set of outcomes (every number checked by hand)."""
from __future__ import annotations

from central.web import calibration as cal

# score, outcome: 10 leads. Current thresholds: hot 70, warm 40.
LEADS = [
    (90, "closed_won"), (85, "closed_won"), (80, "closed_lost"), (75, "discarded"), (72, None),
    (60, "closed_won"), (55, "closed_lost"), (45, "active"),
    (30, "closed_won"), (10, "closed_lost"),
]


def buckets():
    return cal.histogram_from_leads({"score": s, "outcome": o} for s, o in LEADS)


def test_buckets_fold_outcomes_per_score():
    b = cal.buckets_from_counts([(50, "closed_won", 2), (50, "closed_lost", 1), (50, None, 4), (50, "active", 1),
                                 (None, "discarded", 3)])
    assert [(x.score, x.won, x.negative, x.open) for x in b] == [(0, 0, 3, 0), (50, 2, 1, 5)]


def test_catch_by_tag_at_current_thresholds():
    c = cal.catch_by_tag(buckets(), hot=70, warm=40)
    # hot: 90 85 80 75 72 -> 2 won, 2 negative (lost + discarded), 1 open
    assert (c["hot"].leads, c["hot"].won, c["hot"].negative, c["hot"].open) == (5, 2, 2, 1)
    # warm: 60 55 45 -> 1 won, 1 lost, 1 active (open)
    assert (c["warm"].leads, c["warm"].won, c["warm"].negative, c["warm"].open) == (3, 1, 1, 1)
    # nurture: 30 10 -> 1 won (a missed deal), 1 lost
    assert (c["nurture"].leads, c["nurture"].won, c["nurture"].negative) == (2, 1, 1)
    assert c["hot"].win_rate == 0.5


def test_thresholds_are_inclusive_and_rules_demote():
    assert cal.tag_for(70, 70, 40) == "hot"
    assert cal.tag_for(69, 70, 40) == "warm"
    assert cal.tag_for(40, 70, 40) == "warm"
    assert cal.tag_for(39, 70, 40) == "nurture"
    assert cal.tag_for(95, 70, 40, hot_ok=False) == "warm"
    assert cal.tag_for(95, 70, 40, hot_ok=False, warm_ok=False) == "nurture"


def test_rule_flags_are_respected_in_catch():
    b = cal.buckets_from_counts([(90, "closed_won", 1, True, True), (90, "closed_lost", 2, False, True)])
    c = cal.catch_by_tag(b, 70, 40)
    assert (c["hot"].won, c["hot"].negative) == (1, 0)
    assert c["warm"].negative == 2


def test_evaluate_counts_false_hots_and_misses():
    e = cal.evaluate(buckets(), 80, 30)
    # hot >= 80: 90 won, 85 won, 80 lost -> 2 won, 1 false hot
    assert (e.hot_leads, e.won_in_hot, e.false_hots) == (3, 2, 1)
    # warm 30..79: 75 discarded, 72 open, 60 won, 55 lost, 45 active, 30 won -> 2 won
    assert e.won_in_warm == 2
    assert e.won_missed == 0
    assert e.hot_precision == 2 / 3


def test_calibration_table_and_suggestion():
    c = cal.calibrate(buckets(), hot=70, warm=40, step=5)
    current = [r for r in c.candidates if r.current]
    assert len(current) == 1 and (current[0].hot, current[0].warm) == (70, 40)
    assert (current[0].won_in_hot, current[0].false_hots, current[0].won_missed) == (2, 2, 1)
    assert (c.total_won, c.total_negative, c.total_open) == (4, 4, 2)
    # Hot from 85 keeps both hot deals (90, 85) and has no false hot: the suggestion. Its warm
    # threshold is the highest that leaves at most 1 deal in nurture: 60 (30 stays nurture).
    assert c.suggestion is not None
    assert (c.suggestion.hot, c.suggestion.false_hots, c.suggestion.won_in_hot) == (85, 0, 2)
    assert c.suggestion.warm == 60 and c.suggestion.won_missed == 1
    # Every row leaves no more deals in nurture than the current pair (that is how rows are chosen)
    assert all(r.won_missed <= 1 for r in c.candidates)
    # rows sorted by hot threshold, descending
    hots = [r.hot for r in c.candidates]
    assert hots == sorted(hots, reverse=True)


def test_no_suggestion_when_current_is_best():
    b = cal.histogram_from_leads([{"score": 90, "outcome": "closed_won"}, {"score": 50, "outcome": "closed_lost"}])
    c = cal.calibrate(b, hot=70, warm=40)
    assert c.suggestion is None


def test_no_outcomes_means_no_suggestion():
    b = cal.histogram_from_leads([{"score": 90}, {"score": 20}])
    c = cal.calibrate(b, hot=70, warm=40)
    assert c.total_won == 0 and c.suggestion is None
    assert c.by_tag["hot"].open == 1


def test_empty_show():
    c = cal.calibrate([], 70, 40)
    assert c.candidates and c.candidates[0].current and c.suggestion is None


def test_suggestion_must_trade_fewer_false_hots_than_deals_lost():
    # raising hot to 80 drops one false hot but also one deal: not worth it, no suggestion
    b = cal.histogram_from_leads([{"score": s, "outcome": o} for s, o in [
        (90, "closed_won"), (85, "closed_won"), (75, "closed_won"), (75, "closed_lost"), (20, "closed_lost")]])
    c = cal.calibrate(b, hot=70, warm=40, keep=0.5)
    assert c.suggestion is None
    # with two false hots at 75 it is worth it: 1 deal for 2 wasted calls
    b2 = cal.histogram_from_leads([{"score": s, "outcome": o} for s, o in [
        (90, "closed_won"), (85, "closed_won"), (75, "closed_won"), (75, "closed_lost"), (72, "discarded"),
        (20, "closed_lost")]])
    c2 = cal.calibrate(b2, hot=70, warm=40, keep=0.5)
    assert c2.suggestion is not None and 75 < c2.suggestion.hot <= 85 and c2.suggestion.false_hots == 0
    assert c2.suggestion.won_in_hot == 2 and c2.suggestion.won_missed == 0


def test_too_few_decided_leads_recommend_nothing():
    """The same outcomes that yield a suggestion (8 decided: 4 won, 4 lost or discarded) recommend
    nothing below the show's minimum of decided leads, and say how many are needed."""
    from central.web.numbers import MIN_DECIDED
    assert MIN_DECIDED == 20
    short = cal.calibrate(buckets(), hot=70, warm=40, step=5, min_decided=MIN_DECIDED)
    assert (short.decided, short.enough, short.suggestion) == (8, False, None)
    assert short.candidates  # the table is still shown: only the recommendation is withheld
    exact = cal.calibrate(buckets(), hot=70, warm=40, step=5, min_decided=8)
    assert exact.enough and exact.suggestion is not None and exact.suggestion.hot == 85
