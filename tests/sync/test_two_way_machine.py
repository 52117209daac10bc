"""Issue 14: a hypothesis state machine over random interleavings of kiosk edits, central edits,
syncs with lost requests and lost responses. The real pieces: the kiosk store, SyncWorker and
CentralTransport, the central app (FastAPI, SQLite) and its review-app edit functions; only the
wire is an in-process adapter that can lose a request or its answer.

At the end (after two reliable syncs) kiosk and central agree, and every side's last write to a
field that the other side did not knowingly overwrite is the final value or one of the values of
a visible conflict for that field. Bounded for CI: few examples, few steps, no deadline per step
(a whole run stays well under a minute)."""
from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

pytest.importorskip("fastapi")

from sync.errors import TransientError  # noqa: E402
from sync.http import HttpResponse  # noqa: E402

FIELDS = {"notes": ("notes",), "title": ("contact", "title"), "tag": ("score", "override")}
VALUES = {"notes": ["n1", "n2", "n3"], "title": ["CEO", "CTO", "VP"], "tag": ["hot", "warm", "nurture"]}


class Wire:
    """HttpClient's interface over the app's TestClient; ``mode`` loses requests or answers."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.mode = "ok"

    def request(self, method: str, url: str, *, body: bytes | None = None, headers: Any = None,
                params: Any = None, form: Any = None) -> HttpResponse:
        if self.mode == "lose_request":
            raise TransientError(f"{url}: connection reset (request lost)")
        path = "/" + url.split("/", 3)[3]
        r = self.client.request(method, path, content=body, headers=dict(headers or {}), params=params)
        if self.mode == "lose_response":
            raise TransientError(f"{url}: timed out (answer lost)")
        return HttpResponse(status=r.status_code, headers=r.headers, body=r.content, url=url)

    def close(self) -> None:
        pass


def _value(rec: dict, field: str) -> Any:
    cur: Any = rec
    for p in FIELDS[field]:
        cur = (cur or {}).get(p)
    return cur


class TwoWay(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        from fastapi.testclient import TestClient

        from central.app import create_app
        from central.devices import new_enrollment_code
        from kiosk.store import MemoryLeadStore
        from sync.enrollment import CentralCredentials
        from tests.support.records import make_lead
        from sync.transports.central import CentralTransport
        from sync.worker import SyncWorker
        self.tmp = tempfile.TemporaryDirectory()
        self.app = create_app(f"sqlite:///{Path(self.tmp.name) / 'c.db'}", web=False)
        self.http = TestClient(self.app)
        d = self.http.post("/api/v1/enroll", json={"code": new_enrollment_code(self.app.state.db, "demo")}).json()
        self.wire = Wire(self.http)
        creds = CentralCredentials(url="http://central", device_id=d["device_id"], token=d["token"],
                                   signing_secret=d["signing_secret"], show_id="demo")
        self.store = MemoryLeadStore()
        self.lead = self.store.save(make_lead(1))
        self.worker = SyncWorker(self.store, [CentralTransport(creds, client=self.wire)])
        self.worker.pull_interval_s = 0.0
        self.sync("ok")
        assert self.central()["version"] == 1
        # per field and side: the last write (value, that side's write counter), and what each
        # side has seen of the other's writes (counters)
        self.last: dict[tuple[str, str], tuple[Any, int]] = {}
        self.count = {"kiosk": 0, "central": 0}
        self.seen = {"kiosk": 0, "central": 0}     # seen[x] = the other side's counter x has seen
        self.overwritten: set[tuple[str, str, int]] = set()

    def teardown(self) -> None:
        self.worker.stop(timeout=1)
        self.http.close()
        self.app.state.db.dispose()
        self.tmp.cleanup()

    def central(self) -> dict:
        from sqlalchemy import select

        from central.models import Lead
        with self.app.state.db.begin() as conn:
            return conn.execute(select(Lead.record_json).where(Lead.id == self.lead["id"])).scalar()

    def _write(self, side: str, field: str, value: Any) -> None:
        other = "central" if side == "kiosk" else "kiosk"
        prev = self.last.get((other, field))
        if prev is not None and prev[1] <= self.seen[side]:
            self.overwritten.add((other, field, prev[1]))   # knowingly replaced
        self.count[side] += 1
        self.last[(side, field)] = (value, self.count[side])

    @rule(field=st.sampled_from(sorted(FIELDS)), data=st.data())
    def kiosk_edit(self, field: str, data: Any) -> None:
        value = data.draw(st.sampled_from(VALUES[field]))
        change: dict = {"notes": value} if field == "notes" else (
            {"contact": {"title": value}} if field == "title" else {"score": {"override": value}})
        before = self.store.get(self.lead["id"])
        if _value(before, field) == value:
            return
        self.store.edit(self.lead["id"], change, actor="Ana")
        self._write("kiosk", field, value)

    @rule(field=st.sampled_from(sorted(FIELDS)), data=st.data())
    def central_edit(self, field: str, data: Any) -> None:
        from central.web import leadedit
        value = data.draw(st.sampled_from(VALUES[field]))
        if _value(self.central(), field) == value:
            return
        now = datetime.now(timezone.utc)
        with self.app.state.db.session(write=True) as s:
            if field == "notes":
                leadedit.set_notes(s, self.lead["id"], value, actor="fm", source="web", now=now)
            elif field == "title":
                leadedit.edit_contact(s, self.lead["id"], {"title": value}, actor="fm", source="web", now=now)
            else:
                leadedit.apply_changes(s, leadedit.load_lead(s, self.lead["id"]),
                                       {"score.override": value, "score.tag": value}, actor="fm", source="web", now=now)
        self._write("central", field, value)

    @rule(mode=st.sampled_from(["ok", "ok", "lose_request", "lose_response"]))
    def sync(self, mode: str) -> None:
        self.wire.mode = mode
        kiosk_count, central_count = getattr(self, "count", {"kiosk": 0, "central": 0}).values()
        for lane in self.worker.lanes.values():
            lane.next_attempt_mono = 0.0
            lane.last_pull_at = 0.0
        self.worker.run_once(max_wait_s=0.5, max_attempts=1)
        self.wire.mode = "ok"
        if hasattr(self, "seen"):
            if mode != "lose_request":
                self.seen["central"] = kiosk_count      # central got the kiosk's version
            if mode == "ok":
                self.seen["kiosk"] = central_count      # the kiosk got central's answer / pull

    @invariant()
    def versions_never_go_back(self) -> None:
        if hasattr(self, "store"):
            assert self.store.get(self.lead["id"])["version"] >= 1

    def check_end(self) -> None:
        for _ in range(3):
            self.sync("ok")
        kiosk, central = self.store.get(self.lead["id"]), self.central()
        for field in FIELDS:
            assert _value(kiosk, field) == _value(central, field), (field, kiosk, central)
        assert (kiosk.get("conflicts") or []) == (central.get("conflicts") or [])
        for (side, field), (value, n) in self.last.items():
            if (side, field, n) in self.overwritten:
                continue
            final = _value(central, field)
            conflict_values = {repr(c.get(k)) for c in central.get("conflicts") or []
                               if c.get("field") == ".".join(FIELDS[field]) for k in ("kiosk", "central")}
            assert final == value or repr(value) in conflict_values, (side, field, value, central)


class Checked(TwoWay):
    def teardown(self) -> None:
        try:
            self.check_end()
        finally:
            super().teardown()


Checked.TestCase.settings = settings(max_examples=12, stateful_step_count=10, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_two_way_state_machine = pytest.mark.slow(Checked.TestCase)
