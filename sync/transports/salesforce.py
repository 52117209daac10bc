"""Salesforce: Lead upsert by an external id field holding the lead id, through sObject
Collections, authenticated with the OAuth 2.0 client-credentials flow.

Vendor contract followed (Salesforce developer docs):
- Upsert with sObject Collections: ``PATCH /services/data/vXX.X/composite/sobjects/Lead/<ExtIdField>``
  with ``{"allOrNone": false, "records": [{"attributes": {"type": "Lead"}, <ExtIdField>: ..., ...}]}``,
  at most 200 records; 200 OK with one UpsertResult per record, in request order
  (``{"id", "success", "errors": [{"statusCode", "message", "fields"}], "created"}``); 400 when
  the request is not well formed.
  https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html
- OAuth 2.0 Client Credentials Flow for server-to-server integration:
  ``POST <my-domain>/services/oauth2/token`` with ``grant_type=client_credentials``,
  ``client_id``, ``client_secret`` -> ``{"access_token", "instance_url", "token_type": "Bearer", ...}``.
  https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
- An expired token gives 401 ``[{"errorCode": "INVALID_SESSION_ID", ...}]``: get a new one and
  repeat the request once. Over the org's daily API allocation the answer is 403
  ``REQUEST_LIMIT_EXCEEDED``: retried later, never parked.
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from sync.errors import AuthError, TransientError
from sync.http import HttpClient, HttpResponse, check_status
from sync.transports.base import ItemResult

MAX_BATCH = 200
RATING = {"hot": "Hot", "warm": "Warm", "nurture": "Cold"}
# per-record status codes that are about timing, not about the record
TRANSIENT_CODES = {"UNABLE_TO_LOCK_ROW", "REQUEST_RUNNING_TOO_LONG", "SERVER_UNAVAILABLE",
                   "QUERY_TIMEOUT", "TXN_SECURITY_METERING_ERROR"}
LIMIT_WAIT_S = 900.0


class SalesforceTransport:
    kind = "salesforce"

    def __init__(self, name: str, login_url: str, client_id: str, client_secret: str,
                 external_id_field: str = "Leadkiosk_Id__c", api_version: str = "v60.0",
                 lead_source: str | None = None, custom_fields: dict[str, str] | None = None,
                 max_batch: int = MAX_BATCH, verify: bool | str = True,
                 timeout: tuple[float, float] = (5.0, 30.0), client: HttpClient | None = None):
        self.name = name
        self.login_url = login_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.ext_field = external_id_field
        self.api_version = api_version if api_version.startswith("v") else "v" + api_version
        self.lead_source = lead_source
        # lead fields -> Salesforce custom fields, e.g. {"score": "Leadkiosk_Score__c"}; off by default
        # because a field that does not exist in the org fails every record.
        self.custom_fields = dict(custom_fields or {})
        self.max_batch = min(max_batch, MAX_BATCH)
        self.client = client or HttpClient(verify=verify, timeout=timeout)
        self.access_token: str | None = None
        self.instance_url: str | None = None
        self.token_requests = 0

    # -- OAuth ------------------------------------------------------------------------------
    def authenticate(self) -> None:
        self.token_requests += 1
        resp = self.client.request("POST", self.login_url + "/services/oauth2/token", form={
            "grant_type": "client_credentials", "client_id": self.client_id,
            "client_secret": self.client_secret})
        if resp.status in (400, 401, 403):  # invalid_client, invalid_grant: credentials problem
            raise AuthError(f"salesforce token: HTTP {resp.status} {resp.text()}")
        data = check_status(resp, "salesforce token").json()
        if not isinstance(data, dict) or not data.get("access_token") or not data.get("instance_url"):
            raise TransientError(f"salesforce token: unexpected answer {resp.text()}")
        self.access_token = data["access_token"]
        self.instance_url = str(data["instance_url"]).rstrip("/")

    # -- mapping ----------------------------------------------------------------------------
    def record(self, lead: dict) -> dict[str, Any]:
        c = lead.get("contact") or {}
        s = lead.get("score") or {}
        consent = lead.get("consent") or {}
        notes = [lead.get("notes") or ""]
        if s.get("reasons"):
            notes.append("Why: " + "; ".join(s["reasons"]))
        if s.get("discarded"):
            notes.append(f"Discarded at the booth: {s.get('discard_reason') or 'no reason'}")
        notes.append(f"Consent: {'given' if consent.get('given') else 'not given'}"
                     f" (text {consent.get('text_version')}, {consent.get('at')})")
        rec: dict[str, Any] = {
            "attributes": {"type": "Lead"},
            self.ext_field: lead["id"],
            "FirstName": c.get("first_name") or None,
            # LastName and Company are required on Lead; a badge may not give them
            "LastName": c.get("last_name") or "[unknown]",
            "Company": c.get("company") or "[not provided]",
            "Title": c.get("title") or None,
            "Email": c.get("email") or None,
            "Phone": c.get("phone") or None,
            "Country": c.get("country") or None,
            "Rating": RATING.get(s.get("tag") or "", None),
            "LeadSource": self.lead_source or lead.get("show_id"),
            "Description": "\n".join(n for n in notes if n)[:32000],
            "HasOptedOutOfEmail": not bool(consent.get("given")),
        }
        values = {"score": s.get("score"), "tag": s.get("tag"), "reasons": "; ".join(s.get("reasons") or []),
                  "version": lead.get("version"), "show": lead.get("show_id"),
                  "kiosk": lead.get("kiosk_id"), "captured_at": lead.get("captured_at"),
                  "consent": bool(consent.get("given"))}
        for key, field in self.custom_fields.items():
            if key in values:
                rec[field] = values[key]
        return rec

    # -- the outbox contract -----------------------------------------------------------------
    def _patch(self, body: bytes) -> HttpResponse:
        url = (f"{self.instance_url}/services/data/{self.api_version}/composite/sobjects/Lead/{self.ext_field}")
        return self.client.request("PATCH", url, body=body, headers={
            "Authorization": f"Bearer {self.access_token}", "Content-Type": "application/json"})

    @staticmethod
    def _error_code(resp: HttpResponse) -> str:
        try:
            data = json.loads(resp.body or b"null")
        except ValueError:
            return ""
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return str(data[0].get("errorCode") or "")
        return ""

    def send(self, leads: Sequence[dict]) -> list[ItemResult]:
        chosen = list(leads[:self.max_batch])
        out = [ItemResult(l["id"], l["version"], "deferred") for l in leads[self.max_batch:]]
        body = json.dumps({"allOrNone": False, "records": [self.record(l) for l in chosen]}).encode()
        if self.access_token is None:
            self.authenticate()
        resp = self._patch(body)
        if resp.status == 401:  # INVALID_SESSION_ID: the token expired or was revoked; once more
            self.authenticate()
            resp = self._patch(body)
        if resp.status == 403 and self._error_code(resp) == "REQUEST_LIMIT_EXCEEDED":
            raise TransientError(f"salesforce: API request limit exceeded: {resp.text()}", retry_after=LIMIT_WAIT_S)
        if resp.status == 401:
            self.access_token = None
        check_status(resp, "salesforce upsert")
        results = resp.json()
        if not isinstance(results, list) or len(results) != len(chosen):
            raise TransientError(f"salesforce: expected {len(chosen)} results, got {resp.text()}")
        for lead, r in zip(chosen, results):
            if isinstance(r, dict) and r.get("success"):
                out.append(ItemResult(lead["id"], lead["version"], "sent"))
                continue
            errs = (r or {}).get("errors") or [] if isinstance(r, dict) else []
            codes = {str(e.get("statusCode")) for e in errs if isinstance(e, dict)}
            msg = "; ".join(f"{e.get('statusCode')}: {e.get('message')}" + (f" ({', '.join(e.get('fields') or [])})" if e.get("fields") else "")
                            for e in errs if isinstance(e, dict)) or "salesforce did not confirm this lead"
            outcome = "retry" if (not codes or codes <= TRANSIENT_CODES) else "parked"
            out.append(ItemResult(lead["id"], lead["version"], outcome, f"salesforce {msg}"))
        return out

    def close(self) -> None:
        self.client.close()

