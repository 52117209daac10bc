"""Issue 14: the two-way merge rules, tested as the table ARCHITECTURE.md states them."""
from __future__ import annotations

import pytest

from sync.merge import merge_records, resolve


def rec(notes="n0", title="t0", override=None, discarded=False, version=1, **answers):
    return {"id": "0b0c6c9e-1111-4222-8333-444455556666", "version": version, "notes": notes,
            "contact": {"first_name": "Ada", "title": title},
            "answers": {"budget": "approved", **answers},
            "score": {"computed_tag": "warm", "override": override, "tag": override or "warm",
                      "discarded": discarded, "discard_reason": "dup" if discarded else None},
            "history": [{"version": version, "changes": {}}]}


# (case, base, kiosk, central, expected merged values, conflicting fields)
TABLE = [
    ("nobody changed", rec(), rec(), rec(), {"notes": "n0"}, []),
    ("only kiosk changed a field", rec(), rec(notes="k"), rec(), {"notes": "k"}, []),
    ("only central changed a field", rec(), rec(), rec(notes="c"), {"notes": "c"}, []),
    ("both made the same change", rec(), rec(notes="x"), rec(notes="x"), {"notes": "x"}, []),
    ("different fields: both survive", rec(), rec(title="CTO"), rec(discarded=True),
     {"contact.title": "CTO", "score.discarded": True, "score.discard_reason": "dup"}, []),
    ("same field, different values: conflict, central's in place", rec(), rec(notes="k"), rec(notes="c"),
     {"notes": "c"}, ["notes"]),
    ("tag override vs discard: both survive, tag follows override", rec(), rec(override="hot"),
     rec(discarded=True), {"score.override": "hot", "score.tag": "hot", "score.discarded": True}, []),
    ("both overrode the tag differently", rec(), rec(override="hot"), rec(override="nurture"),
     {"score.override": "nurture", "score.tag": "nurture"}, ["score.override"]),
    ("answer added on the kiosk", rec(), rec(timing="now"), rec(notes="c"), {"answers.timing": "now", "notes": "c"}, []),
    ("no common base known: differing fields conflict", None, rec(notes="k"), rec(notes="c"),
     {"notes": "c"}, ["notes"]),
]


def test_a_change_undone_on_one_side_still_counts():
    """central set the title away and back (ABA): its history says so, so the kiosk's edit of the
    same field is a conflict, not silently taken."""
    from sync.merge import touched
    central = rec(version=3)
    central["history"] = [{"version": 2, "changes": {"contact.title": {"old": "t0", "new": "x"}}},
                          {"version": 3, "changes": {"contact.title": {"old": "x", "new": "t0"}}}]
    merged, new = merge_records(rec(), rec(title="CEO"), central, at="t",
                                kiosk_touched={"contact.title"}, central_touched=touched(central["history"], 1))
    assert [c["field"] for c in new] == ["contact.title"] and merged["contact"]["title"] == "t0"


def _get(record, path):
    cur = record
    for p in path.split("."):
        cur = cur[p]
    return cur


@pytest.mark.parametrize("case,base,kiosk,central,expect,conflicting", TABLE, ids=[t[0] for t in TABLE])
def test_merge_table(case, base, kiosk, central, expect, conflicting):
    merged, new = merge_records(base, kiosk, central, at="2026-11-22T10:00:00Z")
    for path, value in expect.items():
        assert _get(merged, path) == value, (case, path)
    assert sorted(c["field"] for c in new) == sorted(conflicting)
    assert sorted(c["field"] for c in merged.get("conflicts", [])) == sorted(conflicting)
    for c in new:   # both values kept
        assert c["kiosk"] == _get(kiosk, c["field"]) and c["central"] == _get(central, c["field"])


def test_a_person_picking_settles_the_conflict():
    merged, _ = merge_records(rec(), rec(notes="k"), rec(notes="c"), at="t")
    merged["notes"] = "k"
    resolve(merged, ["notes"])
    assert "conflicts" not in merged


def test_conflicts_survive_a_later_merge_until_settled():
    merged, _ = merge_records(rec(), rec(notes="k"), rec(notes="c", version=3), at="t")
    again, new = merge_records(merged, dict(merged, version=5, contact={"first_name": "Ada", "title": "Dr"}),
                               merged, at="t2")
    assert new == [] and [c["field"] for c in again["conflicts"]] == ["notes"]
