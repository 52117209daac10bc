"""The kiosk's local lead store: TinyDB on a durable journal storage (see ARCHITECTURE.md)."""
from kiosk.errors import StoreError
from kiosk.store.record import SCHEMA_VERSION, migrate, new_lead
from kiosk.store.service import LeadStore, MemoryLeadStore, open_store
from sync.record.delivery import is_pending

__all__ = ["LeadStore", "MemoryLeadStore", "SCHEMA_VERSION", "StoreError", "is_pending", "migrate",
           "new_lead", "open_store"]
