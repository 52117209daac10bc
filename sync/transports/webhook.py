"""A generic signed webhook (Standard Webhooks) for n8n, Zapier, a warehouse loader...

Spec: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
- Payload ``{"type", "timestamp", "data"}``; headers ``webhook-id``, ``webhook-timestamp``,
  ``webhook-signature`` (see ``sync.record.signing``).
- ``webhook-id`` is the idempotency key and stays the same when the same message is re-sent after
  a failure, so receivers can deduplicate: one message per lead version by default
  (``msg_<lead id>_v<version>``); with ``batch_size`` > 1 the id is derived from the set of lead
  versions in the batch.
- Any 2xx is success; 410 Gone means the receiver disabled the endpoint (the destination pauses);
  429/5xx/timeouts are retried; other 4xx park the lead (after halving a refused batch).
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Callable, Sequence

from sync.errors import AuthError
from sync.http import HttpClient, check_status
from sync.record.signing import sign_headers
from sync.record.record import wire_record
from sync.transports.base import ItemResult, batch_key

MAX_BATCH = 100


class WebhookTransport:
    kind = "webhook"

    def __init__(self, name: str, url: str, secret: str, max_batch: int = 1,
                 verify: bool | str = True, timeout: tuple[float, float] = (5.0, 30.0),
                 client: HttpClient | None = None, clock: Callable[[], float] = time.time):
        self.name = name
        self.clock = clock  # epoch seconds: the payload timestamp and the signature's
        self.url = url
        self.secret = secret
        self.max_batch = max(1, min(max_batch, MAX_BATCH))
        self.client = client or HttpClient(verify=verify, timeout=timeout)

    def message(self, leads: Sequence[dict]) -> tuple[str, bytes]:
        now = datetime.fromtimestamp(self.clock(), tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        if len(leads) == 1:
            lead = leads[0]
            msg_id = f"msg_{lead['id']}_v{lead['version']}"
            payload = {"type": "lead.upserted", "timestamp": now, "data": {"lead": wire_record(lead)}}
        else:
            msg_id = f"msg_batch_{batch_key(leads)}"
            payload = {"type": "leads.upserted", "timestamp": now,
                       "data": {"leads": [wire_record(l) for l in leads]}}
        return msg_id, json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()

    def send(self, leads: Sequence[dict]) -> list[ItemResult]:
        chosen = list(leads[:self.max_batch])
        out = [ItemResult(l["id"], l["version"], "deferred") for l in leads[self.max_batch:]]
        msg_id, body = self.message(chosen)
        headers = {"Content-Type": "application/json"}
        headers.update(sign_headers(self.secret, body, msg_id=msg_id, timestamp=self.clock()))
        resp = self.client.request("POST", self.url, body=body, headers=headers)
        if resp.status == 410:
            raise AuthError(f"webhook {self.url}: HTTP 410 Gone: the receiver disabled this endpoint")
        check_status(resp, f"webhook {self.url}")
        return out + [ItemResult(l["id"], l["version"], "sent") for l in chosen]

    def close(self) -> None:
        self.client.close()
