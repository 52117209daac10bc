"""The lead record and the kiosk <-> central wire protocol, as pure code.

Everything the kiosk, sync and central agree on lives here, once: the record's vocabulary
(``fields``), making and migrating a record (``record``), the one validator (``validate``), the
version/history rule (``versioning``), the timestamp format (``timestamps``), delivery state per
destination (``delivery``), batch statuses (``protocol``) and request signing (``signing``).

Imports nothing from kiosk, central or the rest of sync, and no I/O library (checked by
import-linter, see pyproject.toml): any part of the product can depend on it.
"""
from sync.record.delivery import apply_mark, is_pending, sync_entry
from sync.record.errors import InvalidRecord, RecordError
from sync.record.fields import (CONTACT_FIELDS, EDITABLE_KEYS, OUTCOME_STATUSES, PERSON_FIELDS, SCHEMA_VERSION,
                                SYNC_STATES, TAG_RANK, TAGS)
from sync.record.record import canonical_id, effective_tag, empty_contact, json_copy, migrate, new_lead, wire_record
from sync.record.timestamps import iso, parse_time, parse_wire_time, utc_now
from sync.record.validate import validate
from sync.record.versioning import apply_paths, deep_merge, new_version, settle_tag

__all__ = ["CONTACT_FIELDS", "EDITABLE_KEYS", "InvalidRecord", "OUTCOME_STATUSES", "PERSON_FIELDS", "RecordError",
           "SCHEMA_VERSION", "SYNC_STATES", "TAGS", "TAG_RANK", "apply_mark", "apply_paths", "canonical_id", "deep_merge",
           "effective_tag", "empty_contact", "is_pending", "iso", "json_copy", "migrate", "new_lead",
           "new_version", "parse_time", "parse_wire_time", "settle_tag", "sync_entry", "utc_now", "validate",
           "wire_record"]
