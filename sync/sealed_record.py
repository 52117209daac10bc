"""A lead record with its personal data sealed: the shape both the kiosk store and central read.

Why a shape of its own rather than an encrypted file: the store's guarantees (journal, kill
tests, damage detection), the sync queue, counters and the *Done* screen all work on the
record's clear, non-personal fields (answers, score, tag, reasons, times, sync state); only the
visitor's personal data has to be unreadable on a stolen card. So a sealed record is a normal
record whose personal fields are blanked and moved into ``record["sealed"]``:

```
"contact": {every contact field null except "format"}, "notes": "",
"history": [... personal changes replaced by {"sealed": true} ...],
"sealed": {"v": 1, "kid": "<kiosk key id>", "box": "<base64 sealed box to the kiosk key>",
           "central": "<base64 sealed box to central's key for this device>" | null,
           "dedup": {"registration_id": "<hex>" | null, "email": "<hex>" | null},
           "digest": "<hex keyed hash of the personal payload>"}
```
The payload inside both boxes is ``{"contact": {...}, "notes": "...", "history": {"<index>":
{"contact.email": {"old", "new"}, ...}}}``, plus ``"card_photo"`` (base64 JPEG) on a lead read
from a business card (its clear form then has ``"card_photo": null``). Boxes are libsodium
sealed boxes (X25519 + XSalsa20-Poly1305, anonymous sender): anyone with the public key can seal, only the private
key opens, and a changed byte makes opening fail (reported as damage, never as garbage).

Pure apart from PyNaCl; no file or network access.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import unicodedata
from typing import Any, Mapping

from sync.record.fields import CONTACT_FIELDS

SEALED_VERSION = 1
# What is personal: every contact field except the badge format, the notes, and those fields'
# old/new values in history. Everything else (answers, score, tag, times, sync) stays clear.
CLEAR_CONTACT_FIELDS = ("format",)
PERSONAL_TOP_KEYS = ("contact", "notes", "card_photo")   # card_photo: only on leads read from a card
SEALED_CHANGE = {"sealed": True}


class SealedRecordError(ValueError):
    """A sealed record cannot be opened (wrong key, damaged box, bad shape)."""


def is_personal_path(path: str) -> bool:
    """True for history paths whose old/new values are personal (``contact.email``, ``notes``)."""
    if path in PERSONAL_TOP_KEYS:
        return True
    if path.startswith("contact."):
        return path[len("contact."):] not in CLEAR_CONTACT_FIELDS
    return False


def is_sealed(record: Mapping[str, Any]) -> bool:
    return isinstance(record.get("sealed"), dict)


def split_personal(record: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(record with personal data blanked, the personal payload). The input is not changed."""
    clear: dict[str, Any] = copy.deepcopy(dict(record))
    contact = dict(clear.get("contact") or {})
    payload: dict[str, Any] = {"contact": contact, "notes": clear.get("notes") or "", "history": {}}
    blank = {k: None for k in CONTACT_FIELDS}
    for key in CLEAR_CONTACT_FIELDS:
        blank[key] = contact.get(key)
    clear["contact"] = blank
    clear["notes"] = ""
    if clear.get("card_photo") is not None:   # the photo of a visitor's card is as personal as its text
        payload["card_photo"] = clear["card_photo"]
        clear["card_photo"] = None
    for index, entry in enumerate(clear.get("history") or []):
        changes = entry.get("changes") or {}
        personal = {p: c for p, c in changes.items() if is_personal_path(p)}
        if personal:
            payload["history"][str(index)] = personal
            for path in personal:
                changes[path] = dict(SEALED_CHANGE)
    return clear, payload


def join_personal(record: Mapping[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    """The clear record: ``record`` (sealed form) with ``payload`` put back and ``sealed`` removed."""
    out: dict[str, Any] = copy.deepcopy(dict(record))
    out.pop("sealed", None)
    contact = dict(out.get("contact") or {})
    contact.update(payload.get("contact") or {})
    out["contact"] = contact
    out["notes"] = payload.get("notes") or ""
    if payload.get("card_photo") is not None:
        out["card_photo"] = payload["card_photo"]
    history = out.get("history") or []
    for index, changes in (payload.get("history") or {}).items():
        try:
            entry = history[int(index)]
        except (ValueError, IndexError):
            continue
        entry.setdefault("changes", {}).update(copy.deepcopy(changes))
    return out


def personal_digest(key: bytes, payload: Mapping[str, Any]) -> str:
    """Keyed hash of the payload: tells "the same personal data" apart while locked (a double tap
    saving the identical record again) without revealing it."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, b"payload\x00" + text.encode("utf-8"), hashlib.sha256).hexdigest()


def normalise_email(email: Any) -> str | None:
    if not email or not str(email).strip():
        return None
    return unicodedata.normalize("NFKC", str(email)).strip().casefold()


def normalise_registration_id(reg: Any) -> str | None:
    if not reg or not str(reg).strip():
        return None
    return unicodedata.normalize("NFKC", str(reg)).strip()


def dedup_hash(key: bytes, kind: str, value: str | None) -> str | None:
    """HMAC-SHA256 of a normalised e-mail / registration id (``kind`` separates the two)."""
    if value is None:
        return None
    return hmac.new(key, kind.encode() + b"\x00" + value.encode("utf-8"), hashlib.sha256).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str = "value") -> bytes:
    try:
        return base64.b64decode(str(text).encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise SealedRecordError(f"{what}: not base64 ({exc})") from None


def seal_to(public_key: bytes, payload: Mapping[str, Any]) -> str:
    """A sealed box of the payload's JSON for ``public_key`` (32 raw bytes)."""
    from nacl.public import PublicKey, SealedBox

    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b64(SealedBox(PublicKey(public_key)).encrypt(text))


def open_box(private_key: bytes, box: Any, what: str = "sealed box") -> dict[str, Any]:
    """Open one of :func:`seal_to`'s boxes; :class:`SealedRecordError` if it is not ours or damaged."""
    from nacl.exceptions import CryptoError
    from nacl.public import PrivateKey, SealedBox

    raw = unb64(box, what)
    try:
        text = SealedBox(PrivateKey(private_key)).decrypt(raw)
        payload = json.loads(text.decode("utf-8"))
    except (CryptoError, ValueError, UnicodeDecodeError) as exc:
        raise SealedRecordError(f"{what} cannot be opened: damaged or sealed to another key ({exc})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("contact"), dict):
        raise SealedRecordError(f"{what}: the opened payload is not a personal-data object")
    return payload


def change_payload(changes: Mapping[str, Any], history_index: int) -> dict[str, Any]:
    """An overlay: personal changes made while locked (the old values are sealed, so unknown
    here). ``history_index`` is the history entry that records them."""
    out: dict[str, Any] = {"index": history_index}
    if isinstance(changes.get("contact"), Mapping):
        out["contact"] = dict(changes["contact"])
    if "notes" in changes:
        out["notes"] = changes["notes"] or ""
    if changes.get("card_photo") is not None:
        out["card_photo"] = changes["card_photo"]
    return out


def apply_overlays(payload: dict[str, Any], overlays: list[dict[str, Any]]) -> dict[str, Any]:
    """Put the locked-time changes on top of the base payload, in order, and fill in the history
    entries they belong to with old/new values (the old value is the one before that overlay)."""
    contact = payload.setdefault("contact", {})
    history = payload.setdefault("history", {})
    for ov in overlays:
        entry = history.setdefault(str(ov.get("index")), {})
        for key, new in (ov.get("contact") or {}).items():
            entry[f"contact.{key}"] = {"old": contact.get(key), "new": new}
            contact[key] = new
        if "notes" in ov:
            entry["notes"] = {"old": payload.get("notes") or "", "new": ov["notes"]}
            payload["notes"] = ov["notes"]
        if ov.get("card_photo") is not None:
            entry["card_photo"] = {"old": photo_note(payload.get("card_photo")), "new": photo_note(ov["card_photo"])}
            payload["card_photo"] = ov["card_photo"]
    return payload


def photo_note(photo: Any) -> str | None:
    """What a record's history says of a card photo: its size, not its bytes (a lead's history
    would otherwise carry every photo it ever had, 100+ KB each)."""
    if not isinstance(photo, str) or not photo:
        return None
    return f"card photo, {len(photo) * 3 // 4 // 1024} KB"


def open_for_central(record: Mapping[str, Any], private_key: bytes) -> dict[str, Any]:
    """What central does with a sealed record from a locked kiosk: the clear record."""
    sealed = record.get("sealed")
    if not isinstance(sealed, dict):
        return dict(record)
    if not sealed.get("central"):
        raise SealedRecordError("sealed record carries no box for central (sealed before enrollment)")
    payload = open_box(private_key, sealed["central"], "sealed.central")
    overlays = []
    for i, ov in enumerate(sealed.get("overlays") or []):
        if not isinstance(ov, dict) or not ov.get("central"):
            raise SealedRecordError("a change made while locked carries no box for central")
        overlays.append(_open_overlay(private_key, ov["central"], f"sealed.overlays[{i}].central"))
    return join_personal(record, apply_overlays(payload, overlays))


def _open_overlay(private_key: bytes, box: Any, what: str) -> dict[str, Any]:
    from nacl.exceptions import CryptoError
    from nacl.public import PrivateKey, SealedBox

    try:
        ov = json.loads(SealedBox(PrivateKey(private_key)).decrypt(unb64(box, what)).decode("utf-8"))
    except (CryptoError, ValueError, UnicodeDecodeError) as exc:
        raise SealedRecordError(f"{what} cannot be opened: damaged or sealed to another key ({exc})") from None
    if not isinstance(ov, dict):
        raise SealedRecordError(f"{what}: not an object")
    return ov


def open_overlay(private_key: bytes, box: Any, what: str = "overlay") -> dict[str, Any]:
    return _open_overlay(private_key, box, what)
