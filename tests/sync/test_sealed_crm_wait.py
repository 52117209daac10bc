"""CRM destinations need the clear contact: while the kiosk is locked their leads wait (pending,
no attempt counted, no request sent); once unlocked they go, in clear. Central takes the sealed
record (it has its own box) at any time."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from kiosk.seal import Keyring
from kiosk.store import new_lead, open_store
from sync.record.record import wire_record
from sync.transports.base import ItemResult
from sync.worker import SyncWorker
from tests.support.keys import PASSPHRASE, make_keys


class Recording:
    """A destination that records what it was sent (the transport contract, no network)."""

    max_batch = 50

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        self.sent: list[dict] = []

    def send(self, leads: Sequence[dict]) -> list[ItemResult]:
        self.sent.extend(wire_record(dict(lead)) for lead in leads)
        return [ItemResult(lead["id"], lead["version"], "sent") for lead in leads]

    def close(self) -> None:
        pass


def test_crm_waits_for_unlock_central_does_not(tmp_path: Path) -> None:
    from nacl.public import PrivateKey
    data = tmp_path / "data"
    ring = make_keys(data)
    ring.set_central("dev_1", bytes(PrivateKey.generate().public_key), b"w" * 32, {})
    ring.save()
    assert Keyring.load(data).central_public_key  # type: ignore[union-attr]
    store = open_store(data)
    lead = store.save(new_lead(show_id="demo", kiosk_id="k", staff="Ana",
                               contact={"first_name": "Gwendolyn", "email": "gwen@crm.example"},
                               answers={"consent": True}, score={"tag": "hot", "computed_tag": "hot"}))
    central, crm = Recording("central", "central"), Recording("hubspot", "hubspot")
    worker = SyncWorker(store, [central, crm])
    worker.run_once(max_wait_s=5)
    assert [x["id"] for x in central.sent] == [lead["id"]]
    assert central.sent[0]["contact"]["first_name"] is None and central.sent[0]["sealed"]["central"]
    assert crm.sent == []
    status = store.sync_status(["hubspot"])["hubspot"]
    assert status["pending"] == 1 and status["failed"] == 0  # waiting, not failing
    store.sealer.unlock_passphrase(PASSPHRASE)  # type: ignore[attr-defined]
    worker.run_once(max_wait_s=5)
    assert [x["contact"]["email"] for x in crm.sent] == ["gwen@crm.example"]
    assert "sealed" not in crm.sent[0]
    assert not store.pending("hubspot") and not store.pending("central")
    store.close()
