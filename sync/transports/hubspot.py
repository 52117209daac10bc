"""HubSpot: contacts batch upsert, keyed by email, or by a unique custom property holding the lead
id when the badge gave no email.

Vendor contract followed (HubSpot developer docs):
- Batch upsert: ``POST /crm/v3/objects/contacts/batch/upsert`` with ``{"inputs": [{"id",
  "idProperty", "properties", "objectWriteTraceId"}]}``, answered 200 (all done) or 207
  (multi-status with ``errors``), at most 100 inputs per call.
  https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
- Unique custom properties as ``idProperty``: https://developers.hubspot.com/docs/guides/api/crm/properties
- Rate limits: private apps get a rolling 10-second burst limit (100 requests per 10 s on
  Free/Starter, more on Professional/Enterprise) and a daily limit; responses carry
  ``X-HubSpot-RateLimit-Max``, ``-Remaining``, ``-Interval-Milliseconds`` (and ``-Daily``,
  ``-Daily-Remaining``); over the limit the answer is 429 with ``policyName``
  (``TEN_SECONDLY_ROLLING``, ``DAILY``). Error responses should stay under 5 % of requests.
  https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
- A 401 is not a signal to refresh a private-app token (same page): it pauses the destination.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any, Sequence

from sync.errors import TransientError
from sync.http import HttpClient, check_status, parse_retry_after
from sync.transports.base import ItemResult, idempotency_key

MAX_BATCH = 100
POLICY_WAIT_S = {"TEN_SECONDLY_ROLLING": 10.0, "SECONDLY": 1.0, "DAILY": 3600.0}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class HubSpotTransport:
    kind = "hubspot"

    def __init__(self, name: str, token: str, base_url: str = "https://api.hubapi.com",
                 id_property: str = "leadkiosk_id", property_prefix: str = "leadkiosk_",
                 max_batch: int = MAX_BATCH, max_requests_per_10s: int = 100,
                 legal_basis: str | None = None, verify: bool | str = True,
                 timeout: tuple[float, float] = (5.0, 30.0), client: HttpClient | None = None):
        self.name = name
        self.token = token
        self.base = base_url.rstrip("/")
        self.id_property = id_property
        self.prefix = property_prefix
        self.max_batch = min(max_batch, MAX_BATCH)
        self.max_per_window = max(1, max_requests_per_10s)
        # HubSpot counts arrivals on its side; our send times are earlier by the network delay,
        # so pace against a slightly longer window than the documented 10 s.
        self.window_s = 10.25
        self.legal_basis = legal_basis
        self.client = client or HttpClient(verify=verify, timeout=timeout)
        self._sent_at: deque[float] = deque()
        self._not_before = 0.0
        self._lock = threading.Lock()

    # -- mapping ----------------------------------------------------------------------------
    def key(self, lead: dict) -> tuple[str, str]:
        """(idProperty, id): email when there is one (HubSpot's natural contact key), else the
        lead id in the unique custom property."""
        email = ((lead.get("contact") or {}).get("email") or "").strip().lower()
        if email:
            return "email", email
        return self.id_property, lead["id"]

    def properties(self, lead: dict) -> dict[str, str]:
        c = lead.get("contact") or {}
        s = lead.get("score") or {}
        consent = lead.get("consent") or {}
        p = self.prefix
        props = {
            "firstname": _text(c.get("first_name")), "lastname": _text(c.get("last_name")),
            "company": _text(c.get("company")), "jobtitle": _text(c.get("title")),
            "phone": _text(c.get("phone")), "country": _text(c.get("country")),
            self.id_property: lead["id"],
            f"{p}version": _text(lead.get("version")),
            f"{p}tag": _text(s.get("tag")), f"{p}score": _text(s.get("score")),
            f"{p}reasons": "; ".join(s.get("reasons") or []),
            f"{p}show": _text(lead.get("show_id")), f"{p}kiosk": _text(lead.get("kiosk_id")),
            f"{p}staff": _text(lead.get("staff")), f"{p}captured_at": _text(lead.get("captured_at")),
            f"{p}discarded": _text(bool(s.get("discarded"))), f"{p}notes": _text(lead.get("notes")),
            f"{p}consent": _text(bool(consent.get("given"))),
            f"{p}consent_text_version": _text(consent.get("text_version")),
            f"{p}consent_at": _text(consent.get("at")),
        }
        if c.get("email"):
            props["email"] = c["email"].strip().lower()
        if self.legal_basis and consent.get("given"):
            props["hs_legal_basis"] = self.legal_basis
        return {k: v for k, v in props.items() if v != "" or k.startswith(p)}

    # -- rate limiting ----------------------------------------------------------------------
    def _pace(self) -> None:
        """Stay under the rolling 10-second limit ourselves instead of learning it from 429s
        (HubSpot counts error responses against an integration)."""
        with self._lock:
            now = time.monotonic()
            while self._sent_at and now - self._sent_at[0] >= self.window_s:
                self._sent_at.popleft()
            wait = self._not_before - now
            if len(self._sent_at) >= self.max_per_window:
                wait = max(wait, self.window_s - (now - self._sent_at[0]))
            if wait > 0:
                time.sleep(min(wait, self.window_s))
            self._sent_at.append(time.monotonic())

    def _learn(self, headers: Any) -> None:
        try:
            remaining = int(headers.get("X-HubSpot-RateLimit-Remaining"))
            interval = float(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")) / 1000.0
        except (TypeError, ValueError):
            return
        if remaining <= 0:
            with self._lock:
                self._not_before = time.monotonic() + interval

    # -- the outbox contract -----------------------------------------------------------------
    def send(self, leads: Sequence[dict]) -> list[ItemResult]:
        # One idProperty per request, and a key at most once per request (HubSpot refuses a batch
        # with duplicate ids): the rest is deferred to the next request, not failed.
        first_prop = self.key(leads[0])[0]
        chosen: list[dict] = []
        seen: set[str] = set()
        out: list[ItemResult] = []
        for lead in leads:
            prop, value = self.key(lead)
            if prop != first_prop or value in seen or len(chosen) >= self.max_batch:
                out.append(ItemResult(lead["id"], lead["version"], "deferred"))
                continue
            seen.add(value)
            chosen.append(lead)
        inputs = [{"id": self.key(l)[1], "idProperty": first_prop, "properties": self.properties(l),
                   "objectWriteTraceId": idempotency_key(l["id"], l["version"])} for l in chosen]
        self._pace()
        resp = self.client.request(
            "POST", self.base + "/crm/v3/objects/contacts/batch/upsert",
            body=json.dumps({"inputs": inputs}).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        self._learn(resp.headers)
        if resp.status == 429:
            retry = None
            try:
                retry = POLICY_WAIT_S.get(resp.json().get("policyName"))
            except (TransientError, AttributeError):
                pass
            header = parse_retry_after(resp.headers.get("Retry-After"))
            raise TransientError(f"hubspot: HTTP 429 {resp.text()}", retry_after=header if header is not None else retry)
        check_status(resp, "hubspot batch upsert")
        data = resp.json() if resp.body else {}
        if resp.status == 200 and not (isinstance(data, dict) and data.get("errors")):
            return out + [ItemResult(l["id"], l["version"], "sent") for l in chosen]
        return out + self._multi_status(chosen, first_prop, data)

    def _multi_status(self, chosen: list[dict], prop: str, data: Any) -> list[ItemResult]:
        """207: match results by the key property's value, errors by the ids in their context."""
        done: set[str] = set()
        for r in (data.get("results") or []) if isinstance(data, dict) else []:
            value = ((r or {}).get("properties") or {}).get(prop)
            if value is not None:
                done.add(str(value).lower() if prop == "email" else str(value))
        errors: dict[str, tuple[str, str]] = {}
        for e in (data.get("errors") or []) if isinstance(data, dict) else []:
            msg = f"hubspot {e.get('category', 'ERROR')}: {e.get('message', '')}".strip()
            ctx = e.get("context") or {}
            for ids in ctx.values() if isinstance(ctx, dict) else []:
                for value in ids if isinstance(ids, list) else [ids]:
                    errors[str(value).lower() if prop == "email" else str(value)] = (str(e.get("category")), msg)
        out = []
        for lead in chosen:
            value = self.key(lead)[1]
            if value in done:
                out.append(ItemResult(lead["id"], lead["version"], "sent"))
            elif value in errors:
                category, msg = errors[value]
                fatal = category in ("VALIDATION_ERROR", "CONFLICT", "OBJECT_ALREADY_EXISTS", "INVALID_EMAIL")
                out.append(ItemResult(lead["id"], lead["version"], "parked" if fatal else "retry", msg))
            elif len(chosen) == 1 and errors:
                out.append(ItemResult(lead["id"], lead["version"], "parked", next(iter(errors.values()))[1]))
            else:
                out.append(ItemResult(lead["id"], lead["version"], "retry", "hubspot did not confirm this contact"))
        return out

    def close(self) -> None:
        self.client.close()
