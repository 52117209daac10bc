"""The vocabulary of the lead record (schema 1): which tags, contact fields and states exist.

Every part of the product that lists tags or contact fields imports them from here, so adding a
contact field or a sync state is one edit. The tags themselves are the scoring engine's output
(``forms``), re-exported so record users need not know where they come from.
"""
from __future__ import annotations

from forms.model import TAGS

SCHEMA_VERSION = 1

__all__ = ["TAGS", "SCHEMA_VERSION", "TAG_RANK", "PERSON_FIELDS", "CONTACT_FIELDS", "BADGE_FORMATS",
           "SYNC_STATES", "OUTCOME_STATUSES", "CLOCK_SOURCES", "EDITABLE_KEYS", "REQUIRED_KEYS"]

# Sync order and sorting: hot leads go first.
TAG_RANK: dict[str, int] = {tag: i for i, tag in enumerate(TAGS)}

# What a person can read off a badge or type in (the contact form, the review page's edit form,
# the CLI's capture input without registration id).
PERSON_FIELDS: tuple[str, ...] = ("first_name", "last_name", "company", "title", "email", "phone", "country")
# Every key of ``record["contact"]``: the person, the registration id, how it was read, the raw payload.
CONTACT_FIELDS: tuple[str, ...] = PERSON_FIELDS + ("registration_id", "format", "raw")
BADGE_FORMATS: tuple[str, ...] = ("vcard", "mecard", "json", "delimited", "url", "roster", "manual", "card",
                                   "unknown")   # card: read from a photo of a business card or text badge

SYNC_STATES: tuple[str, ...] = ("pending", "sent", "failed", "parked")
OUTCOME_STATUSES: tuple[str, ...] = ("closed_won", "closed_lost", "discarded", "active")
CLOCK_SOURCES: tuple[str, ...] = ("ntp", "rtc", "unsynchronised", "manual")

# Top-level keys an edit may change; the rest (id, version, history, sync, ...) belong to the store.
# card_photo: a kiosk updating an earlier lead from a new card photo (the duplicate screen) keeps it.
EDITABLE_KEYS = frozenset({"contact", "answers", "consent", "score", "notes", "outcome", "staff", "card_photo"})
REQUIRED_KEYS: tuple[str, ...] = ("schema", "id", "version", "captured_at", "contact", "answers", "score")
