"""Issue 14, case 6 (kiosk side): a lead central cannot take (too deeply nested to parse or to
store) is parked on the kiosk with central's reason after one round, the rest is delivered, and
the next sync does not send it again."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from kiosk.cli import main  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from sync.testing.central_process import RealCentral  # noqa: E402
from tests.support.records import make_lead  # noqa: E402

pytestmark = pytest.mark.slow


def _deep(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def test_deep_lead_is_parked_not_retried_forever(tmp_path: Path, capsys) -> None:
    central = RealCentral(tmp_path / "central.db")
    code = central.cli("enroll-code", "--show", "demo").strip().split()[-1]
    central.start()
    try:
        data = tmp_path / "kiosk"
        assert main(["enroll", central.url, code, "--data", str(data)]) == 0
        store = open_store(data)
        good = store.save(make_lead(1))
        bad = make_lead(2)
        bad["answers"]["comment"] = _deep(400)   # the kiosk can store and send it; no real record looks so
        bad = store.save(bad)
        store.close()
        capsys.readouterr()
        assert main(["sync", "--once", "--json", "--max-wait", "20", "--data", str(data)]) == 1
        st = json.loads(capsys.readouterr().out)["destinations"]["central"]
        assert (st["sent"], st["parked"], st["pending"]) == (1, 1, 0), st
        parked = st["parked_leads"] if "parked_leads" in st else None
        store = open_store(data)
        sync = store.get(bad["id"])["sync"]["central"]
        assert sync["state"] == "parked" and "nested" in sync["last_error"], sync
        assert store.get(good["id"])["sync"]["central"]["state"] == "sent"
        store.close()
        requests_before = st["requests"]
        assert main(["sync", "--once", "--json", "--max-wait", "5", "--data", str(data)]) == 1
        st2 = json.loads(capsys.readouterr().out)["destinations"]["central"]
        assert st2["parked"] == 1 and st2["requests"] <= requests_before, (st2, parked)
        con = sqlite3.connect(tmp_path / "central.db")
        assert [r[0] for r in con.execute("select id from leads")] == [good["id"]]
        con.close()
    finally:
        central.stop()


def test_transport_that_cannot_encode_a_lead_parks_it() -> None:
    from sync.enrollment import CentralCredentials
    from sync.errors import PermanentError
    from sync.transports.central import CentralTransport
    creds = CentralCredentials(url="http://127.0.0.1:9", device_id="d", token="t",
                               signing_secret="whsec_" + "A" * 44, show_id="demo")
    t = CentralTransport(creds)
    lead = make_lead(3)
    lead["answers"]["comment"] = _deep(5000)
    with pytest.raises(PermanentError) as err:
        t.send([lead])
    assert err.value.splittable and "encode" in str(err.value)
    t.close()
