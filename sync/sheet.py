"""Spreadsheet formula injection: the one guard, used by every CSV/XLSX export (kiosk and central).

A visitor types their company as ``=HYPERLINK(...)`` and the marketer's spreadsheet runs it: a
text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe (OWASP's advice). Only text changes: numbers (a negative score too) and booleans stay
numbers, so sums and sorting in the sheet keep working.
"""
from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Make one cell value inert; non-text values and non-ASCII text are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
