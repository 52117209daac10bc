"""The central system: JSON over HTTPS, device token, Standard-Webhooks-signed bodies.

Wire protocol: ARCHITECTURE.md, "Kiosk <-> central wire protocol". Every request with a body gets
a fresh ``webhook-id`` (the server refuses a reused one as a replay, and a retry is a new
request); idempotency comes from the lead id + version inside the body, which the server
deduplicates (``duplicate``/``stale`` are successes).
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any, Callable, Sequence

from sync.enrollment import CentralCredentials
from sync.errors import PermanentError, TransientError
from sync.http import HttpClient, HttpResponse, check_status
from sync.record.signing import sign_headers
from sync.record.protocol import DELIVERED as SENT
from sync.record.protocol import PATH_BATCH, PATH_CONFIG, PATH_HEARTBEAT
from sync.record.protocol import REFUSED as PARK
from sync.record.record import wire_record
from sync.record.timestamps import iso
from sync.transports.base import ItemResult, batch_key

log = logging.getLogger(__name__)

# Central refuses a signature whose timestamp is more than 5 minutes off. A skew well below that is
# not worth a correction (and a 401 for a revoked token carries server_time too).
SKEW_WORTH_CORRECTING_S = 60.0


def clock_sample(now: float | None = None) -> dict[str, Any]:
    """The device clock as central wants it (it measures each kiosk's offset from these and
    corrects capture times of kiosks whose clock was never synchronised)."""
    from datetime import datetime, timezone

    sample: dict[str, Any] = {}
    try:
        from sync.device_clock import clock_info, env_clock_source
        sample.update(clock_info(env_clock_source()))
    except Exception:  # the clock probe is a nicety; never let it stop a delivery
        pass
    at = datetime.now(timezone.utc) if now is None else datetime.fromtimestamp(now, tz=timezone.utc)
    sample["device_time"] = iso(at)
    return sample


def dumps(obj: Any) -> bytes:
    """Compact JSON: the exact bytes signed are the bytes sent."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class CentralTransport:
    kind = "central"

    def __init__(self, creds: CentralCredentials, name: str = "central", max_batch: int = 1000,
                 timeout: tuple[float, float] = (5.0, 30.0), client: HttpClient | None = None,
                 clock: Callable[[], float] = time.time):
        self.name = name
        # A Pi 4 has no battery clock, and show Wi-Fi often blocks NTP while HTTPS works: its clock
        # can be hours off. Signing with it would get every request refused forever, so the
        # transport learns the offset from central's answer and signs in central's time.
        self.clock = clock
        self.clock_offset_s = 0.0
        self.creds = creds
        self.max_batch = max_batch
        self.base = creds.url.rstrip("/")
        self.client = client or HttpClient(verify=creds.verify, timeout=timeout)

    # -- signed requests -----------------------------------------------------------------
    def _headers(self, body: bytes | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.creds.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers.update(sign_headers(self.creds.signing_secret, body,
                                        timestamp=self.clock() + self.clock_offset_s))
        return headers

    def _learn_clock(self, resp: HttpResponse) -> bool:
        """From a 401 that carries ``server_time``: True when our signing clock was off by enough
        to explain the refusal, and the offset is now corrected (the caller signs again once)."""
        try:
            server = resp.json().get("server_time")
            server_ts = datetime.fromisoformat(str(server).replace("Z", "+00:00")).timestamp()
        except Exception:  # noqa: BLE001  (no usable server_time: a real credentials problem)
            return False
        offset = server_ts - self.clock()
        if abs(offset - self.clock_offset_s) < SKEW_WORTH_CORRECTING_S:
            return False
        log.warning("%s: this kiosk's clock is %+.0f s off central's; signing in central's time",
                    self.name, offset)
        self.clock_offset_s = offset
        return True

    def post(self, path: str, payload: Any, extra: dict[str, str] | None = None,
             body: bytes | None = None) -> HttpResponse:
        body = dumps(payload) if body is None else body
        for _attempt in range(2):
            headers = self._headers(body)
            if extra:
                headers.update(extra)
            resp = self.client.request("POST", self.base + path, body=body, headers=headers)
            if not (resp.status == 401 and self._learn_clock(resp)):
                break
        if resp.status == 409:  # webhook-id collision: our fault only by bad luck; a new id fixes it
            raise TransientError(f"POST {path}: HTTP 409 {resp.text()}")
        return check_status(resp, f"POST {path}")

    # -- the outbox contract ---------------------------------------------------------------
    def _wire(self, lead: dict) -> dict:
        """The wire record plus ``base_version``: the last version central confirmed, which this
        version was edited from (central merges against it when it changed the lead meanwhile)."""
        out = wire_record(lead)
        entry = (lead.get("sync") or {}).get(self.name) or {}
        if isinstance(entry.get("sent_version"), int):
            out["base_version"] = entry["sent_version"]
        return out

    def send(self, leads: Sequence[dict]) -> list[ItemResult]:
        payload = {"leads": [self._wire(l) for l in leads], "clock": clock_sample(self.clock())}
        try:
            body = dumps(payload)
        except (ValueError, TypeError, RecursionError) as exc:
            # A lead this kiosk cannot even encode would fail every round: refuse the batch as
            # the server would (400), so the worker isolates that lead and parks it.
            raise PermanentError(f"cannot encode the batch as JSON ({type(exc).__name__}: {str(exc)[:120]})",
                                 status=400, splittable=True) from None
        resp = self.post(PATH_BATCH, payload, extra={"Idempotency-Key": batch_key(leads)}, body=body)
        data = resp.json()
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise TransientError(f"central: answer without a results list: {resp.text()}")
        by_key: dict[tuple[str, int], dict] = {}
        for r in results:
            if isinstance(r, dict) and isinstance(r.get("id"), str):
                try:
                    by_key[(r["id"], int(r.get("version")))] = r
                except (TypeError, ValueError):
                    continue
        out = []
        for lead in leads:
            r = by_key.get((lead["id"], int(lead["version"])))
            status = r.get("status") if r else None
            if status in SENT:
                out.append(ItemResult(lead["id"], lead["version"], "sent"))
            elif status == "merged" and isinstance(r.get("record"), dict):
                # central holds a merge of this version with its own edits: take it back
                out.append(ItemResult(lead["id"], lead["version"], "sent", r.get("reason"), record=r["record"]))
            elif status in PARK:
                out.append(ItemResult(lead["id"], lead["version"], "parked",
                                      f"central {status}: {r.get('reason') or 'no reason given'}"))
            else:  # not confirmed: never mark sent on silence
                out.append(ItemResult(lead["id"], lead["version"], "retry",
                                      f"central gave no result for this lead (status={status!r})"))
        return out

    # -- the rest of the protocol ------------------------------------------------------------
    def pull_config(self, etag: str | None = None) -> dict | None:
        """GET /api/v1/config; None when unchanged (304 for our ETag, or the same etag)."""
        headers = self._headers(None)
        if etag:
            headers["If-None-Match"] = etag
        resp = self.client.request("GET", self.base + PATH_CONFIG, headers=headers)
        if resp.status == 304:
            return None
        data = check_status(resp, "GET /api/v1/config").json()
        if not isinstance(data, dict) or not isinstance(data.get("show"), dict):
            raise TransientError(f"central config: unexpected answer {resp.text()}")
        if etag and data.get("etag") == etag:
            return None
        return data

    def pull_updates(self, since: str | None = None, everything: bool = False) -> tuple[list[dict], str | None]:
        """GET /api/v1/leads:updates: this kiosk's leads edited centrally since ``since``
        (records, the ``until`` to ask from next time); ``everything``: all its leads."""
        params = {"since": since} if since else {}
        if everything:
            params["all"] = "true"
        resp = self.client.request("GET", self.base + "/api/v1/leads:updates", headers=self._headers(None),
                                   params=params)
        data = check_status(resp, "GET /api/v1/leads:updates").json()
        if not isinstance(data, dict) or not isinstance(data.get("leads"), list):
            raise TransientError(f"central lead updates: unexpected answer {resp.text()}")
        return [r for r in data["leads"] if isinstance(r, dict)], data.get("until")

    def heartbeat(self, pending: dict[str, int], last_sync_at: str | None, clock: dict | None = None) -> None:
        self.post(PATH_HEARTBEAT, {"pending": pending, "last_sync_at": last_sync_at,
                                        "clock": clock or clock_sample(self.clock())})

    def close(self) -> None:
        self.client.close()
