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
    # outcome reads (issue 16): deals, contact->deal associations, search pacing
    deals: dict[int, dict] = field(default_factory=dict)
    deal_contacts: dict[int, list[int]] = field(default_factory=dict)
    search_times: deque = field(default_factory=deque)
    search_per_s: int = 5          # documented: 5 search requests per second per token
    search_throttled: int = 0
    search_bodies: list = field(default_factory=list)
    clock_ms: Any = None           # callable -> epoch ms for lastmodifieddate (tests control it)

    def now_ms(self) -> int:
        return int(self.clock_ms()) if self.clock_ms else int(time.time() * 1000)

    def add_deal(self, contact_id: int, **props: Any) -> int:
        """A deal associated with a contact; ``hs_lastmodifieddate`` is stamped now."""
        did = 5000 + len(self.deals) + 1
        self.deals[did] = {**{k: str(v) for k, v in props.items()}, "hs_lastmodifieddate": str(self.now_ms())}
        self.deal_contacts.setdefault(did, []).append(contact_id)
        return did

    def touch_contact(self, cid: int, **props: Any) -> None:
        self.contacts[cid].update({k: str(v) for k, v in props.items()})
        self.contacts[cid]["lastmodifieddate"] = str(self.now_ms())

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
            return self._read_api(st, body, rl)
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
                st.contacts[cid]["lastmodifieddate"] = str(st.now_ms())
                results.append({"id": str(cid), "new": new, "properties": dict(st.contacts[cid])})
        payload: dict[str, Any] = {"status": "COMPLETE", "results": results,
                                   "startedAt": "2026-11-22T10:00:00Z", "completedAt": "2026-11-22T10:00:01Z"}
        if errors:
            payload.update(errors=errors, numErrors=len(errors))
        return self.reply(207 if errors else 200, payload, headers=rl)


    # -- reads (search, associations, batch read), as documented at developers.hubspot.com -------
    def _read_api(self, st: HubSpotState, body: bytes, rl: dict[str, str]) -> None:
        parts = self.path.strip("/").split("/")
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return self.reply(400, {"status": "error", "category": "VALIDATION_ERROR", "message": "Invalid input JSON"}, headers=rl)
        store = {"contacts": st.contacts, "deals": st.deals}
        if parts[:3] == ["crm", "v3", "objects"] and len(parts) == 5 and parts[3] in store and parts[4] == "search":
            with st.lock:
                now = time.monotonic()
                while st.search_times and now - st.search_times[0] >= 1.0:
                    st.search_times.popleft()
                if len(st.search_times) >= st.search_per_s:
                    st.search_throttled += 1
                    return self.reply(429, {"status": "error", "message": "You have reached your secondly limit.",
                                            "errorType": "RATE_LIMIT", "policyName": "SECONDLY"}, headers=rl)
                st.search_times.append(now)
                st.search_bodies.append(data)
            limit = int(data.get("limit") or 10)
            if limit > 200:
                return self.reply(400, {"status": "error", "category": "VALIDATION_ERROR",
                                        "message": "limit must be at most 200"}, headers=rl)
            rows = []
            for oid, props in sorted(store[parts[3]].items()):
                ok = True
                for group in data.get("filterGroups") or [{}]:
                    for f in group.get("filters") or []:
                        v = props.get(f["propertyName"])
                        if f["operator"] == "HAS_PROPERTY":
                            ok &= v not in (None, "")
                        elif f["operator"] == "GTE":
                            ok &= v not in (None, "") and int(v) >= int(f["value"])
                        else:
                            return self.reply(400, {"status": "error", "message": f"operator {f['operator']} not in this stub"}, headers=rl)
                if ok:
                    rows.append((oid, props))
            for srt in reversed(data.get("sorts") or []):
                rows.sort(key=lambda r: int(r[1].get(srt["propertyName"]) or 0), reverse=srt.get("direction") == "DESCENDING")
            start = int(data.get("after") or 0)
            page = rows[start:start + limit]
            want = data.get("properties") or []
            out: dict[str, Any] = {"total": len(rows), "results": [
                {"id": str(oid), "properties": {k: props.get(k) for k in want}} for oid, props in page]}
            if start + limit < len(rows):
                out["paging"] = {"next": {"after": str(start + limit)}}
            return self.reply(200, out, headers=rl)
        if parts[:3] == ["crm", "v3", "objects"] and len(parts) == 6 and parts[3] in store and parts[4:] == ["batch", "read"]:
            inputs = data.get("inputs") or []
            if len(inputs) > 100:
                return self.reply(400, {"status": "error", "category": "VALIDATION_ERROR",
                                        "message": f"Batch size {len(inputs)} exceeds the limit of 100"}, headers=rl)
            want = data.get("properties") or []
            res = [{"id": str(i["id"]), "properties": {k: store[parts[3]][int(i["id"])].get(k) for k in want}}
                   for i in inputs if int(i["id"]) in store[parts[3]]]
            return self.reply(200, {"status": "COMPLETE", "results": res}, headers=rl)
        if parts[:3] == ["crm", "v4", "associations"] and len(parts) == 7 and parts[5:] == ["batch", "read"]:
            frm, to = parts[3], parts[4]
            inputs = data.get("inputs") or []
            if len(inputs) > 1000:
                return self.reply(400, {"status": "error", "message": "at most 1000 inputs"}, headers=rl)
            pairs = [(d, c) for d, cs in st.deal_contacts.items() for c in cs]
            res = []
            for i in inputs:
                oid = int(i["id"])
                if (frm, to) == ("deals", "contacts"):
                    tos = [c for d, c in pairs if d == oid]
                elif (frm, to) == ("contacts", "deals"):
                    tos = [d for d, c in pairs if c == oid]
                else:
                    return self.reply(400, {"status": "error", "message": "association not in this stub"}, headers=rl)
                if tos:
                    res.append({"from": {"id": str(oid)}, "to": [
                        {"toObjectId": t, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]}
                        for t in tos]})
            return self.reply(200, {"status": "COMPLETE", "results": res}, headers=rl)
        return self.reply(404, {"status": "error", "message": "not found"}, headers=rl)


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
    page_size: int = 2000          # documented default batch of a query; tests shrink it to page
    queries: list = field(default_factory=list)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def set_outcome(self, ext_id: str, at: str, status: str | None = None, **opportunity: Any) -> None:
        """Sales worked the lead: a new Lead Status, or conversion into an Opportunity."""
        lead = self.leads[ext_id]
        if status:
            lead["Status"] = status
        if opportunity:
            lead["IsConverted"] = True
            lead["ConvertedOpportunity"] = {"attributes": {"type": "Opportunity"}, **opportunity,
                                            "LastModifiedDate": at}
        lead["LastModifiedDate"] = at


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
                row.setdefault("Status", "Open - Not Contacted")
                row.setdefault("IsConverted", False)
                row["LastModifiedDate"] = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())
                out.append({"id": row["Id"], "success": True, "errors": [], "created": created})
        return self.reply(200, out)


    def do_GET(self) -> None:  # noqa: N802
        """``/services/data/vXX.X/query?q=SOQL`` and its ``nextRecordsUrl`` pages: only the query
        the pull sends is understood (fields of Lead and ConvertedOpportunity, the external id
        not null, LastModifiedDate >= a datetime literal)."""
        import re
        st = self._st()
        st.requests += 1
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in st.tokens:
            return self.reply(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
        if st.limit_exceeded > 0:
            st.limit_exceeded -= 1
            return self.reply(403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        url = urllib.parse.urlparse(self.path)
        parts = url.path.split("/")
        if parts[1:3] != ["services", "data"] or len(parts) < 5 or parts[4] != "query":
            return self.reply(404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
        if len(parts) == 6:   # /services/data/vXX.X/query/<locator>-<offset>
            locator, _, off = parts[5].rpartition("-")
            q, offset = st.queries[int(locator[3:])], int(off)
        else:
            q = dict(urllib.parse.parse_qsl(url.query)).get("q", "")
            st.queries.append(q)
            offset = 0
        m = re.match(r"SELECT (.+) FROM Lead WHERE (\w+) != null AND \(LastModifiedDate >= (\S+) OR "
                     r"ConvertedOpportunity.LastModifiedDate >= (\S+)\) ORDER BY LastModifiedDate$", q)
        if not m:
            return self.reply(400, [{"errorCode": "MALFORMED_QUERY", "message": f"unexpected query: {q[:200]}"}])
        fields, ext, since = [f.strip() for f in m.group(1).split(",")], m.group(2), m.group(3)
        norm = lambda t: (t or "")[:19]  # noqa: E731  (ISO literal vs stored "...T..:..:..000+0000")
        rows = []
        for key, lead in st.leads.items():
            opp = lead.get("ConvertedOpportunity") or {}
            if norm(lead.get("LastModifiedDate")) >= norm(since) or norm(opp.get("LastModifiedDate")) >= norm(since):
                rec: dict[str, Any] = {"attributes": {"type": "Lead", "url": f"/services/data/v60.0/sobjects/Lead/{lead['Id']}"}}
                for f in fields:
                    if f.startswith("ConvertedOpportunity."):
                        if opp:
                            rec.setdefault("ConvertedOpportunity", {"attributes": {"type": "Opportunity"}})[f.split(".", 1)[1]] = opp.get(f.split(".", 1)[1])
                        else:
                            rec["ConvertedOpportunity"] = None
                    else:
                        rec[f] = key if f == ext else lead.get(f)
                rows.append(rec)
        rows.sort(key=lambda r: r.get("LastModifiedDate") or "")
        page = rows[offset:offset + st.page_size]
        done = offset + st.page_size >= len(rows)
        out: dict[str, Any] = {"totalSize": len(rows), "done": done, "records": page}
        if not done:
            out["nextRecordsUrl"] = f"{'/'.join(parts[:5])}/01g{len(st.queries) - 1}-{offset + st.page_size}"
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
