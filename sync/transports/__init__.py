"""Destinations the outbox delivers to. Each one turns a batch of lead records into one request
and reports, per lead, whether the destination confirmed it stored it."""
from sync.transports.base import ItemResult, Transport, idempotency_key

__all__ = ["ItemResult", "Transport", "idempotency_key"]
