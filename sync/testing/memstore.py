"""An in-memory store with the sync-relevant part of the Store API (ARCHITECTURE.md), so the
worker can be tested before and independently of ``kiosk.store``. Same semantics: ``pending`` is
hot first then capture time; ``mark_sync`` never bumps ``version``."""
from __future__ import annotations

import copy
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

TAG_RANK = {"hot": 0, "warm": 1, "nurture": 2}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_lead(i: int = 0, tag: str = "warm", show_id: str = "demo", kiosk_id: str = "booth-1",
              captured_at: str | None = None, email: str | None = None, lead_id: str | None = None) -> dict:
    """A schema-1 lead record as the store would hold it (for tests and benchmarks)."""
    base = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc) + timedelta(seconds=i)
    at = captured_at or base.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    score = {"hot": 80, "warm": 55, "nurture": 20}[tag]
    return {
        "schema": 1, "id": lead_id or str(uuid.uuid4()), "version": 1, "show_id": show_id,
        "kiosk_id": kiosk_id, "staff": "Ana", "captured_at": at,
        "clock": {"synchronised": True, "source": "ntp", "monotonic_s": 100.0 + i, "boot_id": "b1"},
        "updated_at": at,
        "contact": {"first_name": f"First{i}", "last_name": f"Last{i}", "company": f"Company {i % 97}",
                    "title": "CTO", "email": email if email is not None else f"visitor{i}@example.com",
                    "phone": None, "country": "DE", "registration_id": f"R{i:06d}", "format": "vcard",
                    "raw": f"BEGIN:VCARD\nFN:First{i} Last{i}\nEND:VCARD"},
        "answers": {"budget": "approved" if tag == "hot" else "none", "timeline": "q1"},
        "consent": {"given": True, "text_version": "2026-1", "at": at},
        "score": {"score": score, "computed_tag": tag, "override": None, "tag": tag, "discarded": False,
                  "discard_reason": None, "reasons": ["budget approved +30"] if tag == "hot" else [],
                  "form_id": "bant", "form_version": "2026.1"},
        "notes": "", "history": [{"version": 1, "at": at, "actor": "Ana", "changes": {}}],
        "sync": {}, "outcome": None, "purged": False,
    }


def _merge(dst: dict, changes: dict) -> None:
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


class MemoryStore:
    """Thread-safe; records are deep-copied in and out so callers cannot mutate the store."""

    def __init__(self) -> None:
        self._leads: dict[str, dict] = {}
        self._lock = threading.RLock()
        self.mark_calls = 0

    def save(self, lead: dict) -> dict:
        with self._lock:
            self._leads[lead["id"]] = copy.deepcopy(lead)
            return copy.deepcopy(lead)

    def get(self, lead_id: str) -> dict | None:
        with self._lock:
            lead = self._leads.get(lead_id)
            return copy.deepcopy(lead) if lead else None

    def edit(self, lead_id: str, changes: dict, actor: str) -> dict:
        with self._lock:
            lead = self._leads[lead_id]
            _merge(lead, copy.deepcopy(changes))
            lead["version"] += 1
            lead["updated_at"] = _now()
            lead["history"].append({"version": lead["version"], "at": lead["updated_at"], "actor": actor,
                                    "changes": {}})
            return copy.deepcopy(lead)

    def _is_pending(self, lead: dict, destination: str) -> bool:
        if lead.get("purged"):
            return False
        s = lead.get("sync", {}).get(destination) or {}
        sent = s.get("sent_version")
        if sent is not None and sent >= lead["version"]:
            return False
        if s.get("state") == "parked" and s.get("version") == lead["version"]:
            return False
        return True

    def pending(self, destination: str, limit: int | None = None, accept: Any = None) -> list[dict]:
        with self._lock:
            rows = [l for l in self._leads.values() if self._is_pending(l, destination)
                    and (accept is None or accept(l))]
            rows.sort(key=lambda l: (TAG_RANK.get(l["score"]["tag"], 3), l["captured_at"], l["id"]))
            if limit is not None:
                rows = rows[:limit]
            return [copy.deepcopy(l) for l in rows]

    def mark_sync(self, lead_id: str, destination: str, version: int, state: str,
                  error: str | None = None, next_attempt_at: str | None = None) -> None:
        with self._lock:
            self.mark_calls += 1
            lead = self._leads.get(lead_id)
            if lead is None:
                return
            s = lead.setdefault("sync", {}).setdefault(destination, {
                "state": "pending", "sent_version": None, "attempts": 0, "last_error": None,
                "last_attempt_at": None, "next_attempt_at": None, "sent_at": None})
            now = _now()
            s["last_attempt_at"] = now
            if state == "sent":
                if s["sent_version"] is None or version > s["sent_version"]:
                    s["sent_version"] = version
                s["sent_at"] = now
                s["state"] = "sent" if s["sent_version"] >= lead["version"] else "pending"
                s["last_error"] = None
                s["next_attempt_at"] = None
            elif state == "parked":
                s.update(state="parked", version=version, last_error=error, next_attempt_at=None)
            else:
                s["attempts"] += 1
                s.update(state=state, version=version, last_error=error, next_attempt_at=next_attempt_at)

    def sync_status(self) -> dict:
        with self._lock:
            out: dict[str, dict[str, Any]] = {}
            dests = {d for l in self._leads.values() for d in l.get("sync", {})}
            for d in dests:
                row = {"pending": 0, "sent": 0, "failed": 0, "parked": 0, "last_success_at": None, "last_error": None}
                last_err_at = ""
                for l in self._leads.values():
                    s = l.get("sync", {}).get(d) or {}
                    if self._is_pending(l, d):
                        row["pending"] += 1
                        if s.get("state") == "failed":
                            row["failed"] += 1
                    elif s.get("state") == "parked":
                        row["parked"] += 1
                    if s.get("sent_version") is not None:
                        row["sent"] += 1
                    if s.get("sent_at") and (row["last_success_at"] is None or s["sent_at"] > row["last_success_at"]):
                        row["last_success_at"] = s["sent_at"]
                    if s.get("last_error") and (s.get("last_attempt_at") or "") >= last_err_at:
                        row["last_error"], last_err_at = s["last_error"], s.get("last_attempt_at") or ""
                out[d] = row
            return out

    def close(self) -> None:
        pass
