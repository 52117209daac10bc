"""Issue 14, case 6 (ingest): central validates every lead deeply and rejects a bad one alone,
with a reason naming the field; a body it cannot parse is a 400, never a 500."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from central.models import Lead


def _nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def _bad_leads(lead):  # type: ignore[no-untyped-def]
    """(mutated lead, the field its rejection reason must name)"""
    out = []
    x = lead(version=2)
    x["history"] = [{"version": 2, "at": x["captured_at"], "actor": "Ana", "changes": "notes changed"}]
    out.append((x, "history[0].changes"))
    x = lead(version=2)
    x["history"].append({"version": 7, "at": x["captured_at"], "actor": "Ana", "changes": {}})
    out.append((x, "history[1].version"))
    x = lead()
    x["answers"]["budget"] = 3                       # single-choice question answered with a number
    out.append((x, "answers.budget"))
    x = lead()
    x["merged_from"] = [1, 2]
    out.append((x, "merged_from"))
    x = lead()
    x["answers"]["notes_deep"] = _nested(900)        # parseable, but no real record is this deep
    out.append((x, "nested"))
    x = lead()
    x["history"] = [{"version": 1, "at": x["captured_at"], "actor": ["x"], "changes": {}}]
    out.append((x, "history[0].actor"))
    x = lead()
    x["consent"] = "yes"
    out.append((x, "consent"))
    x = lead()
    x["outcome"] = 5
    out.append((x, "outcome"))
    return out


def test_each_bad_lead_is_rejected_alone_with_the_field_named(client, enroll, lead):
    k = enroll()
    bad = _bad_leads(lead)
    good = lead()
    res = k.send(good, *[b for b, _ in bad])
    assert res[0]["status"] == "stored"
    for (b, field), r in zip(bad, res[1:]):
        assert r["status"] == "rejected", (field, r)
        assert field in (r["reason"] or ""), (field, r)
        assert r["id"] == b["id"]
    with client.app.state.db.begin() as conn:
        assert conn.execute(select(func.count()).select_from(Lead)).scalar() == 1


def test_real_history_and_answers_still_pass(client, enroll, lead):
    k = enroll()
    x = lead(version=3)
    x["answers"].update(budget="approved", product_interest=["crm_sync", "analytics"], consent=True)
    x["merged_from"] = ["0b0c6c9e-1111-4222-8333-444455556666"]
    x["history"].append({"version": 3, "at": x["captured_at"], "actor": "Ana",
                         "changes": {"score": {"old": {"tag": "warm"}, "new": {"tag": "hot"}}}})
    assert k.send(x)[0]["status"] == "stored"


@pytest.mark.parametrize("depth", [1000, 5000, 200_000])
def test_an_unparseably_deep_batch_is_a_400_not_a_500(client, enroll, lead, depth):
    k = enroll()
    x = lead()
    body = json.dumps({"leads": [x]})
    # splice a deep array into the answers without asking json.dumps to recurse that far
    deep = "[" * depth + "1" + "]" * depth
    body = body.replace('"follow_up": "call"', '"follow_up": ' + deep)
    r = k.signed("/api/v1/leads:batch", None, raw=body.encode())
    assert r.status_code in (400, 200), r.text[:300]
    if r.status_code == 200:
        assert r.json()["results"][0]["status"] == "rejected"
    else:
        assert "JSON" in r.json()["detail"] or "nested" in r.json()["detail"]
