"""Reading back what became of the leads pushed to a CRM, through the CRMs' documented APIs, with
the same transports (credentials, TLS, pacing) that pushed them. Returns raw CRM facts per lead
(stage names, amounts, dates); mapping them to outcomes is central's business (``outcome_vocab``).

HubSpot (https://developers.hubspot.com/docs/api/crm/search, .../crm/associations, .../crm/objects):
- ``POST /crm/v3/objects/contacts/search`` and ``/crm/v3/objects/deals/search`` with a
  ``lastmodifieddate`` / ``hs_lastmodifieddate`` ``GTE`` filter (epoch ms), ``sorts``, ``limit``
  (<= 200) and the ``after`` cursor of ``paging.next``: what changed since the last pull. The
  search endpoints allow 5 requests per second per token (beside the 10-second rolling limit the
  transport already paces); a search returns at most 10,000 results per query, so the pull walks
  in time slices by re-querying from the newest modification date seen.
- ``POST /crm/v4/associations/{from}/{to}/batch/read`` ``{"inputs": [{"id"}]}`` -> ``results[].from.id``
  and ``results[].to[].toObjectId``: contacts of changed deals, deals of changed contacts (<= 1000 ids).
- ``POST /crm/v3/objects/{contacts|deals}/batch/read`` ``{"properties", "inputs": [{"id"}]}`` (<= 100).
  Contacts: the id property (``leadkiosk_id``), ``email``, ``lifecyclestage``; deals: ``dealstage``,
  ``amount``, ``closedate``, ``deal_currency_code``, ``hs_is_closed_won``, ``hs_is_closed``.

Salesforce (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm):
- ``GET /services/data/vXX.X/query?q=<SOQL>`` -> ``{"totalSize", "done", "records", "nextRecordsUrl"}``;
  the Lead's ``Status``, ``IsConverted`` and, through the ``ConvertedOpportunity`` relationship,
  the Opportunity's ``StageName``, ``Amount``, ``CloseDate``, ``IsClosed``, ``IsWon``, for leads whose
  external id is set and which (or whose opportunity) changed since the last pull
  (``LastModifiedDate >= <ISO datetime>``). Every call counts against the org's daily API
  request allowance; ``REQUEST_LIMIT_EXCEEDED`` (403) stops the pull until the next run.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from sync.errors import AuthError, PermanentError, TransientError

SEARCH_PER_S = 5          # HubSpot: search endpoints, requests per second per token
SEARCH_LIMIT = 200        # HubSpot: results per search page
SEARCH_CAP = 10_000       # HubSpot: results one search query can page through
BATCH_READ = 100          # HubSpot: ids per objects batch read
ASSOC_BATCH = 1000        # HubSpot: ids per associations batch read


@dataclass
class CrmFact:
    """What the CRM says about one pushed lead."""

    lead_id: str
    email: str | None = None
    lead_status: str | None = None        # Salesforce Lead Status / HubSpot lifecycle stage
    stage: str | None = None              # deal / opportunity stage (None: no deal)
    won: bool | None = None               # the CRM's own closed-won flag, when it has one
    closed: bool | None = None
    amount: str | None = None
    currency: str | None = None
    close_date: str | None = None         # YYYY-MM-DD
    modified_at: datetime | None = None


def _ms(dt: datetime) -> str:
    return str(int(dt.timestamp() * 1000))


def _parse_time(v: Any) -> datetime | None:
    if not v:
        return None
    try:
        if str(v).isdigit():
            return datetime.fromtimestamp(int(v) / 1000, timezone.utc)
        return datetime.fromisoformat(str(v).replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return None


class HubSpotReader:
    """Contacts with our id property and their deals, changed since a point in time."""

    def __init__(self, transport: Any, sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic):
        self.t = transport
        self.sleep, self.monotonic = sleep, monotonic
        self._last_search = 0.0
        self._lock = threading.Lock()
        self.requests = 0

    def _post(self, path: str, body: dict, search: bool = False) -> Any:
        for attempt in range(4):
            if search:   # 5 searches per second per token
                with self._lock:
                    wait = self._last_search + 1.0 / SEARCH_PER_S - self.monotonic()
                    if wait > 0:
                        self.sleep(wait)
                    self._last_search = self.monotonic()
            self.t._pace()   # the 10-second rolling window shared with the pushes
            self.requests += 1
            resp = self.t.client.request("POST", self.t.base + path, body=json.dumps(body).encode(), headers={
                "Authorization": f"Bearer {self.t.token}", "Content-Type": "application/json"})
            self.t._learn(resp.headers)
            if resp.status == 429 or resp.status >= 500:
                retry = resp.headers.get("Retry-After")
                self.sleep(float(retry) if retry and retry.replace(".", "", 1).isdigit() else min(10.0, 1.0 * 2 ** attempt))
                continue
            if resp.status in (401, 403):
                raise AuthError(f"hubspot {path}: HTTP {resp.status} {resp.text()}")
            if resp.status >= 400:
                raise PermanentError(f"hubspot {path}: HTTP {resp.status} {resp.text()}")
            return resp.json()
        raise TransientError(f"hubspot {path}: still rate limited or failing after 4 attempts")

    def _search(self, obj: str, prop: str, since: datetime, props: list[str],
                extra: list[dict] | None = None) -> Iterator[dict]:
        """Every object modified at or after ``since``, in slices below the 10,000-result cap."""
        start = since
        while True:
            after: str | None = None
            seen = 0
            newest = start
            while True:
                body: dict[str, Any] = {
                    "filterGroups": [{"filters": [{"propertyName": prop, "operator": "GTE", "value": _ms(start)},
                                                  *(extra or [])]}],
                    "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
                    "properties": props, "limit": SEARCH_LIMIT}
                if after:
                    body["after"] = after
                data = self._post(f"/crm/v3/objects/{obj}/search", body, search=True)
                for r in data.get("results") or []:
                    seen += 1
                    at = _parse_time((r.get("properties") or {}).get(prop))
                    if at and at > newest:
                        newest = at
                    yield r
                after = ((data.get("paging") or {}).get("next") or {}).get("after")
                if not after or seen >= SEARCH_CAP - SEARCH_LIMIT:
                    break
            if not after or newest <= start:   # done, or a slice cannot move forward
                return
            start = newest   # the next slice repeats the newest instant (ids are de-duplicated by the caller)

    def _assoc(self, frm: str, to: str, ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in range(0, len(ids), ASSOC_BATCH):
            data = self._post(f"/crm/v4/associations/{frm}/{to}/batch/read",
                              {"inputs": [{"id": x} for x in ids[i:i + ASSOC_BATCH]]})
            for r in data.get("results") or []:
                out.setdefault(str((r.get("from") or {}).get("id")), []).extend(
                    str(t.get("toObjectId")) for t in r.get("to") or [])
        return out

    def _read(self, obj: str, ids: list[str], props: list[str]) -> dict[str, dict]:
        out = {}
        for i in range(0, len(ids), BATCH_READ):
            data = self._post(f"/crm/v3/objects/{obj}/batch/read",
                              {"properties": props, "inputs": [{"id": x} for x in ids[i:i + BATCH_READ]]})
            for r in data.get("results") or []:
                out[str(r.get("id"))] = r.get("properties") or {}
        return out

    def changed_since(self, since: datetime) -> list[CrmFact]:
        idp = self.t.id_property
        contact_props = [idp, "email", "lifecyclestage", "lastmodifieddate"]
        deal_props = ["dealstage", "amount", "closedate", "deal_currency_code", "hs_is_closed_won", "hs_is_closed",
                      "hs_lastmodifieddate"]
        contacts: set[str] = {str(r["id"]) for r in self._search(
            "contacts", "lastmodifieddate", since, contact_props, [{"propertyName": idp, "operator": "HAS_PROPERTY"}])}
        deals = [str(r["id"]) for r in self._search("deals", "hs_lastmodifieddate", since, deal_props)]
        for cids in self._assoc("deals", "contacts", sorted(set(deals))).values():
            contacts.update(cids)
        if not contacts:
            return []
        people = self._read("contacts", sorted(contacts), contact_props)
        deal_ids = self._assoc("contacts", "deals", sorted(people))
        all_deals = self._read("deals", sorted({d for ds in deal_ids.values() for d in ds}), deal_props)
        facts = []
        for cid, p in people.items():
            lead_id = p.get(idp)
            if not lead_id:
                continue   # a contact we did not push
            f = CrmFact(str(lead_id), p.get("email"), p.get("lifecyclestage"),
                        modified_at=_parse_time(p.get("lastmodifieddate")))
            best = _best_deal([all_deals[d] for d in deal_ids.get(cid, []) if d in all_deals])
            if best is not None:
                f.stage = best.get("dealstage")
                f.won = _flag(best.get("hs_is_closed_won"))
                f.closed = _flag(best.get("hs_is_closed"))
                f.amount = best.get("amount") or None
                f.currency = best.get("deal_currency_code") or None
                f.close_date = (best.get("closedate") or "")[:10] or None
            facts.append(f)
        return facts


def _flag(v: Any) -> bool | None:
    return None if v in (None, "") else str(v).lower() == "true"


def _best_deal(deals: list[dict]) -> dict | None:
    """The deal that tells the lead's outcome: a won one, else an open one, else the latest lost."""
    def rank(d: dict) -> tuple:
        stage = (d.get("dealstage") or "").lower()
        won = _flag(d.get("hs_is_closed_won")) or stage == "closedwon"
        closed = _flag(d.get("hs_is_closed")) or stage in ("closedwon", "closedlost")
        return (2 if won else (1 if not closed else 0), d.get("closedate") or "", d.get("hs_lastmodifieddate") or "")
    return max(deals, key=rank) if deals else None


class SalesforceReader:
    """Leads with our external id, their status and their converted opportunity."""

    def __init__(self, transport: Any, page_pause_s: float = 0.1, sleep: Callable[[float], None] = time.sleep):
        self.t = transport
        self.page_pause_s = page_pause_s
        self.sleep = sleep
        self.requests = 0

    def _get(self, url: str) -> Any:
        if self.t.access_token is None:
            self.t.authenticate()
        for attempt in range(2):
            self.requests += 1
            resp = self.t.client.request("GET", url, headers={"Authorization": f"Bearer {self.t.access_token}"})
            if resp.status == 401 and attempt == 0:   # INVALID_SESSION_ID: token expired, once more
                self.t.access_token = None
                self.t.authenticate()
                continue
            if resp.status == 403 and "REQUEST_LIMIT_EXCEEDED" in resp.text(2000):
                raise TransientError("salesforce: the org's API request limit is used up; the next pull continues")
            if resp.status in (401, 403):
                raise AuthError(f"salesforce query: HTTP {resp.status} {resp.text()}")
            if resp.status >= 500:
                raise TransientError(f"salesforce query: HTTP {resp.status} {resp.text()}")
            if resp.status >= 400:
                raise PermanentError(f"salesforce query: HTTP {resp.status} {resp.text()}")
            return resp.json()
        raise AuthError("salesforce: a fresh token was refused")

    def soql(self, since: datetime) -> str:
        ext = self.t.ext_field
        at = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f"SELECT Id, {ext}, Email, Status, IsConverted, LastModifiedDate, ConvertedOpportunity.StageName, "
                f"ConvertedOpportunity.Amount, ConvertedOpportunity.CloseDate, ConvertedOpportunity.IsClosed, "
                f"ConvertedOpportunity.IsWon, ConvertedOpportunity.LastModifiedDate FROM Lead WHERE {ext} != null "
                f"AND (LastModifiedDate >= {at} OR ConvertedOpportunity.LastModifiedDate >= {at}) "
                f"ORDER BY LastModifiedDate")

    def changed_since(self, since: datetime) -> list[CrmFact]:
        from urllib.parse import quote
        if self.t.access_token is None:
            self.t.authenticate()
        url = f"{self.t.instance_url}/services/data/{self.t.api_version}/query?q={quote(self.soql(since))}"
        facts = []
        while url:
            data = self._get(url)
            for r in data.get("records") or []:
                opp = r.get("ConvertedOpportunity") or None
                f = CrmFact(str(r.get(self.t.ext_field)), r.get("Email"), r.get("Status"),
                            modified_at=_parse_time(r.get("LastModifiedDate")))
                if opp:
                    f.stage, f.won, f.closed = opp.get("StageName"), opp.get("IsWon"), opp.get("IsClosed")
                    f.amount = None if opp.get("Amount") is None else str(opp.get("Amount"))
                    f.close_date = opp.get("CloseDate")
                facts.append(f)
            nxt = None if data.get("done", True) else data.get("nextRecordsUrl")
            url = f"{self.t.instance_url}{nxt}" if nxt else ""
            if url:
                self.sleep(self.page_pause_s)
        return facts
