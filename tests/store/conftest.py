"""Fixtures for the lead store tests: both store kinds, and a lead factory."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from kiosk.store import LeadStore, MemoryLeadStore, new_lead, open_store
from tests.support.clock import CLOCK_STARTS, FakeClock, clock_at


def make_score(tag: str = "warm", points: int = 50, override: str | None = None,
               discarded: bool = False, form_id: str = "bant") -> dict[str, Any]:
    return {"score": points, "computed_tag": tag, "override": override, "tag": override or tag,
            "discarded": discarded, "discard_reason": "competitor" if discarded else None,
            "reasons": [f"test +{points}"], "dropped": [], "form_id": form_id, "form_version": "2026.1"}


def make_lead(first: str = "Ana", last: str = "Lima", company: str = "ACME", email: str | None = None,
              reg: str | None = None, tag: str = "warm", staff: str = "Ana", show_id: str = "demo",
              **kw: Any) -> dict[str, Any]:
    return new_lead(show_id=show_id, kiosk_id="booth-1", staff=staff,
                    contact={"first_name": first, "last_name": last, "company": company, "email": email,
                             "registration_id": reg, "format": "manual"},
                    answers={"consent": True}, score=make_score(tag), **kw)


@pytest.fixture
def lead_factory() -> Callable[..., dict[str, Any]]:
    return make_lead


@pytest.fixture(params=CLOCK_STARTS)
def clock(request: pytest.FixtureRequest) -> FakeClock:
    """The store's clock; every store test runs on a fixed date and a year ahead (the guard)."""
    return clock_at(request.param)


@pytest.fixture(params=["memory", "durable", "sealed"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[LeadStore]:
    """The same contract for the in-memory twin, the durable store, and the durable store with
    personal data sealed (unlocked, so every answer must be the same as unsealed)."""
    if request.param == "memory":
        s: LeadStore = MemoryLeadStore(clock=clock)
    elif request.param == "durable":
        s = open_store(tmp_path / "data", clock=clock)
    else:
        from tests.support.keys import unlocked_sealer
        s = open_store(tmp_path / "data", clock=clock, sealer=unlocked_sealer(tmp_path / "data"))
    yield s
    s.close()
