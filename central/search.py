"""The lead search key: names, company and e-mail folded so that "öztürk", "GARCÍA", "fernandez" and
"jurgen" find Öztürk, García, Fernández and Jürgen on SQLite and PostgreSQL alike.

Neither database folds accents in LIKE/ILIKE (SQLite folds only A-Z), so the fold happens in
Python, once, when a lead is written (ingest, review edits, demo load), into ``leads.search_text``;
a search folds its words the same way and matches one narrow column with a plain LIKE.

That LIKE '%word%' is served by a different index on each database (migration 0006_search_speed):
a covering index over live leads on SQLite, a pg_trgm GIN index on PostgreSQL. Neither has a
counterpart on the other database, so they are not in the models; ``DIALECT_INDEXES`` names them
for the schema comparison.
"""
from __future__ import annotations

import hashlib
import unicodedata
from typing import Any, Iterable

# Letters that do not decompose into base letter + accent.
_EXTRA = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th",
                        "ð": "d", "ŋ": "n"})
SEARCH_FIELDS = ("first_name", "last_name", "company", "email")
MAX_LEN = 1200
DIALECT_INDEXES = {"sqlite": ("ix_leads_live_search",), "postgresql": ("ix_leads_search_trgm",)}


def fold(text: str) -> str:
    """Lower case without accents: ``"Jürgen GARCÍA-Øster"`` -> ``"jurgen garcia-oster"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.translate(_EXTRA)


def search_text(values: Iterable[Any]) -> str | None:
    """The folded key of a lead's searchable fields (None when all are empty)."""
    parts = [fold(str(v)) for v in values if isinstance(v, str) and v.strip()]
    return " ".join(parts)[:MAX_LEN] or None


def search_text_of(columns: dict[str, Any]) -> str | None:
    return search_text(columns.get(k) for k in SEARCH_FIELDS)


def email_key(email: Any) -> str | None:
    """The e-mail as the duplicate rule compares it: ignoring case and surrounding spaces."""
    return (email.strip().lower() or None) if isinstance(email, str) else None


def name_key(first: Any, last: Any, company: Any) -> str | None:
    """The duplicate rule's "same first name, last name and company, ignoring case and accents":
    None unless all three are there. Stored as a short digest of the three folded parts, so the
    column and its index stay narrow whatever the names' length or script."""
    parts = [fold(v) if isinstance(v, str) else "" for v in (first, last, company)]
    if not all(p.strip() for p in parts):
        return None
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def keys_of(columns: dict[str, Any]) -> dict[str, str | None]:
    """The columns derived from a lead's contact columns, written wherever those are written
    (ingest, review edits, merges, demo data): the search key and the two duplicate keys."""
    return {"search_text": search_text_of(columns), "email_key": email_key(columns.get("email")),
            "name_key": name_key(columns.get("first_name"), columns.get("last_name"), columns.get("company"))}
