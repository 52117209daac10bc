"""A minimal central system that speaks the wire protocol in ARCHITECTURE.md exactly: enrollment,
signed and authenticated ``leads:batch`` with per-lead results (stored, duplicate, stale,
rejected, conflict), config and heartbeat. Used where the real ``central`` app is not needed
(unit tests, the chaos run) and as the benchmark's fallback."""
from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sync.record.signing import SignatureError, new_secret, verify
from sync.testing.httpserver import JsonHandler, LoopbackServer


@dataclass
class CentralState:
    show_id: str = "demo"
    devices: dict[str, dict] = field(default_factory=dict)        # token -> device
    codes: dict[str, str] = field(default_factory=dict)           # code -> show_id
    leads: dict[str, dict] = field(default_factory=dict)          # id -> {"device", "version", "record"}
    store_events: list[tuple[str, int, float]] = field(default_factory=list)  # (id, version, at)
    receipts: int = 0                                             # lead versions received (incl. dups)
    duplicates: int = 0
    stale: int = 0
    seen_ids: set[str] = field(default_factory=set)
    requests: int = 0
    heartbeats: list[dict] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    reject_ids: set[str] = field(default_factory=set)             # answer "rejected" for these
    poison_ids: set[str] = field(default_factory=set)             # a batch holding one gets 400
    queued_replies: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_code(self, code: str | None = None, show_id: str | None = None) -> str:
        code = code or secrets.token_urlsafe(8)
        self.codes[code] = show_id or self.show_id
        return code

    def add_device(self, name: str = "booth-1") -> dict:
        dev = {"device_id": f"dev-{len(self.devices) + 1}", "token": secrets.token_urlsafe(24),
               "signing_secret": new_secret(), "show_id": self.show_id, "name": name, "revoked": False}
        self.devices[dev["token"]] = dev
        return dev

    def times_stored(self) -> dict[tuple[str, int], int]:
        out: dict[tuple[str, int], int] = {}
        for lead_id, version, _ in self.store_events:
            out[(lead_id, version)] = out.get((lead_id, version), 0) + 1
        return out


def _refuse(state: CentralState, why: str) -> None:
    state.refused[why] = state.refused.get(why, 0) + 1


class CentralHandler(JsonHandler):
    def _state(self) -> CentralState:
        return self.server.app  # type: ignore[attr-defined]

    def _device(self) -> dict | None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        dev = self._state().devices.get(auth[7:])
        return None if dev is None or dev["revoked"] else dev

    def _queued(self) -> bool:
        st = self._state()
        with st.lock:
            if not st.queued_replies:
                return False
            status, headers = st.queued_replies.pop(0)
        self.reply(status, {"error": "injected"}, headers=headers)
        return True

    def do_GET(self) -> None:  # noqa: N802
        st = self._state()
        st.requests += 1
        if self.path != "/api/v1/config":
            return self.reply(404, {"detail": "not found"})
        if self._device() is None:
            return self.reply(401, {"detail": "unknown or revoked token"})
        cfg = st.config or {"show": {"id": st.show_id, "name": "Stub Show",
                                     "destinations": [{"name": "central", "kind": "central"}]},
                            "form_yaml": "", "badge_yaml": None, "roster_csv": None,
                            "destinations": [{"name": "central", "kind": "central"}], "etag": "e1"}
        if self.headers.get("If-None-Match") == cfg.get("etag"):
            return self.reply(304, raw=b"")
        return self.reply(200, cfg, headers={"ETag": str(cfg.get("etag"))})

    def do_POST(self) -> None:  # noqa: N802
        st = self._state()
        st.requests += 1
        body = self.read_body()
        if self.path == "/api/v1/enroll":
            data = json.loads(body or b"{}")
            with st.lock:
                show = st.codes.pop(str(data.get("code")), None)
            if show is None:
                return self.reply(403, {"detail": "bad or used enrollment code"})
            dev = st.add_device(str(data.get("kiosk_name") or "kiosk"))
            return self.reply(200, {k: dev[k] for k in ("device_id", "token", "signing_secret", "show_id")}
                              | {"show_name": "Stub Show"})
        if self._queued():
            return
        dev = self._device()
        if dev is None:
            _refuse(st, "token")
            return self.reply(401, {"detail": "unknown or revoked token"})
        try:
            msg = verify(dev["signing_secret"], dict(self.headers.items()), body)
        except SignatureError as exc:
            _refuse(st, exc.reason)
            return self.reply(401, {"detail": str(exc)})
        with st.lock:
            if msg.msg_id in st.seen_ids:
                _refuse(st, "replay")
                return self.reply(409, {"detail": "webhook-id already used"})
            st.seen_ids.add(msg.msg_id)
        if self.path == "/api/v1/heartbeat":
            st.heartbeats.append(json.loads(body))
            return self.reply(200, {"ok": True})
        if self.path != "/api/v1/leads:batch":
            return self.reply(404, {"detail": "not found"})
        try:
            leads = json.loads(body)["leads"]
            assert isinstance(leads, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            return self.reply(400, {"detail": "expected {\"leads\": [...]}"})
        if any(isinstance(l, dict) and l.get("id") in st.poison_ids for l in leads):
            return self.reply(400, {"detail": "batch holds a lead this server cannot parse"})
        results = []
        now = time.time()
        with st.lock:
            for lead in leads:
                results.append(self._ingest(st, dev, lead, now))
        self.reply(200, {"results": results})

    @staticmethod
    def _ingest(st: CentralState, dev: dict, lead: Any, now: float) -> dict:
        if not isinstance(lead, dict) or not isinstance(lead.get("id"), str) or not isinstance(lead.get("version"), int):
            return {"id": lead.get("id") if isinstance(lead, dict) else None,
                    "version": lead.get("version") if isinstance(lead, dict) else None,
                    "status": "rejected", "reason": "id (string) and version (integer) are required"}
        lid, ver = lead["id"], lead["version"]
        st.receipts += 1
        if lid in st.reject_ids or "sync" in lead:
            why = "kiosk sync state must be stripped" if "sync" in lead else "rejected by test"
            return {"id": lid, "version": ver, "status": "rejected", "reason": why}
        have = st.leads.get(lid)
        if have is not None and have["device"] != dev["device_id"]:
            return {"id": lid, "version": ver, "status": "conflict", "reason": "lead id owned by another device"}
        if have is not None and have["version"] == ver:
            st.duplicates += 1
            return {"id": lid, "version": ver, "status": "duplicate", "reason": None}
        if have is not None and have["version"] > ver:
            st.stale += 1
            return {"id": lid, "version": ver, "status": "stale", "reason": None}
        st.leads[lid] = {"device": dev["device_id"], "version": ver, "record": lead}
        st.store_events.append((lid, ver, now))
        return {"id": lid, "version": ver, "status": "stored", "reason": None}


def start_central_stub(port: int = 0, certfile: str | None = None, keyfile: str | None = None) -> tuple[LoopbackServer, CentralState]:
    state = CentralState()
    server = LoopbackServer(CentralHandler, state, port=port, certfile=certfile, keyfile=keyfile).start()
    return server, state
