"""Fixtures for sync tests: a real loopback central (the protocol stub), a store, a worker."""
from __future__ import annotations

import random
from typing import Iterator

import pytest

from sync.backoff import Backoff
from sync.enrollment import CentralCredentials
from sync.testing.central_stub import CentralState, start_central_stub
from sync.testing.httpserver import LoopbackServer
from kiosk.store import MemoryLeadStore
from sync.transports.central import CentralTransport


@pytest.fixture
def central() -> Iterator[tuple[LoopbackServer, CentralState]]:
    server, state = start_central_stub()
    try:
        yield server, state
    finally:
        server.stop()


@pytest.fixture
def creds(central: tuple[LoopbackServer, CentralState]) -> CentralCredentials:
    server, state = central
    dev = state.add_device()
    return CentralCredentials(url=server.url, device_id=dev["device_id"], token=dev["token"],
                              signing_secret=dev["signing_secret"], show_id="demo")


@pytest.fixture
def store() -> MemoryLeadStore:
    """The store's in-memory twin (same service code as the durable store)."""
    return MemoryLeadStore()


def fast_backoff(seed: int = 1) -> Backoff:
    return Backoff(base_s=0.01, cap_s=0.2, rng=random.Random(seed))


@pytest.fixture
def transport(creds: CentralCredentials) -> Iterator[CentralTransport]:
    t = CentralTransport(creds, max_batch=100, timeout=(2.0, 5.0))
    yield t
    t.close()
