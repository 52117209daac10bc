"""Issue 14: where the pull of central's edits got to survives a restart of the kiosk. The real
central (`leadkiosk central serve`), the real wiring (`kiosk.sync_wiring.build_worker`) and the real
durable store; the worker is stopped and a new one built over a reopened store between pulls.
What each pull brought is recorded by wrapping the real transport's ``pull_updates``."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from kiosk.cli import main  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from kiosk.sync_wiring import build_worker  # noqa: E402
from sync.testing.central_process import RealCentral  # noqa: E402
from tests.support.records import make_lead  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def pair(tmp_path: Path):  # type: ignore[no-untyped-def]
    central = RealCentral(tmp_path / "central.db")
    code = central.cli("enroll-code", "--show", "demo").strip().split()[-1]
    central.start()
    data = tmp_path / "kiosk"
    assert main(["enroll", central.url, code, "--data", str(data)]) == 0
    from central.db import Database
    db = Database(f"sqlite:///{tmp_path / 'central.db'}")
    yield data, db
    db.dispose()
    central.stop()


def _edit_notes(db: Any, lead_id: str, notes: str) -> None:
    from central.web import leadedit
    with db.session(write=True) as s:
        leadedit.set_notes(s, lead_id, notes, actor="fm@example.com", source="web", now=datetime.now(timezone.utc))


class Kiosk:
    """One run of the kiosk's sync: store opened, worker built as bootstrap does, every pull's
    records and ``since`` recorded; ``close`` is the restart."""

    def __init__(self, data: Path) -> None:
        self.store = open_store(data)
        worker = build_worker(data, self.store, heartbeat_interval_s=3600, config_interval_s=3600)
        assert worker is not None
        self.worker = worker
        worker.pull_interval_s = 0.0      # pull at every run_once, not every 30 s
        transport = worker.lanes["central"].transport
        real = transport.pull_updates
        self.pulls: list[tuple[str | None, list[str]]] = []

        def spy(since: str | None = None, everything: bool = False) -> tuple[list[dict], str | None]:
            records, until = real(since, everything)
            if not everything:
                self.pulls.append((since, [(r["id"], r["version"]) for r in records]))
            return records, until
        transport.pull_updates = spy  # type: ignore[method-assign]

    def sync(self) -> list[tuple[str, int]]:
        """One ``sync --once`` round; the lead versions central's edits pull brought."""
        before = len(self.pulls)
        st = self.worker.run_once(max_wait_s=30)
        assert st["destinations"]["central"]["pending"] == 0, st
        assert len(self.pulls) == before + 1, self.pulls
        return self.pulls[-1][1]

    def close(self) -> None:
        self.worker.stop()
        self.store.close()


def test_restart_between_pulls_neither_repulls_nor_misses(pair) -> None:  # type: ignore[no-untyped-def]
    data, db = pair
    k = Kiosk(data)
    a, b = (k.store.save(make_lead(i))["id"] for i in (1, 2))
    assert k.sync() == []                          # both sent; nothing edited centrally yet
    _edit_notes(db, a, "central: call after the show")
    assert k.sync() == [(a, 2)]                    # taken as local v2
    k.close()
    mark = json.loads((data / "leads" / "pull_marks.json").read_text())["marks"]["central"]

    _edit_notes(db, b, "central: wants a quote")   # arrives while the kiosk is down
    k = Kiosk(data)
    try:
        assert k.sync() == [(b, 2)]                # not a again, and b not missed
        assert k.pulls[0][0] == mark               # asked from where the last run got to
        assert k.sync() == []
        assert k.store.get(a)["notes"] == "central: call after the show"
        assert k.store.get(b)["notes"] == "central: wants a quote"
        assert [h["version"] for h in k.store.get(a)["history"]] == [1, 2]
    finally:
        k.close()

    _edit_notes(db, a, "central: second thought")  # and again across a restart, after the mark moved on
    k = Kiosk(data)
    try:
        assert k.sync() == [(a, 3)]
        assert k.store.get(a)["notes"] == "central: second thought"
    finally:
        k.close()


@pytest.mark.parametrize("damage", [b"{\"marks\": {\"central\": 17", b"\x00" * 64,
                                    b"{\"format\": \"leadkiosk-pull-marks\", \"marks\": {\"central\": \"yesterday\"}}",
                                    b"[]"])
def test_a_corrupt_mark_file_is_reported_and_falls_back_to_a_full_pull(pair, damage: bytes) -> None:  # type: ignore[no-untyped-def]
    data, db = pair
    k = Kiosk(data)
    a, b = (k.store.save(make_lead(i))["id"] for i in (3, 4))
    k.sync()
    _edit_notes(db, a, "central: edited before the damage")
    assert k.sync() == [(a, 2)]
    k.close()
    (data / "leads" / "pull_marks.json").write_bytes(damage)
    _edit_notes(db, b, "central: edited while the mark was damaged")

    k = Kiosk(data)
    try:
        assert sorted(k.sync()) == sorted([(a, 2), (b, 2)])   # a full pull: b is not missed
        assert k.pulls[0][0] is None
        assert any("pull marks" in e and "pulled in full" in e for e in k.store.events), k.store.events
        assert k.store.get(a)["version"] == 2 and [h["version"] for h in k.store.get(a)["history"]] == [1, 2]
        assert k.store.get(b)["notes"] == "central: edited while the mark was damaged"
        assert k.sync() == []                                 # the mark is good again
    finally:
        k.close()
    assert "pull marks" in (data / "leads" / "recovery.log").read_text()
    assert json.loads((data / "leads" / "pull_marks.json").read_text())["marks"]["central"]
