"""The sync worker's view of the lead store (sync.storeport.SyncStore) matches the real store:
every method the worker calls exists on LeadStore with the same parameters, so a rename or a
changed signature fails here rather than in a booth's sync thread."""
from __future__ import annotations

import inspect

import pytest

from kiosk.store import LeadStore, MemoryLeadStore, open_store
from sync.storeport import SyncStore


def _members() -> list[str]:
    return [name for name, value in vars(SyncStore).items()
            if not name.startswith("_") and (callable(value) or isinstance(value, property))]


def test_the_protocol_names_what_the_worker_uses() -> None:
    assert {"pending", "mark_sync_many", "sync_status", "take_remote", "damage", "note_recovery"} <= set(_members())


@pytest.mark.parametrize("name", _members())
def test_lead_store_offers_each_member_with_compatible_parameters(name: str) -> None:
    wanted = vars(SyncStore)[name]
    have = getattr(LeadStore, name, None)
    assert have is not None, f"LeadStore has no {name}"
    if isinstance(wanted, property):
        assert isinstance(have, property), f"LeadStore.{name} must be a property"
        return
    want_params = list(inspect.signature(wanted).parameters.values())[1:]
    have_params = dict(list(inspect.signature(have).parameters.items())[1:])
    for p in want_params:
        assert p.name in have_params, f"LeadStore.{name} lacks parameter {p.name}"
        q = have_params.pop(p.name)
        assert q.kind == p.kind, f"LeadStore.{name}({p.name}) is {q.kind}, the protocol says {p.kind}"
        assert (q.default is inspect.Parameter.empty) == (p.default is inspect.Parameter.empty), \
            f"LeadStore.{name}({p.name}): default differs from the protocol"
    extra = [q.name for q in have_params.values() if q.default is inspect.Parameter.empty
             and q.kind not in (q.VAR_POSITIONAL, q.VAR_KEYWORD)]
    assert not extra, f"LeadStore.{name} requires {extra}, which the worker never passes"


def test_real_stores_are_sync_stores(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(MemoryLeadStore(), SyncStore)
    store = open_store(tmp_path)
    try:
        assert isinstance(store, SyncStore)
    finally:
        store.close()
    assert not isinstance(object(), SyncStore)
