"""The worker pulls the show config from central when online; a broken config never replaces the
last good copy, and an unchanged one (same etag) is not rewritten."""
from __future__ import annotations

from pathlib import Path

from sync.kiosk import config_writer
from sync.testing.memstore import make_lead
from sync.worker import SyncWorker

from .conftest import fast_backoff


def _config(etag: str, destinations: list) -> dict:
    return {"show": {"id": "fair", "name": "Fair 2026", "destinations": destinations},
            "form_yaml": None, "badge_yaml": None, "roster_csv": "registration_id,first_name\nR1,Ana\n",
            "destinations": destinations, "etag": etag}


def test_config_pulled_written_and_kept_when_broken(tmp_path: Path, store, central, transport) -> None:
    server, state = central
    state.config = _config('"e1"', [{"name": "central", "kind": "central"}])
    store.save(make_lead(1, show_id="fair"))
    worker = SyncWorker(store, [transport], on_config=config_writer(tmp_path), config_interval_s=0,
                        backoff=lambda: fast_backoff())
    worker.run_once()
    show = tmp_path / "shows" / "fair"
    assert (show / "show.yaml").is_file() and (show / "roster.csv").read_text().startswith("registration_id")
    assert worker.lanes["central"].config_etag == '"e1"'
    first = (show / "show.yaml").stat().st_mtime_ns

    # same etag: 304, nothing rewritten
    worker.run_once()
    assert (show / "show.yaml").stat().st_mtime_ns == first

    # a broken destinations list from central: refused, last good copy kept, staff can see why
    state.config = _config('"e2"', [{"name": "hub", "kind": "hubspot", "token": "pat-secret"}])
    worker.run_once()
    assert (show / "show.yaml").stat().st_mtime_ns == first
    err = worker.status()["destinations"]["central"]["config_error"]
    assert "last copy kept" in err and "destinations[0].token" in err
    assert worker.lanes["central"].config_etag == '"e1"'  # retried next time

    # heartbeats carry the pending counts per destination
    assert state.heartbeats and state.heartbeats[-1]["pending"] == {"central": 0}
    assert state.heartbeats[-1]["clock"]["device_time"].endswith("Z")
