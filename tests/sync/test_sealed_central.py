"""A locked kiosk delivers readable leads to the real central system (loopback, SQLite), keeps
nothing readable on its card, unlocks through central while enrolled, and no longer once revoked."""
from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

pytest.importorskip("central.api")

from kiosk.cli import main  # noqa: E402
from kiosk.seal import KeySealer  # noqa: E402
from kiosk.seal.central_link import unlock_from_central  # noqa: E402
from kiosk.store import new_lead, open_store  # noqa: E402
from sync.errors import AuthError  # noqa: E402
from kiosk.sync_wiring import build_worker  # noqa: E402
from sync.testing.central_process import RealCentral  # noqa: E402

from .conftest import fast_backoff  # noqa: E402

pytestmark = pytest.mark.slow

PEOPLE = [("Wenzeslaus", "Ogunbanjo", "wenz.ogun@heliotrope.example", "+44 7700 900123", "hot"),
          ("Philippa", "Zárate-Lindqvist", "pz@quellwasser.example", "+49 30 9012 3456", "warm"),
          ("Ignatius", "Brzęczyszczykiewicz", "ignatius@fernweh.example", "+48 22 555 0101", "nurture")]
PASS = "Hall 7 pretzel stand\n"


def _score(tag: str) -> dict:
    return {"score": {"hot": 90, "warm": 55, "nurture": 10}[tag], "computed_tag": tag, "override": None, "tag": tag,
            "discarded": False, "discard_reason": None, "reasons": ["test"], "dropped": [], "form_id": "bant",
            "form_version": "2026.1"}


def _bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_socket())


def test_locked_kiosk_delivers_readable_leads_and_revocation_stops_unlocking(tmp_path: Path, monkeypatch) -> None:
    central = RealCentral(tmp_path / "central.db")
    code = central.cli("enroll-code", "--show", "fair", "--name", "Fair 2026").strip().split()[-1]
    central.start()
    data = tmp_path / "kiosk"
    try:
        assert main(["enroll", central.url, code, "--data", str(data), "--name", "booth-1"]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO(PASS))
        assert main(["keys", "init", "--data", str(data), "--passphrase-stdin"]) == 0
        ring = json.loads((data / "keys" / "kiosk.keys").read_text())
        assert ring["central"]["public_key"] and ring["keys"][0]["wrapped"]["central"]

        store = open_store(data)  # what the kiosk does at boot: locked
        assert store.sealer.locked
        ids = []
        for first, last, email, phone, tag in PEOPLE:
            lead = new_lead(show_id="fair", kiosk_id="booth-1", staff="Ana",
                            contact={"first_name": first, "last_name": last, "email": email, "phone": phone,
                                     "company": f"{last} GmbH", "format": "manual"},
                            answers={"consent": True}, score=_score(tag), notes=f"{first} wants a call back")
            ids.append(store.save(lead)["id"])
        worker = build_worker(data, store, backoff=lambda: fast_backoff(2))
        assert worker is not None
        worker.start()
        try:
            deadline = time.monotonic() + 60
            while store.pending("central") and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not store.pending("central"), worker.status()
        finally:
            worker.stop()
        assert store.sealer.locked
        store.close()

        rows = json.loads(central.cli("leads", "--show", "fair", "--json"))
        by_id = {r["id"]: r for r in rows}
        assert set(by_id) == set(ids)
        for lead_id, (first, last, email, phone, tag) in zip(ids, PEOPLE):
            c = by_id[lead_id]["contact"]
            assert (c["first_name"], c["last_name"], c["email"], c["phone"]) == (first, last, email, phone)
            assert by_id[lead_id]["tag"] == tag
        card = _bytes(data)
        for first, last, email, phone, _ in PEOPLE:
            for s in (first, last, email, phone):
                assert s.encode() not in card, s

        sealer = KeySealer(data)
        assert "central" in unlock_from_central(data, sealer) and not sealer.locked
        store = open_store(data, sealer=sealer)
        assert store.get(ids[0])["contact"]["first_name"] == "Wenzeslaus"  # type: ignore[index]
        store.close()

        device = json.loads((data / "central.json").read_text())["device_id"]
        central.cli("revoke", device)
        again = KeySealer(data)
        with pytest.raises(AuthError):
            unlock_from_central(data, again)
        assert again.locked
    finally:
        central.stop()
