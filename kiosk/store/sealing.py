"""Where the store meets the sealing of personal data: the :class:`Sealer` protocol.

The store keeps every guarantee it has (journal, recovery, indexes) on the *stored form* of a
record; a sealer turns a clear record into its stored form on the way in and back on the way out.
``kiosk/bootstrap.py`` hands the real one (``kiosk.seal.KeySealer``) to the store; without keys a
data directory uses :class:`NoSealer` (records stored as they are), which is also what the
in-memory twin and the existing store tests use.
"""
from __future__ import annotations

from typing import Any, Mapping, Protocol

from kiosk.errors import LockedError
from sync.sealed_record import normalise_email, normalise_registration_id


class Sealer(Protocol):
    """Turns clear records into stored ones and back; everything a locked kiosk still needs
    (duplicate keys, "is this the same record") works without the private key."""

    @property
    def locked(self) -> bool:
        """True while personal data cannot be read (no private key in memory)."""
        ...

    def seal(self, record: dict[str, Any]) -> dict[str, Any]:
        """The stored form of a clear record (a record already sealed is returned as it is)."""
        ...

    def needs_seal(self, stored: Mapping[str, Any]) -> bool:
        """True for a stored record that still holds personal data in clear (older data)."""
        ...

    def reveal(self, stored: dict[str, Any]) -> dict[str, Any]:
        """The clear record when unlocked, else the stored (sealed) form unchanged. Raises
        ``sync.sealed_record.SealedRecordError`` when a sealed box is damaged."""
        ...

    def seal_change(self, sealed: Mapping[str, Any], changes: Mapping[str, Any],
                    history_index: int) -> dict[str, Any]:
        """A record's new ``sealed`` part after personal ``changes`` made while locked (sealed on
        top of the existing boxes without opening them)."""
        ...

    def dedup_keys(self, registration_id: Any, email: Any) -> tuple[str | None, str | None]:
        """Index keys for duplicate detection of a clear registration id / e-mail."""
        ...

    def same_personal(self, stored: Mapping[str, Any], clear: Mapping[str, Any]) -> bool:
        """Whether ``clear``'s personal data equals what ``stored`` sealed (a double tap)."""
        ...


class NoSealer:
    """Records stored as they are: a data directory without keys, and the in-memory twin."""

    locked = False

    def seal(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def needs_seal(self, stored: Mapping[str, Any]) -> bool:
        return False

    def reveal(self, stored: dict[str, Any]) -> dict[str, Any]:
        return stored

    def seal_change(self, sealed: Mapping[str, Any], changes: Mapping[str, Any],
                    history_index: int) -> dict[str, Any]:
        raise LockedError("this store holds sealed records but has no keys to seal changes with")

    def dedup_keys(self, registration_id: Any, email: Any) -> tuple[str | None, str | None]:
        return normalise_registration_id(registration_id), normalise_email(email)

    def same_personal(self, stored: Mapping[str, Any], clear: Mapping[str, Any]) -> bool:
        return (stored.get("contact") == clear.get("contact") and stored.get("notes") == clear.get("notes")
                and stored.get("history") == clear.get("history"))
