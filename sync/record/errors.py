"""The record package's one exception hierarchy.

The kiosk store translates these into ``StoreError`` and central ingest into a "rejected" result:
each side says it in its own words, but the reason (naming the field) is made here, once.
"""
from __future__ import annotations


class SyncError(Exception):
    """Base of every error raised by ``sync`` (defined here, at the bottom, so the record package's
    errors belong to the same hierarchy; ``sync.errors`` re-exports it with the rest)."""


class RecordError(SyncError):
    """Base of every error raised by ``sync.record``."""


class InvalidRecord(RecordError, ValueError):
    """A lead record the rest of the product could not use; the message names the field
    (``score.tag: expected hot, warm or nurture, got 'lukewarm'``)."""
