"""Money as CRM exports write it: "12,500.00" (US/UK), "12.500,00" (Germany), "12 500,00" (France),
"USD 12,500.00", "€ 12.500", "12500 EUR". Pure; used by the outcome import, the CRM pull and the
show-cost form, so every amount is read by the same rule.

Rule: when both ``,`` and ``.`` occur, the last one is the decimal mark. When only one occurs, it is
a decimal mark if 1-2 digits follow its last occurrence, and a thousands separator otherwise
("1,234" = 1234; a column's own convention, from :func:`decimal_mark_of`, settles the rest).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable

SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF", "Fr.": "CHF",
           "US$": "USD", "A$": "AUD", "C$": "CAD", "kr": "SEK", "zł": "PLN"}
_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class AmountError(ValueError):
    """Not an amount; the message says what was expected."""


@dataclass(frozen=True)
class Amount:
    amount: Decimal
    currency: str | None


def decimal_mark_of(values: Iterable[str]) -> str | None:
    """The decimal mark a column uses (``"."`` or ``","``), judged from its unambiguous values;
    None when nothing tells (all whole numbers)."""
    votes = {".": 0, ",": 0}
    for v in values:
        digits = re.sub(r"[^0-9.,]", "", v or "")
        if "," in digits and "." in digits:
            votes[max((",", "."), key=digits.rfind)] += 1
            continue
        for mark in (",", "."):
            if digits.count(mark) == 1 and re.search(re.escape(mark) + r"\d{1,2}$", digits):
                votes[mark] += 1
    if votes["."] == votes[","]:
        return None
    return "." if votes["."] > votes[","] else ","


def parse_amount(text: str, *, decimal_mark: str | None = None, default_currency: str | None = None) -> Amount:
    """Read one amount; raises :class:`AmountError` with what was expected."""
    raw = (text or "").strip()
    if not raw:
        raise AmountError("empty")
    currency = None
    m = _CODE.search(raw)
    if m:
        currency = m.group(1)
        raw = raw[:m.start()] + raw[m.end():]
    else:
        for sym in sorted(SYMBOLS, key=len, reverse=True):
            if sym in raw:
                currency = SYMBOLS[sym]
                raw = raw.replace(sym, "")
                break
    neg = raw.strip().startswith("-") or (raw.strip().startswith("(") and raw.strip().endswith(")"))
    body = _SPACES.sub("", raw).strip("()-+")
    if not body or not re.fullmatch(r"[0-9.,]+", body):
        raise AmountError(f"expected an amount like 12,500.00, 12.500,00 or USD 12500, got {text!r}")
    mark = _decimal_mark(body, decimal_mark)
    if mark and body.count(mark) > 1:
        raise AmountError(f"more than one decimal mark in {text!r}")
    if mark is None:
        body = body.replace(",", "").replace(".", "")
    else:
        body = body.replace("," if mark == "." else ".", "").replace(",", ".")
    try:
        value = Decimal(body)
    except InvalidOperation:
        raise AmountError(f"expected an amount, got {text!r}") from None
    return Amount(-value if neg else value, currency or default_currency)


def _decimal_mark(body: str, hint: str | None) -> str | None:
    if "," in body and "." in body:
        return max((",", "."), key=body.rfind)
    for mark in (",", "."):
        if mark in body:
            if hint:
                return mark if mark == hint else None
            tail = body.rsplit(mark, 1)[1]
            return mark if body.count(mark) == 1 and 1 <= len(tail) <= 2 else None
    return None
