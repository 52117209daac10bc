"""Loopback servers that follow the documented contracts of the CRM clouds this project cannot
reach from its test machines (URLs in sync/transports/hubspot.py and salesforce.py): request
shapes, per-call limits, rolling rate limits with their headers, per-record results and errors.
And a Standard Webhooks receiver that verifies signatures and deduplicates by webhook-id."""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sync.record.signing import SignatureError, verify
from sync.testing.httpserver import JsonHandler, LoopbackServer


# ---------------------------------------------------------------------------------------------
# HubSpot
# ---------------------------------------------------------------------------------------------
@dataclass
class HubSpotState:
    token: str = "pat-test-token"
    unique_properties: set[str] = field(default_factory=lambda: {"email", "leadkiosk_id"})
    known_properties: set[str] = field(default_factory=lambda: {
        "email", "firstname", "lastname", "company", "jobtitle", "phone", "country", "hs_legal_basis"})
    custom_prefix: str = "leadkiosk_"
    contacts: dict[int, dict] = field(default_factory=dict)
    next_id: int = 1001
    limit_per_10s: int = 100
    window_s: float = 10.0   # HubSpot's rolling window; tests may shorten it
    window: deque = field(default_factory=deque)
    requests: int = 0
    throttled: int = 0
    max_inputs_seen: int = 0
    invalid_emails: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def find(self, prop: str, value: str) -> int | None:
        for cid, c in self.contacts.items():
            if str(c.get(prop, "")).lower() == value.lower():
                return cid
        return None


class HubSpotHandler(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802
        st: HubSpotState = self.server.app  # type: ignore[attr-defined]
        body = self.read_body()
        with st.lock:
            st.requests += 1
            now = time.monotonic()
            while st.window and now - st.window[0] >= st.window_s:
                st.window.popleft()
            remaining = st.limit_per_10s - len(st.window)
            rl = {"X-HubSpot-RateLimit-Max": str(st.limit_per_10s),
                  "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(st.window_s * 1000))}
            if remaining <= 0:
                st.throttled += 1
                return self.reply(429, {"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                                        "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING",
                                        "correlationId": "c0ffee"}, headers=rl | {"X-HubSpot-RateLimit-Remaining": "0"})
            st.window.append(now)
            rl["X-HubSpot-RateLimit-Remaining"] = str(remaining - 1)
        if self.headers.get("Authorization") != f"Bearer {st.token}":
            return self.reply(401, {"status": "error", "message": "Authentication credentials not found.",
                                    "category": "INVALID_AUTHENTICATION"}, headers=rl)
        if self.path != "/crm/v3/objects/contacts/batch/upsert":
            return self.reply(404, {"status": "error", "message": "not found"}, headers=rl)
        try:
            inputs = json.loads(body)["inputs"]
            assert isinstance(inputs, list) and inputs
        except (ValueError, KeyError, AssertionError, TypeError):
            return self.reply(400, {"status": "error", "category": "VALIDATION_ERROR",
                                    "message": "Invalid input JSON"}, headers=rl)
        st.max_inputs_seen = max(st.max_inputs_seen, len(inputs))
        if len(inputs) > 100:
            return self.reply(400, {"status": "error", "category": "VALIDATION_ERROR",
                                    "message": f"Batch size {len(inputs)} exceeds the limit of 100"}, headers=rl)
        ids = [str(i.get("id", "")).lower() for i in inputs]
        if len(set(ids)) != len(ids):
            return self.reply(400, {"status": "error", "category": "VALIDATION_ERROR",
                                    "message": "Duplicate IDs found in batch input"}, headers=rl)
        results, errors = [], []
        with st.lock:
            for inp in inputs:
                prop, value, props = inp.get("idProperty"), str(inp.get("id", "")), inp.get("properties") or {}
                if prop not in st.unique_properties:
                    return self.reply(400, {"status": "error", "category": "VALIDATION_ERROR",
                                            "message": f"Property {prop} is not a unique identifier"}, headers=rl)
                unknown = [k for k in props if k not in st.known_properties and not k.startswith(st.custom_prefix)]
                if unknown or (props.get("email") or "").lower() in st.invalid_emails:
                    errors.append({"status": "error", "category": "VALIDATION_ERROR",
                                   "message": f"Property values were not valid: {unknown or 'email'}",
                                   "context": {"ids": [value]}})
                    continue
                cid = st.find(prop, value)
                new = cid is None
                if new:
                    cid, st.next_id = st.next_id, st.next_id + 1
                    st.contacts[cid] = {prop: value}
                st.contacts[cid].update(props)
                results.append({"id": str(cid), "new": new, "properties": dict(st.contacts[cid])})
        payload: dict[str, Any] = {"status": "COMPLETE", "results": results,
                                   "startedAt": "2026-11-22T10:00:00Z", "completedAt": "2026-11-22T10:00:01Z"}
        if errors:
            payload.update(errors=errors, numErrors=len(errors))
        return self.reply(207 if errors else 200, payload, headers=rl)


def start_hubspot_stub(**kw: Any) -> tuple[LoopbackServer, HubSpotState]:
    st = HubSpotState(**kw)
    return LoopbackServer(HubSpotHandler, st).start(), st


# ---------------------------------------------------------------------------------------------
# Salesforce
# ---------------------------------------------------------------------------------------------
@dataclass
class SalesforceState:
    client_id: str = "3MVG9-test-client"
    client_secret: str = "test-secret"
    ext_field: str = "Leadkiosk_Id__c"
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    leads: dict[str, dict] = field(default_factory=dict)
    lock_rows: set[str] = field(default_factory=set)      # answer UNABLE_TO_LOCK_ROW once for these
    limit_exceeded: int = 0                                # answer REQUEST_LIMIT_EXCEEDED this many times
    requests: int = 0
    max_records_seen: int = 0
    instance_url: str = ""
    restricted_sources: set[str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_tokens(self) -> None:
        self.tokens.clear()


class SalesforceHandler(JsonHandler):
    def _st(self) -> SalesforceState:
        return self.server.app  # type: ignore[attr-defined]

    def do_POST(self) -> None:  # noqa: N802
        st = self._st()
        body = self.read_body()
        if self.path != "/services/oauth2/token":
            return self.reply(404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
        form = dict(urllib.parse.parse_qsl(body.decode()))
        st.token_requests += 1
        if form.get("grant_type") != "client_credentials":
            return self.reply(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
        if form.get("client_id") != st.client_id or form.get("client_secret") != st.client_secret:
            return self.reply(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
        token = f"00D000000000001!AQ{st.token_requests:06d}"
        st.tokens.add(token)
        return self.reply(200, {"access_token": token, "instance_url": st.instance_url,
                                "id": "https://login.salesforce.com/id/00D000000000001/005000000000001",
                                "token_type": "Bearer", "issued_at": str(int(time.time() * 1000)),
                                "signature": "c2lnbmF0dXJl"})

    def do_PATCH(self) -> None:  # noqa: N802
        st = self._st()
        body = self.read_body()
        st.requests += 1
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in st.tokens:
            return self.reply(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
        if st.limit_exceeded > 0:
            st.limit_exceeded -= 1
            return self.reply(403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        parts = self.path.split("/")
        # /services/data/vXX.X/composite/sobjects/Lead/<ExtIdField>
        if len(parts) != 8 or parts[1:3] != ["services", "data"] or parts[4:6] != ["composite", "sobjects"]:
            return self.reply(404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
        sobject, ext = parts[6], parts[7]
        try:
            data = json.loads(body)
            records = data["records"]
            assert isinstance(records, list)
        except (ValueError, KeyError, AssertionError, TypeError):
            return self.reply(400, [{"errorCode": "JSON_PARSER_ERROR", "message": "Cannot deserialize request"}])
        st.max_records_seen = max(st.max_records_seen, len(records))
        if len(records) > 200:
            return self.reply(400, [{"errorCode": "EXCEEDED_ID_LIMIT", "message": "record limit reached. cannot submit more than 200 records in a single call"}])
        if data.get("allOrNone") is not False:
            return self.reply(400, [{"errorCode": "INVALID_FIELD", "message": "this stub expects allOrNone false"}])
        if ext != st.ext_field:
            return self.reply(400, [{"errorCode": "INVALID_FIELD", "message": f"Field name provided, {ext} is not an External ID or indexed field for {sobject}"}])
        out = []
        with st.lock:
            for rec in records:
                if (rec.get("attributes") or {}).get("type") != sobject:
                    out.append({"success": False, "errors": [{"statusCode": "INVALID_TYPE", "message": "attributes.type must match the URI", "fields": []}]})
                    continue
                key = rec.get(ext)
                if not key:
                    out.append({"success": False, "errors": [{"statusCode": "MISSING_ARGUMENT", "message": f"{ext} not specified", "fields": [ext]}]})
                    continue
                if key in st.lock_rows:
                    st.lock_rows.discard(key)
                    out.append({"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record", "fields": []}]})
                    continue
                missing = [f for f in ("LastName", "Company") if not rec.get(f)]
                if missing:
                    out.append({"success": False, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing", "fields": missing}]})
                    continue
                if st.restricted_sources is not None and rec.get("LeadSource") not in st.restricted_sources:
                    out.append({"success": False, "errors": [{"statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "message": f"Lead Source: bad value for restricted picklist field: {rec.get('LeadSource')}", "fields": ["LeadSource"]}]})
                    continue
                created = key not in st.leads
                row = st.leads.setdefault(key, {"Id": f"00Q{len(st.leads) + 1:015d}"})
                row.update({k: v for k, v in rec.items() if k != "attributes"})
                out.append({"id": row["Id"], "success": True, "errors": [], "created": created})
        return self.reply(200, out)


def start_salesforce_stub(**kw: Any) -> tuple[LoopbackServer, SalesforceState]:
    st = SalesforceState(**kw)
    server = LoopbackServer(SalesforceHandler, st).start()
    st.instance_url = server.url
    return server, st


# ---------------------------------------------------------------------------------------------
# Standard Webhooks receiver
# ---------------------------------------------------------------------------------------------
@dataclass
class WebhookState:
    secret: str
    messages: dict[str, dict] = field(default_factory=dict)   # webhook-id -> payload (deduplicated)
    deliveries: int = 0
    bad_signatures: int = 0
    refuse_lead_ids: set[str] = field(default_factory=set)    # answer 422 for messages holding these
    lock: threading.Lock = field(default_factory=threading.Lock)


class WebhookHandler(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802
        st: WebhookState = self.server.app  # type: ignore[attr-defined]
        body = self.read_body()
        try:
            msg = verify(st.secret, dict(self.headers.items()), body)
        except SignatureError as exc:
            st.bad_signatures += 1
            return self.reply(401, {"error": str(exc)})
        payload = json.loads(body)
        data = payload.get("data") or {}
        leads = data.get("leads") or ([data["lead"]] if data.get("lead") else [])
        if any(l.get("id") in st.refuse_lead_ids for l in leads):
            return self.reply(422, {"error": "lead refused by receiver"})
        with st.lock:
            st.deliveries += 1
            st.messages.setdefault(msg.msg_id, payload)
        return self.reply(204, raw=b"")


def start_webhook_receiver(secret: str) -> tuple[LoopbackServer, WebhookState]:
    st = WebhookState(secret=secret)
    return LoopbackServer(WebhookHandler, st).start(), st
