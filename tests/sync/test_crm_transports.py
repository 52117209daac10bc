"""HubSpot, Salesforce and webhook transports against loopback servers that follow the vendors'
documented contracts (see sync/testing/crm_stubs.py)."""
from __future__ import annotations

import time

import pytest

from sync.errors import AuthError
from sync.record.signing import new_secret
from sync.testing.crm_stubs import start_hubspot_stub, start_salesforce_stub, start_webhook_receiver
from tests.support.records import make_lead
from sync.transports.hubspot import HubSpotTransport
from sync.transports.salesforce import SalesforceTransport
from sync.transports.webhook import WebhookTransport
from sync.worker import SyncWorker

from .conftest import fast_backoff


@pytest.fixture
def hubspot():
    server, state = start_hubspot_stub()
    yield server, state
    server.stop()


@pytest.fixture
def salesforce():
    server, state = start_salesforce_stub()
    yield server, state
    server.stop()


# -- HubSpot -----------------------------------------------------------------------------------
def test_hubspot_upserts_by_email_or_lead_id_in_batches_of_100(store, hubspot) -> None:
    server, st = hubspot
    leads = [store.save(make_lead(i, tag="hot" if i % 4 == 0 else "warm", email=f"v{i}@example.com"))
             for i in range(230)]
    no_mail = [store.save(make_lead(1000 + i, email="")) for i in range(5)]
    t = HubSpotTransport("hubspot", st.token, base_url=server.url, max_batch=500)
    assert t.max_batch == 100
    worker = SyncWorker(store, [t], backoff=lambda: fast_backoff())
    worker.run_once()
    assert store.pending("hubspot") == []
    assert st.max_inputs_seen <= 100
    assert len(st.contacts) == 235
    by_lead = {c["leadkiosk_id"]: c for c in st.contacts.values()}
    hot = by_lead[leads[0]["id"]]
    assert (hot["email"], hot["leadkiosk_tag"], hot["leadkiosk_score"], hot["leadkiosk_show"]) == \
        ("v0@example.com", "hot", "80", "demo")
    assert hot["leadkiosk_reasons"] == "budget approved +30" and hot["leadkiosk_consent"] == "true"
    assert "email" not in by_lead[no_mail[0]["id"]]  # keyed by the lead-id property instead


def test_hubspot_new_version_updates_same_contact(store, hubspot) -> None:
    server, st = hubspot
    lead = store.save(make_lead(1))
    worker = SyncWorker(store, [HubSpotTransport("hubspot", st.token, base_url=server.url)],
                        backoff=lambda: fast_backoff())
    worker.run_once()
    store.edit(lead["id"], {"score": {"override": "hot"}}, actor="Ana")
    worker.run_once()
    assert len(st.contacts) == 1
    (contact,) = st.contacts.values()
    assert (contact["leadkiosk_tag"], contact["leadkiosk_version"]) == ("hot", "2")


def test_hubspot_same_email_twice_in_one_batch_is_deferred_not_refused(store, hubspot) -> None:
    server, st = hubspot
    a = store.save(make_lead(1, email="same@example.com"))
    b = store.save(make_lead(2, email="same@example.com"))
    worker = SyncWorker(store, [HubSpotTransport("hubspot", st.token, base_url=server.url)],
                        backoff=lambda: fast_backoff())
    worker.run_once()
    assert store.pending("hubspot") == [] and len(st.contacts) == 1
    assert st.requests == 2  # no 400 for duplicate ids: the second went in its own request
    assert {a["id"], b["id"]} >= {next(iter(st.contacts.values()))["leadkiosk_id"]}


def test_hubspot_invalid_contact_parked_rest_delivered(store, hubspot) -> None:
    server, st = hubspot
    leads = [store.save(make_lead(i)) for i in range(20)]
    st.invalid_emails.add(leads[7]["contact"]["email"])
    worker = SyncWorker(store, [HubSpotTransport("hubspot", st.token, base_url=server.url)],
                        backoff=lambda: fast_backoff())
    worker.run_once()
    s = worker.status()["destinations"]["hubspot"]
    assert (s["sent"], s["parked"], s["pending"]) == (19, 1, 0)
    assert "VALIDATION_ERROR" in store.get(leads[7]["id"])["sync"]["hubspot"]["last_error"]


def test_hubspot_rate_limit_is_respected_without_429(store, hubspot) -> None:
    server, st = hubspot
    st.limit_per_10s, st.window_s = 4, 1.0  # a shortened rolling window so the test is quick
    for i in range(6):
        store.save(make_lead(i, email=f"x{i}@example.com"))
    t = HubSpotTransport("hubspot", st.token, base_url=server.url, max_batch=1, max_requests_per_10s=4)
    t.window_s = 1.25  # the stub's window plus the same margin the transport keeps against HubSpot's
    t0 = time.monotonic()
    worker = SyncWorker(store, [t], backoff=lambda: fast_backoff())
    worker.run_once(max_wait_s=5.0)
    assert store.pending("hubspot") == []
    assert time.monotonic() - t0 >= 0.9   # the 5th request waited for the window to roll
    assert (st.requests, st.throttled) == (6, 0)


def test_hubspot_429_honours_policy(store, hubspot) -> None:
    server, st = hubspot
    st.limit_per_10s = 0  # every request is over the limit
    store.save(make_lead(1))
    worker = SyncWorker(store, [HubSpotTransport("hubspot", st.token, base_url=server.url)],
                        backoff=lambda: fast_backoff())
    worker.run_once(max_wait_s=0.5)
    lane = worker.lanes["hubspot"]
    assert lane.retry_after_floor and lane.next_attempt_mono - time.monotonic() > 9.0  # TEN_SECONDLY_ROLLING
    assert "429" in worker.status()["destinations"]["hubspot"]["last_error"]


def test_hubspot_bad_token_pauses(store, hubspot) -> None:
    server, st = hubspot
    store.save(make_lead(1))
    worker = SyncWorker(store, [HubSpotTransport("hubspot", "wrong", base_url=server.url)],
                        backoff=lambda: fast_backoff())
    worker.run_once(max_wait_s=0.1)
    s = worker.status()["destinations"]["hubspot"]
    assert s["state"] == "auth_error" and s["parked"] == 0 and s["pending"] == 1


# -- Salesforce ---------------------------------------------------------------------------------
def _sf(server, st, **kw) -> SalesforceTransport:
    return SalesforceTransport("salesforce", server.url, st.client_id, st.client_secret, **kw)


def test_salesforce_upsert_rating_source_and_batches_of_200(store, salesforce) -> None:
    server, st = salesforce
    tags = ["hot", "warm", "nurture"]
    leads = [store.save(make_lead(i, tag=tags[i % 3])) for i in range(450)]
    t = _sf(server, st, max_batch=1000, custom_fields={"score": "Leadkiosk_Score__c"})
    assert t.max_batch == 200
    worker = SyncWorker(store, [t], backoff=lambda: fast_backoff())
    worker.run_once()
    assert store.pending("salesforce") == [] and len(st.leads) == 450
    assert st.max_records_seen == 200 and st.token_requests == 1
    for lead, rating in zip(leads[:3], ["Hot", "Warm", "Cold"]):
        row = st.leads[lead["id"]]
        assert row["Rating"] == rating and row["LeadSource"] == "demo"
        assert row["Leadkiosk_Score__c"] == lead["score"]["score"]
        assert row["Email"] == lead["contact"]["email"] and row["HasOptedOutOfEmail"] is False


def test_salesforce_refreshes_token_on_invalid_session(store, salesforce) -> None:
    server, st = salesforce
    t = _sf(server, st)
    worker = SyncWorker(store, [t], backoff=lambda: fast_backoff())
    store.save(make_lead(1))
    worker.run_once()
    st.expire_tokens()
    store.save(make_lead(2))
    worker.run_once()
    assert len(st.leads) == 2 and st.token_requests == 2
    assert worker.status()["destinations"]["salesforce"]["failed_requests"] == 0


def test_salesforce_per_record_errors(store, salesforce) -> None:
    server, st = salesforce
    leads = [store.save(make_lead(i)) for i in range(5)]
    st.lock_rows.add(leads[1]["id"])                   # transient: retried, then stored
    st.restricted_sources = {"Trade Show"}             # LeadSource must be a picklist value
    t = _sf(server, st, lead_source="Trade Show")
    worker = SyncWorker(store, [t], backoff=lambda: fast_backoff())
    worker.run_once()
    time.sleep(0.05)
    worker.run_once()
    assert len(st.leads) == 5 and store.pending("salesforce") == []
    # a lead source outside the restricted picklist is the record's problem: parked
    st.restricted_sources = {"Other"}
    bad = store.save(make_lead(9))
    worker.run_once()
    entry = store.get(bad["id"])["sync"]["salesforce"]
    assert entry["state"] == "parked" and "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in entry["last_error"]


def test_salesforce_bad_client_credentials_pause(store, salesforce) -> None:
    server, st = salesforce
    store.save(make_lead(1))
    t = SalesforceTransport("salesforce", server.url, st.client_id, "wrong-secret")
    with pytest.raises(AuthError, match="invalid_client"):
        t.authenticate()
    worker = SyncWorker(store, [t], backoff=lambda: fast_backoff())
    worker.run_once(max_wait_s=0.1)
    assert worker.status()["destinations"]["salesforce"]["state"] == "auth_error"


def test_salesforce_api_limit_is_transient(store, salesforce) -> None:
    server, st = salesforce
    st.limit_exceeded = 1
    store.save(make_lead(1))
    worker = SyncWorker(store, [_sf(server, st)], backoff=lambda: fast_backoff())
    worker.run_once(max_wait_s=0.1)
    s = worker.status()["destinations"]["salesforce"]
    assert s["state"] == "backoff" and s["parked"] == 0 and "REQUEST_LIMIT_EXCEEDED" in s["last_error"]
    assert worker.lanes["salesforce"].retry_after_floor


# -- webhook ------------------------------------------------------------------------------------
def test_webhook_signed_one_message_per_version(store) -> None:
    secret = new_secret()
    server, st = start_webhook_receiver(secret)
    try:
        leads = [store.save(make_lead(i)) for i in range(5)]
        st.refuse_lead_ids.add(leads[2]["id"])
        t = WebhookTransport("n8n", server.url + "/hook", secret)
        worker = SyncWorker(store, [t], backoff=lambda: fast_backoff())
        worker.run_once()
        assert len(st.messages) == 4 and st.bad_signatures == 0
        assert f"msg_{leads[0]['id']}_v1" in st.messages
        payload = st.messages[f"msg_{leads[0]['id']}_v1"]
        assert payload["type"] == "lead.upserted" and "sync" not in payload["data"]["lead"]
        assert store.get(leads[2]["id"])["sync"]["n8n"]["state"] == "parked"
        # a re-send of the same version carries the same webhook-id: the receiver deduplicates
        t.send([leads[0]])
        assert len(st.messages) == 4 and st.deliveries == 5
        # a wrong secret is refused by the receiver (401): the destination pauses
        bad = WebhookTransport("n8n", server.url + "/hook", new_secret())
        with pytest.raises(AuthError):
            bad.send([leads[1]])
        assert st.bad_signatures == 1
    finally:
        server.stop()
