"""Issue 14, case 6 (review): whatever a buggy or hostile device managed to store (or an older
central accepted before ingest validated deeply), the review pages render it without a 500."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import select, update

from central.models import Lead

HOSTILE = [
    ("history", [{"version": 2, "at": "2026-11-22T10:00:00Z", "actor": "x", "changes": "not an object"}]),
    ("history", [{"version": 99, "at": 12345, "actor": ["a"], "changes": {"notes": "flat value"}}]),
    ("history", "not a list"),
    ("history", [None, 3, "x"]),
    ("answers", {"budget": 3, "timing": {"a": 1}, "product_interest": 7, "follow_up": [None, {}]}),
    ("answers", ["not", "a", "dict"]),
    ("merged_from", [1, 2]),
    ("merged_from", "0b0c6c9e"),
    ("contact", "Grace"),
    ("contact", {"first_name": 5, "last_name": ["x"], "company": {"a": 1}, "email": None}),
    ("score", ["hot"]),
    ("score", {"reasons": "not a list", "tag": 3}),
    ("consent", "yes"),
    ("notes", {"a": 1}),
    ("outcome", 7),
]


@pytest.mark.parametrize("key,value", HOSTILE, ids=[f"{k}-{i}" for i, (k, _) in enumerate(HOSTILE)])
def test_lead_page_renders_any_stored_record(app, as_marketer, key, value):
    db = app.state.db
    with db.begin() as conn:
        lead_id, record = conn.execute(select(Lead.id, Lead.record_json).limit(1)).one()
    record = copy.deepcopy(record)
    record[key] = value
    with db.write() as conn:
        conn.execute(update(Lead).where(Lead.id == lead_id).values(record_json=record))
    page = as_marketer.get(f"/leads/{lead_id}")
    assert page.status_code == 200, page.text[:800]
    assert lead_id in page.text


def test_lead_page_renders_a_record_that_is_not_an_object(app, as_marketer):
    db = app.state.db
    with db.begin() as conn:
        lead_id = conn.execute(select(Lead.id).limit(1)).scalar()
    with db.write() as conn:
        conn.execute(update(Lead).where(Lead.id == lead_id).values(record_json=["garbage"]))
    assert as_marketer.get(f"/leads/{lead_id}").status_code == 200
    # and the show's list still renders
    with db.begin() as conn:
        show_id = conn.execute(select(Lead.show_id).where(Lead.id == lead_id)).scalar()
    assert as_marketer.get(f"/shows/{show_id}/leads").status_code == 200
