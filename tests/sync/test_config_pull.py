"""The worker pulls the show config from central when online; a broken config never replaces the
last good copy, and an unchanged one (same etag) is not rewritten."""
from __future__ import annotations

from pathlib import Path

from kiosk.sync_wiring import config_writer
from tests.support.records import make_lead
from sync.worker import SyncWorker

from .conftest import fast_backoff


def _config(etag: str, destinations: list, show_id: str = "fair") -> dict:
    return {"show": {"id": show_id, "name": "Fair 2026", "destinations": destinations},
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


def test_destinations_from_a_pulled_config_apply_without_restart(tmp_path: Path, store, central, monkeypatch) -> None:
    import time

    from kiosk.cli import main
    from kiosk.sync_wiring import build_worker
    from sync.record.signing import new_secret
    from sync.testing.crm_stubs import start_webhook_receiver

    server, state = central
    data = tmp_path / "kiosk"
    assert main(["enroll", server.url, state.add_code(), "--data", str(data)]) == 0
    secret = new_secret()
    hook, hook_state = start_webhook_receiver(secret)
    try:
        monkeypatch.setenv("WEBHOOK_SECRET", secret)
        worker = build_worker(data, store, config_interval_s=0.2, idle_poll_s=0.2,
                              backoff=lambda: fast_backoff())
        assert worker is not None and list(worker.lanes) == ["central"]
        lead = store.save(make_lead(1))
        worker.start()
        try:
            state.config = _config('"e9"', [{"name": "central", "kind": "central"},
                                            {"name": "n8n", "kind": "webhook", "url": hook.url + "/h",
                                             "secret_env": "WEBHOOK_SECRET"}], show_id="demo")
            deadline = time.monotonic() + 10
            while not hook_state.messages and time.monotonic() < deadline:
                time.sleep(0.05)
            assert list(worker.lanes) == ["central", "n8n"]
            assert f"msg_{lead['id']}_v1" in hook_state.messages
            assert lead["id"] in state.leads
        finally:
            worker.stop()
    finally:
        hook.stop()
