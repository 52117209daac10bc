"""Issue 17 items 11 and 13: the folded search key (``leads.search_text``, central/search.py) and the
duplicate keys (``email_key``, ``name_key``) are right after
every write path (kiosk ingest, a kiosk update merged with a central edit, a review edit, a merge,
a kiosk update that empties the contact), on SQLite and PostgreSQL; and the migration fills it in
and indexes it on a database made before it existed."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import select

from central.db import Database
from central.migrate import head_revisions, upgrade
from central.models import Lead

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def _found(db, term: str, show: str = "expo") -> set[str]:  # type: ignore[no-untyped-def]
    """The ids a lead-table search for ``term`` shows (its count agrees)."""
    from central.web.leadquery import LeadFilter, count_query, page_query
    f = LeadFilter.parse(show, {"q": term, "discarded": "all", "per_page": "500"})
    with db.engine.connect() as c:
        ids = {r.id for r in c.execute(page_query(f))}
        assert c.execute(count_query(f)).scalar() == len(ids)
    return ids


def _keys_agree(db) -> int:  # type: ignore[no-untyped-def]
    """Every lead's stored search and duplicate keys are what its contact columns give now."""
    from central.search import keys_of
    with db.engine.connect() as c:
        rows = c.execute(select(Lead.first_name, Lead.last_name, Lead.company, Lead.email, Lead.search_text,
                                Lead.email_key, Lead.name_key)).all()
    for r in rows:
        assert keys_of(r._asdict()) == {"search_text": r.search_text, "email_key": r.email_key,
                                        "name_key": r.name_key}, r
    return len(rows)


def _v(rec, version: int, **contact):  # type: ignore[no-untyped-def]
    """The kiosk's next version of ``rec`` with these contact fields."""
    out = {**rec, "version": version, "base_version": rec["version"], "contact": {**rec["contact"], **contact}}
    out["history"] = rec["history"] + [{"version": version, "at": rec["captured_at"], "actor": "Ana",
                                        "changes": {f"contact.{k}": {"old": None, "new": v} for k, v in contact.items()}}]
    return out


def test_every_write_path_keeps_the_key(client, enroll, lead):
    from central.web import leadedit
    db = client.app.state.db
    k = enroll()
    a = lead()
    a["contact"] = {**a["contact"], "first_name": "Jürgen", "last_name": "Müller", "company": "Müller & Söhne"}
    b = lead()
    b["contact"] = {**b["contact"], "first_name": "Ayşe", "last_name": "Öztürk", "company": "Öztürk A.Ş."}
    assert [r["status"] for r in k.send(a, b)] == ["stored", "stored"]
    assert _found(db, "MULLER sohne") == {a["id"]} and _found(db, "öztürk") == {b["id"]}     # ingest

    a2 = _v(a, 2, last_name="García", company="Talleres")                                                       # kiosk update
    assert k.send(a2)[0]["status"] == "stored"
    assert _found(db, "muller") == set() and _found(db, "garcia") == {a["id"]}

    with db.session(write=True) as s:                                                         # review edit
        leadedit.edit_contact(s, a["id"], {"last_name": "Fernández"}, actor="t", source="web", now=NOW)
    assert _found(db, "garcia") == set() and _found(db, "FERNANDEZ") == {a["id"]}

    a3 = _v(a2, 3, company="Ødegård ApS")          # the kiosk never saw central's edit: merged field by field
    assert k.send(a3)[0]["status"] == "merged"
    assert _found(db, "odegard fernandez") == {a["id"]}

    with db.session(write=True) as s:                                                         # merge
        leadedit.merge(s, b["id"], a["id"], actor="t", source="web", now=NOW, picks={"last_name": "other"})
    assert _found(db, "odegard") == set()                      # the merged lead is hidden
    assert _found(db, "fernandez") == {b["id"]}                # the kept lead took the picked name
    assert _found(db, "ayse") == {b["id"]}
    assert _keys_agree(db) == 2


def test_an_emptied_contact_is_not_findable(client, enroll, lead):
    """When the kiosk sends a lead again without its personal data (the visitor asked to be
    forgotten), the search key keeps none of it."""
    db = client.app.state.db
    k = enroll()
    a = lead(email_="lena.schroder@example.com")
    a["contact"] = {**a["contact"], "first_name": "Lena", "last_name": "Schröder", "company": "Schröder KG"}
    k.send(a)
    assert _found(db, "schroder") == {a["id"]}
    k.send(_v(a, 2, first_name=None, last_name=None, company=None, email=None))
    assert _found(db, "schroder") == set() and _found(db, "lena") == set()
    with db.engine.connect() as c:
        gone = c.execute(select(Lead.search_text, Lead.email_key, Lead.name_key).where(Lead.id == a["id"])).one()
    assert tuple(gone) == (None, None, None)


def test_migration_fills_and_indexes_the_key(db_url):
    """A database from before the search key (0001_core) gets it filled for its leads and the
    index of its dialect (SQLite: covering; PostgreSQL: pg_trgm), and search finds them."""
    from central.search import DIALECT_INDEXES
    db = Database(db_url)
    upgrade(db, "0001_core")
    leads = sa.table("leads", *(sa.column(c) for c in (
        "id", "show_id", "device_id", "version", "captured_at", "captured_at_corrected", "clock_method", "tag",
        "discarded", "record_json", "received_at", "updated_at", "first_name", "last_name", "company", "email")))
    rows = [{"id": f"00000000-0000-4000-8000-00000000000{i}", "show_id": "expo", "device_id": "d1", "version": 1,
             "captured_at": NOW, "captured_at_corrected": NOW, "clock_method": "synchronised", "tag": "warm",
             "discarded": False, "record_json": "{}", "received_at": NOW, "updated_at": NOW,
             "first_name": first, "last_name": last, "company": company, "email": None}
            for i, (first, last, company) in enumerate([("Søren", "Ødegård", "Ærø ApS"), ("Lucía", "García", None)])]
    with db.engine.begin() as c:
        c.execute(sa.insert(leads), rows)
    assert set(upgrade(db)) == set(head_revisions())
    with db.engine.connect() as c:
        keys = dict(c.execute(select(Lead.last_name, Lead.search_text)).all())
        indexes = {ix["name"] for ix in sa.inspect(c).get_indexes("leads")}
    assert keys == {"Ødegård": "soren odegard aero aps", "García": "lucia garcia"}
    assert _keys_agree(db) == 2                                 # the duplicate keys too (0007)
    assert set(DIALECT_INDEXES[db.dialect]) <= indexes and "ix_leads_show_search" not in indexes
    assert _found(db, "ODEGARD") == {rows[0]["id"]} and _found(db, "garcía") == {rows[1]["id"]}
    db.dispose()


def test_sqlite_search_reads_the_narrow_index(sqlite_url):
    """The count and the page of a search scan the covering index, not the leads' fat rows (what
    keeps "search all" within the bench's 300 ms at 100,000 leads)."""
    from central.web.leadquery import LeadFilter, _order, count_query, where_clause
    db = Database(sqlite_url)
    upgrade(db)
    f = LeadFilter.parse("expo", {"q": "müller"})
    page_ids = select(Lead.id).where(*where_clause(f)).order_by(*_order(f)).limit(50)
    with db.engine.connect() as c:
        for q in (count_query(f), page_ids):
            sql = q.compile(dialect=db.engine.dialect)
            args = tuple(sql.params[k] for k in sql.positiontup or ())
            plan = " ".join(r[3] for r in c.exec_driver_sql("EXPLAIN QUERY PLAN " + str(sql), args))
            assert "COVERING INDEX ix_leads_live_search" in plan, plan
            assert "TEMP B-TREE" not in plan, plan              # walked in the page's order, not sorted
    db.dispose()
