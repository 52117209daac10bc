"""Issue 14: ``GET /api/v1/leads:updates`` loses nothing. Rows sharing one ``updated_at`` across a
page boundary all arrive, exactly once; a row stamped before a pull's mark was computed but
committed after it still arrives on the next pull (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import update

from central.models import Lead


def _central_edit(db: Any, lead_id: str, notes: str) -> None:
    from central.web import leadedit
    with db.session(write=True) as s:
        leadedit.set_notes(s, lead_id, notes, actor="fm@example.com", source="web", now=datetime.now(timezone.utc))


def _stamp(db: Any, ids: list[str], at: datetime) -> None:
    with db.begin() as conn:
        conn.execute(update(Lead).where(Lead.id.in_(ids)).values(updated_at=at))


def _pull(k: Any, since: str | None, limit: int = 3) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if since is not None:
        params["since"] = since
    r = k.client.get("/api/v1/leads:updates", params=params, headers={"Authorization": f"Bearer {k.token}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_rows_sharing_one_timestamp_over_the_page_limit_all_arrive_once(client, enroll, lead) -> None:  # type: ignore[no-untyped-def]
    db = client.app.state.db
    k = enroll()
    leads = [lead() for _ in range(8)]
    assert {r["status"] for r in k.send(*leads)} == {"stored"}
    ids = [x["id"] for x in leads]
    for i in ids:
        _central_edit(db, i, "central: same instant")
    _stamp(db, ids, datetime.now(timezone.utc) - timedelta(minutes=10))   # one instant, long settled

    got: list[str] = []
    since, pages = None, 0
    while pages < 10:                       # bounded: 8 leads at 3 a page is 3 pages
        page = _pull(k, since)
        pages += 1
        got += [r["id"] for r in page["leads"]]
        since = page["until"]
        if not page["more"]:
            break
    assert sorted(got) == sorted(ids) and len(got) == len(ids), (pages, got)
    assert pages == 3
    assert _pull(k, since)["leads"] == []   # and nothing again afterwards


def test_a_row_committed_after_the_mark_was_computed_arrives_next_pull(client, enroll, lead) -> None:  # type: ignore[no-untyped-def]
    db = client.app.state.db
    k = enroll()
    late = lead()
    assert k.send(late)[0]["status"] == "stored"
    stamped = datetime.now(timezone.utc)    # the edit's transaction takes its time here ...
    first = _pull(k, None)                  # ... a pull runs and computes its mark ...
    assert first["leads"] == [] and not first["more"]
    _central_edit(db, late["id"], "central: committed late")   # ... then the edit commits
    _stamp(db, [late["id"]], stamped)
    second = _pull(k, first["until"])
    assert [r["id"] for r in second["leads"]] == [late["id"]]
    assert second["leads"][0]["notes"] == "central: committed late"


def test_a_mark_from_an_older_central_and_a_bad_mark(client, enroll, lead) -> None:  # type: ignore[no-untyped-def]
    db = client.app.state.db
    k = enroll()
    x = lead()
    k.send(x)
    _central_edit(db, x["id"], "central: edit")
    _stamp(db, [x["id"]], datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    assert [r["id"] for r in _pull(k, "2026-01-02T03:04:04.000Z")["leads"]] == [x["id"]]   # plain time: after it
    assert _pull(k, "2026-01-02T03:04:05.000Z")["leads"] == []
    r = k.client.get("/api/v1/leads:updates", params={"since": "2026-01-02T03:04:05Z#"},
                     headers={"Authorization": f"Bearer {k.token}"})
    assert r.status_code == 400 and "lead id" in r.text
