"""On-screen keyboard layouts for Kivy's VKeyboard: English (QWERTY), German (QWERTZ) and an e-mail
layout per language, each with a symbols-and-accents layer.

Kivy's own layouts need Shift held down (a second finger on a touchscreen), put "@" on the shift
layer and have a layout key that does nothing useful. Here Shift is a one-shot key the dock handles
(``shift1``: tap = the next letter upper case; two taps = caps lock), ``sym`` toggles the accents
layer (upper case too, with Shift), and e-mail fields get @ . .com - _ on the first layer.
A key is ``[shown, text typed, key name, width]`` (Kivy's format); every row adds up to COLS.
"""
from __future__ import annotations

from typing import Any

COLS = 12
BACK = ["\u232b", None, "backspace", 1]
ENTER = ["\u23ce", None, "enter", 2]
SHIFT = ["\u21e7", None, "shift1", 2]
SYM = ["\u00e9?#", None, "sym", 2]
ABC = ["ABC", None, "sym", 2]
HIDE = ["\u2328\u2193", None, "escape", 2]


def _keys(chars: str, width: float = 1) -> list[list[Any]]:
    return [[c, c, c, width] for c in chars]


def _space(width: float) -> list[Any]:
    return [" ", " ", "spacebar", width]


def _upper(row: list[list[Any]]) -> list[list[Any]]:
    out = []
    for shown, text, name, width in row:
        if text is not None and len(text) == 1 and text.isalpha():
            out.append([shown.upper(), text.upper(), name, width])
        else:
            out.append([shown, text, name, width])
    return out


def _layout(title: str, rows: list[list[list[Any]]], special: list[list[list[Any]]]) -> dict[str, Any]:
    for i, row in enumerate(rows + special, 1):
        total = sum(k[3] for k in row)
        if abs(total - COLS) > 1e-9:
            raise ValueError(f"keyboard {title}: row {i} is {total} keys wide, expected {COLS}")
    layout: dict[str, Any] = {"title": title, "description": title, "cols": COLS, "rows": len(rows)}
    for i, row in enumerate(rows, 1):
        layout[f"normal_{i}"] = row
        layout[f"shift_{i}"] = _upper(row)
        layout[f"special_{i}"] = special[i - 1]
    return layout


def _special(enter: bool = True) -> list[list[list[Any]]]:
    return [
        _keys("1234567890+") + [BACK],
        _keys("\u00e4\u00f6\u00fc\u00df\u00e9\u00e8\u00ea\u00e0\u00e1\u00e7\u00f1\u00e5"),
        _keys("\u00ed\u00f3\u00fa\u00f8\u00e6\u0153\u0142\u0161\u017e\u0131") + ([ENTER] if enter else _keys("!?")),
        [SHIFT] + _keys("&/()#:;!?'"),
        [ABC] + _keys("@") + _keys(".") + [_space(5)] + _keys("-") + [HIDE],
    ]


def text_layout(language: str) -> dict[str, Any]:
    """Names, companies, titles: letters first, accents one tap away."""
    if language == "de":
        rows = [_keys("1234567890\u00df") + [BACK],
                _keys("qwertzuiop\u00fc-"),
                _keys("asdfghjkl\u00f6\u00e4") + [["\u23ce", None, "enter", 1]],
                [SHIFT] + _keys("yxcvbnm,.'"),
                [SYM] + _keys("@") + [_space(6)] + _keys("&") + [HIDE]]
        return _layout("QWERTZ", rows, _special())
    rows = [_keys("1234567890-") + [BACK],
            _keys("qwertyuiop'&"),
            _keys("asdfghjkl/") + [ENTER],
            [SHIFT] + _keys("zxcvbnm,.") + _keys("!"),
            [SYM] + _keys("@") + [_space(6)] + _keys("?") + [HIDE]]
    return _layout("QWERTY", rows, _special())


def email_layout(language: str) -> dict[str, Any]:
    """E-mail addresses: @ . .com - _ without Shift; y/z as on the language's keyboard."""
    yz = ("z", "y") if language == "de" else ("y", "z")
    rows = [_keys("1234567890-") + [BACK],
            _keys(f"qwert{yz[0]}uiop_+"),
            _keys("asdfghjkl.") + [ENTER],
            [SHIFT] + _keys(f"{yz[1]}xcvbnm") + [["@", "@", "@", 1.5], [".", ".", ".", 1.5]],
            [SYM] + _keys("-_") + [_space(4), [".com", ".com", ".com", 2], HIDE]]
    return _layout("E-mail" if language != "de" else "E-Mail", rows, _special())


def layouts() -> dict[str, dict[str, Any]]:
    """Every layout by the name the dock uses: ``text-en``, ``text-de``, ``email-en``, ``email-de``."""
    return {f"{kind}-{lang}": build(lang) for lang in ("en", "de")
            for kind, build in (("text", text_layout), ("email", email_layout))}
