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
