"""Feedback report arithmetic: the numbers for the post-show feedback session.

Pure: it takes the aggregate counts SQL returns (one GROUP BY each), so the report over 100,000
leads costs two small queries plus this arithmetic. Definitions, kept in one place so the page,
the export and the tests agree:

- *qualified*: hot or warm and not discarded at review;
- *closed*: an outcome of ``closed_won`` or ``closed_lost``; a *deal* is ``closed_won``;
- *discarded*: discarded at review, or reported ``discarded`` by sales;
- *conversion rate* of a tag: deals / leads of that tag (every lead counts, no outcome = no deal);
- *win rate*: deals / (deals + closed_lost + sales-discarded): among leads whose fate is known;
- *lift* of an answer: its win rate / the overall win rate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from sync.record.fields import OUTCOME_STATUSES as STATUSES
from sync.record.fields import TAGS


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


@dataclass
class Question:
    """What the report needs to know about a qualifier: its label and its options in form order."""

    id: str
    label: str
    options: Sequence[tuple[str, str]] = ()


@dataclass
class FeedbackReport:
    """Everything the feedback page shows for one show (or several combined)."""

    total: Tally
    by_tag: dict[str, Tally]
    qualified: int
    cost: float | None
    cost_leads: int
    cost_won: int
    answers: dict[str, list[AnswerRow]] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)

    @property
    def cost_per_lead(self) -> float | None:
        return self.cost / self.cost_leads if self.cost is not None and self.cost_leads else None

    @property
    def cost_per_deal(self) -> float | None:
        return self.cost / self.cost_won if self.cost is not None and self.cost_won else None


def build_report(tag_rows: Iterable[tuple[str | None, bool, str | None, int]],
                 cost: float | None = None,
                 answer_rows: Iterable[tuple[str, str, str | None, int]] = (),
                 questions: Sequence[Question] = ()) -> FeedbackReport:
    """Make the report from ``(tag, discarded, outcome_status, n)`` and ``(qid, value, status, n)`` rows."""
    total = Tally()
    by_tag = {t: Tally() for t in TAGS}
    qualified = 0
    for tag, discarded, status, n in tag_rows:
        n = int(n)
        total.add(status, bool(discarded), n)
        by_tag.setdefault(tag or "nurture", Tally()).add(status, bool(discarded), n)
        if tag in ("hot", "warm") and not discarded:
            qualified += n
    rep = FeedbackReport(total, by_tag, qualified, cost,
                         total.leads if cost is not None else 0, total.won if cost is not None else 0)
    rep.questions = list(questions)
    rep.answers = answer_table(answer_rows, questions, total.win_rate)
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
                    if t.win_rate is not None and overall_win_rate else None)
            rows_q.append(AnswerRow(q.id, q.label, value, label, t, lift))
        out[q.id] = rows_q
    return out


def combine(reports: Sequence[FeedbackReport]) -> FeedbackReport:
    """Across shows: counts add up; cost figures use only the shows whose cost was entered."""
    total = Tally()
    by_tag = {t: Tally() for t in TAGS}
    qualified = 0
    cost: float | None = None
    cost_leads = cost_won = 0
    for r in reports:
        total.merge(r.total)
        for t, tally in r.by_tag.items():
            by_tag.setdefault(t, Tally()).merge(tally)
        qualified += r.qualified
        if r.cost is not None:
            cost = (cost or 0.0) + r.cost
            cost_leads += r.cost_leads
            cost_won += r.cost_won
    return FeedbackReport(total, by_tag, qualified, cost, cost_leads, cost_won)
