"""The sync command line: argument shapes, enrollment, --once exit codes, status JSON."""
from __future__ import annotations

import json
from pathlib import Path


from kiosk.cli import build_parser, main
from kiosk.store import open_store
from tests.support.records import make_lead


def test_argument_shapes() -> None:
    p = build_parser()
    a = p.parse_args(["sync"])
    assert a.func.__name__ == "cmd_sync" and not a.once
    a = p.parse_args(["sync", "--once", "--data", "/d"])
    assert a.func.__name__ == "cmd_sync" and a.once and a.data == "/d"
    a = p.parse_args(["sync", "status", "--json"])
    assert a.func.__name__ == "cmd_status" and a.json
    a = p.parse_args(["sync", "--data", "/x", "status"])  # the parent's --data survives the sub-command
    assert a.func.__name__ == "cmd_status" and a.data == "/x"
    a = p.parse_args(["sync", "status", "--data", "/y"])
    assert a.data == "/y"
    a = p.parse_args(["sync", "pull-config"])
    assert a.func.__name__ == "cmd_pull_config"
    a = p.parse_args(["enroll", "https://c", "CODE", "--name", "booth-2", "--insecure"])
    assert (a.url, a.code, a.name, a.insecure) == ("https://c", "CODE", "booth-2", True)


def test_enroll_then_sync_once_then_status(tmp_path: Path, central, capsys) -> None:
    server, state = central
    code = state.add_code(show_id="demo")
    data = tmp_path / "kiosk"
    assert main(["enroll", server.url, code, "--data", str(data), "--name", "booth-9"]) == 0
    out = capsys.readouterr().out
    assert "enrolled as dev-1" in out and "central is now a sync destination" in out
    creds = json.loads((data / "central.json").read_text())
    assert (data / "central.json").stat().st_mode & 0o777 == 0o600
    assert creds["signing_secret"].startswith("whsec_") and creds["url"] == server.url
    assert (data / "shows" / "demo" / "show.yaml").is_file()  # the show config was pulled
    # the code is single-use
    assert main(["enroll", server.url, code, "--data", str(tmp_path / "other")]) == 1
    assert "refused" in capsys.readouterr().err

    store = open_store(data)
    leads = [store.save(make_lead(i, tag="hot" if i < 3 else "warm")) for i in range(25)]
    store.close()
    assert main(["sync", "status", "--data", str(data), "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["destinations"]["central"]["pending"] == 25 and st["destinations"]["central"]["state"] == "configured"

    assert main(["sync", "--once", "--data", str(data)]) == 0
    table = capsys.readouterr().out
    assert "central" in table and "25" in table
    assert {l["id"] for l in leads} == set(state.leads)
    assert main(["sync", "status", "--data", str(data), "--json"]) == 0
    st = json.loads(capsys.readouterr().out)["destinations"]["central"]
    assert (st["pending"], st["sent"], st["parked"]) == (0, 25, 0) and st["last_success_at"]


def test_sync_once_exits_1_when_something_is_left(tmp_path: Path, central, capsys) -> None:
    server, state = central
    data = tmp_path / "kiosk"
    assert main(["enroll", server.url, state.add_code(), "--data", str(data)]) == 0
    store = open_store(data)
    bad = store.save(make_lead(1))
    store.save(make_lead(2))
    store.close()
    state.reject_ids.add(bad["id"])
    capsys.readouterr()
    assert main(["sync", "--once", "--data", str(data), "--json"]) == 1
    st = json.loads(capsys.readouterr().out)["destinations"]["central"]
    assert (st["sent"], st["parked"]) == (1, 1)
    assert main(["sync", "status", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"parked for central: {bad['id']} v1 First1 Last1: central rejected: rejected by test" in out
    # offline: nothing listens any more; --once gives up within --max-wait and says why
    server.stop()
    store = open_store(data)
    store.save(make_lead(3))
    store.close()
    assert main(["sync", "--once", "--data", str(data), "--json", "--max-wait", "0.5"]) == 1
    st = json.loads(capsys.readouterr().out)["destinations"]["central"]
    assert st["pending"] == 1 and st["failed"] == 1 and "connection" in st["last_error"]


def test_config_error_exit_2(tmp_path: Path, capsys) -> None:
    d = tmp_path / "shows" / "fair"
    d.mkdir(parents=True)
    (d / "show.yaml").write_text("id: fair\nname: Fair\ndestinations:\n  - {name: n8n, kind: webhook, url: 'ftp://x'}\n")
    (tmp_path / "kiosk.toml").write_text('show = "fair"\n')
    assert main(["sync", "--once", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "show.yaml: destinations[0].url: expected an https:// URL" in err
    assert "destinations[0].secret_env" in err


def test_pull_config_requires_enrollment(tmp_path: Path, capsys) -> None:
    assert main(["sync", "pull-config", "--data", str(tmp_path)]) == 2
    assert "not enrolled" in capsys.readouterr().err
