"""What the staff area can do, as plain methods over the store, the sync worker and the settings.

Screens call these; keeping them out of the widgets means "re-tag keeps the computed tag beside the
override" and "discard needs a reason" are tested without a window.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time as dtime, timezone
from pathlib import Path
from typing import Any, Callable

from kiosk.app.context import KioskContext
from kiosk.app.damage import StoreDamage, read_damage
from kiosk.app.reasons import lead_reasons, reasons_for_override
from kiosk.app.usb import find_usb_mounts
from kiosk.config.pinguard import PinGuard
from kiosk.errors import KioskError
from sync.record.fields import TAGS

log = logging.getLogger(__name__)


class StaffError(KioskError):
    """A staff action was refused; ``key`` is a translation key."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def start_of_today_utc(now: datetime | None = None) -> str:
    local = (now or datetime.now()).astimezone()
    midnight = datetime.combine(local.date(), dtime(0, 0), tzinfo=local.tzinfo)
    return midnight.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass(frozen=True)
class PinAttempt:
    """What the PIN pad shows: ``ok``, or why not (a translation key and the seconds to wait)."""

    ok: bool
    key: str = ""
    wait_s: int = 0


class StaffService:
    def __init__(self, context: KioskContext, store: Any, sync: Any = None,
                 export: Callable[[Any, str, Path], int] | None = None,
                 find_usb: Callable[[], list[Path]] = find_usb_mounts,
                 now: Callable[[], datetime] = datetime.now, keys: Any = None,
                 pin_guard: PinGuard | None = None, demo_pin_refused: Callable[[], bool] = lambda: False,
                 new_pin: Callable[[], str | None] = lambda: None) -> None:
        """``keys`` (``kiosk.bootstrap.KeysAccess``) when personal data is sealed: ``locked``,
        ``unlock(passphrase|None)``, ``lock()``; None for a kiosk without keys. ``pin_guard``
        slows guessing (persisted in the data dir by bootstrap); ``demo_pin_refused`` is true
        on an enrolled kiosk still on the demo PIN; ``new_pin`` hands out a PIN provisioning
        generated, once."""
        self.pin_guard = pin_guard or PinGuard(None)
        self._demo_pin_refused = demo_pin_refused
        self._new_pin = new_pin
        self.context = context
        self.keys = keys
        self.store = store
        self.sync = sync
        self._export = export
        self._find_usb = find_usb
        self._now = now

    # --- access ----------------------------------------------------------------------------------
    def try_pin(self, pin: str) -> PinAttempt:
        """The PIN pad's check: waits after repeated wrong PINs (surviving a restart), and an
        enrolled kiosk does not open with the demo PIN."""
        wait = self.pin_guard.wait_s()
        if wait > 0:
            return PinAttempt(False, "pin.wait", int(wait) + 1)
        if self._demo_pin_refused():
            return PinAttempt(False, "pin.demo_refused")
        if self.check_pin(pin):
            self.pin_guard.succeeded()
            return PinAttempt(True)
        wait = self.pin_guard.failed()
        return PinAttempt(False, "pin.wait" if wait else "pin.wrong", int(wait) + 1 if wait else 0)

    def take_new_pin(self) -> str | None:
        return self._new_pin()

    def check_pin(self, pin: str) -> bool:
        """Wrong PINs are simply refused; the hash check itself lives in kiosk.config.pin."""
        if not pin:
            return False
        try:
            return bool(self.context.check_pin(pin))
        except Exception:  # a broken hash in the config must not open the staff area
            log.exception("checking the staff PIN")
            return False

    # --- leads -----------------------------------------------------------------------------------
    def todays_leads(self, tag: str | None = None, text: str | None = None) -> list[dict[str, Any]]:
        """Newest first. ``tag`` is hot|warm|nurture (not discarded), "discarded", or None for all."""
        kwargs: dict[str, Any] = {"since": start_of_today_utc(self._now()), "show_id": self.context.show.id}
        if text and text.strip():
            kwargs["text"] = text.strip()
        if tag == "discarded":
            kwargs["discarded"] = True
        elif tag in TAGS:
            kwargs["tag"] = tag
            kwargs["discarded"] = False
        leads = list(self.store.find(**kwargs))
        leads.sort(key=lambda lead: lead.get("captured_at") or "", reverse=True)
        return leads

    def get(self, lead_id: str) -> dict[str, Any] | None:
        return self.store.get(lead_id)

    def edit_contact(self, lead_id: str, contact: dict[str, Any]) -> dict[str, Any]:
        """Refused while the lead's details are sealed: the form shows them blank, and saving it
        would overwrite what the visitor gave with nothing."""
        current = self.store.get(lead_id)
        if current is not None and isinstance(current.get("sealed"), dict):
            raise StaffError("keys.locked_edit")
        return self._edited(self.store.edit(lead_id, {"contact": contact}, actor=self._actor()))

    def retag(self, lead_id: str, tag: str | None) -> dict[str, Any]:
        """The override sits beside the computed tag (never replacing it); None returns to computed."""
        if tag is not None and tag not in TAGS:
            raise StaffError("error.generic", error=f"unknown tag {tag!r}")
        lead = self._require(lead_id)
        computed = (lead.get("score") or {}).get("computed_tag")
        changes: dict[str, Any] = {"override": tag, "tag": tag or computed}
        if tag is not None and (lead.get("score") or {}).get("discarded"):
            # staff giving a discarded lead a tag want it followed up: it is reinstated, so the
            # screen, sync and central all read the tag chosen rather than "Discarded"
            changes.update(discarded=False, discard_reason=None)
        reasons = reasons_for_override(self.context.form, lead, tag)
        if reasons is not None:
            changes["reasons"] = reasons
        return self._edited(self.store.edit(lead_id, {"score": changes}, actor=self._actor()))

    def discard(self, lead_id: str, reason: str) -> dict[str, Any]:
        if not reason or not reason.strip():
            raise StaffError("lead.discard_need_reason")
        self._require(lead_id)
        return self._edited(self.store.edit(lead_id, {"score": {"discarded": True,
                                                                "discard_reason": reason.strip()}},
                                            actor=self._actor()))

    def reinstate(self, lead_id: str) -> dict[str, Any]:
        self._require(lead_id)
        return self._edited(self.store.edit(lead_id, {"score": {"discarded": False, "discard_reason": None}},
                                            actor=self._actor()))

    def reasons(self, lead: dict[str, Any], language: str | None = None) -> tuple[list[str], str | None]:
        """``(reasons, discard_reason)`` in the kiosk's language, for the lead detail."""
        return lead_reasons(self.context.form, lead, language or self.context.language)

    def conflicts(self, lead: dict[str, Any]) -> list[dict[str, str]]:
        """Two-way conflicts of a lead (edited here and centrally), as text for the lead screen:
        ``[{"field", "kiosk", "central"}]``; staff settle one by setting the field."""
        out = []
        for c in lead.get("conflicts") or []:
            if isinstance(c, dict):
                out.append({k: "–" if c.get(k) in (None, "") else str(c.get(k)) for k in ("field", "kiosk", "central")})
        return out

    def _require(self, lead_id: str) -> dict[str, Any]:
        lead = self.store.get(lead_id)
        if lead is None:
            raise StaffError("error.generic", error=f"lead {lead_id} not found")
        return lead

    def _actor(self) -> str:
        return self.context.staff or "staff"

    def _edited(self, lead: dict[str, Any]) -> dict[str, Any]:
        """An edited lead is a new version to deliver: wake the outbox now, as after a capture,
        so sales see a re-tag to hot within seconds, not at the next backoff tick."""
        trigger = getattr(self.sync, "trigger", None)
        if callable(trigger):
            try:
                trigger()
            except Exception:  # noqa: BLE001  (the edit is saved; delivery just waits its turn)
                log.exception("waking the sync worker after an edit")
        return lead

    # --- sync ------------------------------------------------------------------------------------
    def sync_status(self) -> dict[str, Any]:
        """Per destination: pending, sent, failed, parked, last_success_at, last_error."""
        if self.sync is not None and hasattr(self.sync, "status"):
            try:
                status = self.sync.status()
                if isinstance(status, dict) and isinstance(status.get("destinations"), dict):
                    return status["destinations"]
                if isinstance(status, dict) and status:
                    return status
            except Exception:
                log.exception("reading sync status from the worker")
        return dict(self.store.sync_status())

    def store_damage(self) -> StoreDamage | None:
        """What the lead store found lost (None: whole), for the banner and the sync screen."""
        return read_damage(self.store)

    def acknowledge_damage(self) -> None:
        """Staff saw the damage report: the banner goes (the kept files and recovery.log stay)."""
        self.store.acknowledge_damage(self._actor())

    def sync_available(self) -> bool:
        return self.sync is not None

    def sync_now(self) -> None:
        if self.sync is None:
            raise StaffError("sync.unavailable")
        for name in ("sync_now", "trigger", "wake"):
            method = getattr(self.sync, name, None)
            if callable(method):
                method()
                return
        raise StaffError("sync.unavailable")

    # --- settings --------------------------------------------------------------------------------
    def set_staff(self, name: str) -> None:
        self.context.staff = name.strip()
        self.context.persist({"staff": self.context.staff})

    def set_language(self, language: str) -> None:
        self.context.language = language
        self.context.persist({"language": language})

    def set_mode(self, mode: str) -> None:
        if mode not in ("staffed", "self_serve"):
            raise StaffError("error.generic", error=f"unknown mode {mode!r}")
        self.context.mode = mode
        self.context.persist({"mode": mode})

    def shows(self) -> list[Any]:
        try:
            return list(self.context.list_shows())
        except KioskError:
            log.exception("listing shows")
            return [self.context.show]

    def switch_show(self, show_id: str) -> Any:
        """Loads the other show's config first, so a broken show file leaves the current one active."""
        if self.context.load_show is None:
            raise StaffError("error.generic", error="switching shows is not available")
        try:
            show, form = self.context.load_show(show_id)
        except KioskError as exc:
            raise StaffError("error.generic", error=str(exc)) from exc
        self.context.show = show
        self.context.form = form
        self.context.persist({"show": show_id})
        return form

    # --- export ----------------------------------------------------------------------------------
    def usb_mounts(self) -> list[Path]:
        return self._find_usb()

    def export_to_usb(self) -> tuple[Path, int]:
        """CSV and XLSX of this show's leads into a folder on the newest stick."""
        mounts = self._find_usb()
        if not mounts:
            raise StaffError("export.no_usb")
        if self._export is None:
            raise StaffError("export.failed", error="export is not available")
        if self.keys is not None and self.keys.locked:
            raise StaffError("export.locked")
        stamp = self._now().astimezone().strftime("%Y%m%d-%H%M%S")  # local time, naive or aware clock
        folder = mounts[0] / "leadkiosk"
        base = f"{self.context.show.id}-{self.context.kiosk_id}-{stamp}"
        try:
            folder.mkdir(exist_ok=True)
            count = self._export(self.store, "csv", folder / f"{base}.csv")
            self._export(self.store, "xlsx", folder / f"{base}.xlsx")
        except (OSError, KioskError) as exc:
            raise StaffError("export.failed", error=str(exc)) from exc
        return folder / f"{base}.csv", int(count or 0)
