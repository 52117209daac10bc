"""The contract between the outbox worker and a destination."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol, Sequence, runtime_checkable

Outcome = Literal["sent", "parked", "retry", "deferred"]


@dataclass(frozen=True)
class ItemResult:
    """One lead version's fate in one request. ``sent`` only when the destination confirmed it
    stored this version (or a newer one); ``parked`` when the destination refused the lead itself
    (staff must look); ``retry`` when this lead could not be handled now (try again later, with
    backoff); ``deferred`` when the transport did not try it in this request (it goes in the next
    one, no backoff: e.g. a second lead with the same email in one HubSpot batch)."""

    lead_id: str
    version: int
    outcome: Outcome
    error: str | None = None
    record: dict | None = None   # sent: the destination's newer version to take back (central's merge)


class Transport(Protocol):
    """One configured destination. ``send`` raises ``TransientError`` (the whole request should
    be retried later), ``PermanentError`` (the request was refused: the worker halves the batch
    to isolate the bad lead) or ``AuthError`` (credentials refused: the destination pauses)."""

    name: str
    kind: str
    max_batch: int

    def send(self, leads: Sequence[dict]) -> list[ItemResult]: ...

    def close(self) -> None: ...


class Pulled(NamedTuple):
    """One page of a destination's own edits: the records, the mark to ask from next time, and
    whether more is waiting now (the worker then asks again at once, not a pull interval later)."""
    records: list[dict]
    until: str | None
    more: bool = False


@runtime_checkable
class PullsUpdates(Protocol):
    """A destination that edits leads itself (central's review app) and hands the edits back."""

    def pull_updates(self, since: str | None = None, everything: bool = False) -> Pulled: ...


def idempotency_key(lead_id: str, version: int) -> str:
    """The one key per lead version, used everywhere a destination accepts one."""
    return f"{lead_id}:v{int(version)}"


def batch_key(leads: Sequence[dict]) -> str:
    """A stable key for a batch (the same lead versions give the same key, whatever the order),
    for destinations that deduplicate whole requests."""
    keys = sorted(idempotency_key(lead["id"], lead["version"]) for lead in leads)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]
