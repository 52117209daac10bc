"""Races that several server processes make real: one enrollment code used twice at once, the same
new lead sent in two requests at once (a kiosk retrying while the first request is in flight)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from central.models import Lead, LeadVersion
from central_test_support import make_lead


def _parallel(n: int, fn) -> list:  # type: ignore[no-untyped-def]
    results: list = [None] * n
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_code_used_twice_at_once_enrolls_one(db_url):
    from central.db import Database
    from central.devices import enroll, new_enrollment_code
    from central.errors import Forbidden
    from central.migrate import upgrade
    db = Database(db_url)
    upgrade(db)
    code = new_enrollment_code(db, "expo")
    out = _parallel(4, lambda i: enroll(db, code, f"k{i}"))
    assert sum(isinstance(r, dict) for r in out) == 1
    assert sum(isinstance(r, Forbidden) for r in out) == 3, out
    db.dispose()


def test_expired_code_refused(sqlite_url):
    from central.db import Database
    from central.devices import enroll, new_enrollment_code
    from central.errors import Forbidden
    from central.migrate import upgrade
    import pytest
    db = Database(sqlite_url)
    upgrade(db)
    code = new_enrollment_code(db, "expo", ttl_hours=-1)
    with pytest.raises(Forbidden):
        enroll(db, code, "late")


def test_same_new_lead_in_parallel_requests_stored_once(db_url):
    from central.db import Database
    from central.devices import authenticate, enroll, new_enrollment_code
    from central.ingest import ingest_batch
    from central.migrate import upgrade
    from central.settings import Settings
    from central.timeutil import utcnow
    db = Database(db_url)
    upgrade(db)
    creds = enroll(db, new_enrollment_code(db, "expo"), "k")
    with db.begin() as conn:
        device = authenticate(conn, f"Bearer {creds['token']}")
    leads = [make_lead() for _ in range(20)]          # >= 8 rows: the COPY path on PostgreSQL
    out = _parallel(4, lambda i: ingest_batch(db, device, leads, Settings(), now=utcnow()))
    assert not [r for r in out if isinstance(r, Exception)], out
    statuses = sorted(r["status"] for o in out for r in o.results)
    assert statuses.count("stored") == 20 and statuses.count("duplicate") == 60
    with db.begin() as conn:
        assert conn.execute(select(func.count()).select_from(Lead)).scalar() == 20
        assert conn.execute(select(func.count()).select_from(LeadVersion)).scalar() == 20
    db.dispose()
