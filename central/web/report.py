"""Feedback report arithmetic: the numbers for the post-show feedback session.

Pure. The lead counts (tags, fates, revenue) come from ``numbers`` (the one definition every page
uses); this module adds the cost figures and the answer table, which counts the answer index's
``(question, value, status, n)`` rows. An answer's *lift* (its win rate / the show's) is only
given when both have at least ``numbers.MIN_DECIDED`` decided leads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from central.web import numbers as nb


@dataclass
class Tally:
    """Lead counts split by fate; the unit every row of the report is made of."""

    leads: int = 0
    won: int = 0
    lost: int = 0
    sales_discarded: int = 0
    review_discarded: int = 0
    active: int = 0
    no_outcome: int = 0

    def add(self, status: str | None, discarded: bool, n: int) -> None:
        self.leads += n
        if discarded:
            self.review_discarded += n
        if status == "closed_won":
            self.won += n
        elif status == "closed_lost":
            self.lost += n
        elif status == "discarded":
            if not discarded:
                self.sales_discarded += n
        elif status == "active":
            self.active += n
        elif not discarded:
            self.no_outcome += n

    def merge(self, other: "Tally") -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def discarded(self) -> int:
        return self.review_discarded + self.sales_discarded

    @property
    def conversion(self) -> float | None:
        return self.won / self.leads if self.leads else None

    @property
    def decided(self) -> int:
        return self.won + self.lost + self.sales_discarded

    @property
    def win_rate(self) -> float | None:
        return self.won / self.decided if self.decided else None


@dataclass
class AnswerRow:
    """One answer option of one qualifier and how its leads ended."""

    question_id: str
    question: str
    value: str
    label: str
    tally: Tally
    lift: float | None = None

    @property
    def interval(self) -> tuple[float, float] | None:
        return nb.wilson(self.tally.won, self.tally.decided)


@dataclass
class Question:
    """What the report needs to know about a qualifier: its label and its options in form order."""

    id: str
    label: str
    options: Sequence[tuple[str, str]] = ()


@dataclass
class FeedbackReport:
    """Everything the feedback page shows for one show (or several combined)."""

    numbers: nb.ShowNumbers
    cost: float | None
    answers: dict[str, list[AnswerRow]] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    cost_base: tuple[int, int] | None = None  # (leads, won) of the shows with a cost, when combined

    @property
    def total(self) -> nb.Count:
        return self.numbers.total

    @property
    def by_tag(self) -> dict[str, nb.Count]:
        return self.numbers.by_tag

    @property
    def qualified(self) -> int:
        return self.numbers.qualified

    @property
    def cost_per_lead(self) -> float | None:
        n = self.cost_base[0] if self.cost_base else self.total.leads
        return self.cost / n if self.cost is not None and n else None

    @property
    def cost_per_deal(self) -> float | None:
        n = self.cost_base[1] if self.cost_base else self.total.won
        return self.cost / n if self.cost is not None and n else None

    @property
    def cost_per_revenue(self) -> float | None:
        r = float(self.total.revenue)
        return self.cost / r if self.cost is not None and r else None


def build_report(numbers: nb.ShowNumbers, cost: float | None = None,
                 answer_rows: Iterable[tuple[str, str, str | None, int]] = (),
                 questions: Sequence[Question] = ()) -> FeedbackReport:
    """The report of a show from its numbers and ``(qid, value, status, n)`` answer rows."""
    rep = FeedbackReport(numbers, cost)
    rep.questions = list(questions)
    total = numbers.total
    rep.answers = answer_table(answer_rows, questions, total.win_rate if total.enough else None)
    return rep


def answer_table(rows: Iterable[tuple[str, str, str | None, int]], questions: Sequence[Question],
                 overall_win_rate: float | None) -> dict[str, list[AnswerRow]]:
    """Per qualifier, per answer: leads, deals, win rate and lift; options in the form's order."""
    tallies: dict[tuple[str, str], Tally] = {}
    for qid, value, status, n in rows:
        tallies.setdefault((qid, str(value)), Tally()).add(status, False, int(n))
    out: dict[str, list[AnswerRow]] = {}
    for q in questions:
        opts = list(q.options) or sorted({(v, v) for (qid, v) in tallies if qid == q.id})
        known = {o for o, _ in opts}
        extra = sorted(v for (qid, v) in tallies if qid == q.id and v not in known)
        rows_q = []
        for value, label in list(opts) + [(v, v) for v in extra]:
            t = tallies.get((q.id, value), Tally())
            lift = (t.win_rate / overall_win_rate
                    if t.win_rate is not None and overall_win_rate and t.decided >= nb.MIN_DECIDED else None)
            rows_q.append(AnswerRow(q.id, q.label, value, label, t, lift))
        out[q.id] = rows_q
    return out


def combine(reports: Sequence[FeedbackReport]) -> FeedbackReport:
    """Across shows: counts add up; cost figures use only the shows whose cost was entered."""
    by_tag = {t: nb.Count() for t in nb.TAGS}
    by_computed = {t: nb.Count() for t in nb.TAGS}
    dac_by_tag = {t: 0 for t in nb.TAGS}
    dac = cost_leads = cost_won = 0
    cost: float | None = None
    for r in reports:
        for t in nb.TAGS:
            by_tag[t].merge(r.numbers.by_tag[t])
            by_computed[t].merge(r.numbers.by_computed_tag[t])
            dac_by_tag[t] += r.numbers.discarded_at_capture_by_tag[t]
        dac += r.numbers.discarded_at_capture
        if r.cost is not None:
            cost = (cost or 0.0) + r.cost
            cost_leads += r.total.leads
            cost_won += r.total.won
    return FeedbackReport(nb.ShowNumbers(by_tag, by_computed, dac, dac_by_tag), cost,
                          cost_base=(cost_leads, cost_won))
