"""The kiosk <-> central wire protocol as data: paths, batch statuses and what each means to the
kiosk (ARCHITECTURE.md, "Kiosk <-> central wire protocol"). Central answers with these, the
kiosk's transport and the test stub read them: one list, so a new status is one edit.
"""
from __future__ import annotations

from typing import Literal

API_PREFIX = "/api/v1"
PATH_ENROLL = API_PREFIX + "/enroll"
PATH_BATCH = API_PREFIX + "/leads:batch"
PATH_CONFIG = API_PREFIX + "/config"
PATH_HEARTBEAT = API_PREFIX + "/heartbeat"

# One result per lead of a batch.
BatchStatus = Literal["stored", "duplicate", "stale", "rejected", "conflict", "merged"]
BATCH_STATUSES: tuple[str, ...] = ("stored", "duplicate", "stale", "rejected", "conflict", "merged")
# stored = this version now stored; duplicate = already had it; stale = a newer version is stored:
# all three mean "central has it", so the kiosk marks the version sent. merged = central merged it
# with an edit made there (two-way sync): the transport reads the merged record from the answer.
DELIVERED: frozenset[str] = frozenset({"stored", "duplicate", "stale"})
# rejected = malformed (reason says why), conflict = the id belongs to another device: retrying the
# same record cannot help, so the kiosk parks it (an edit un-parks it).
REFUSED: frozenset[str] = frozenset({"rejected", "conflict"})
