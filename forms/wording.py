"""The fixed words of score reasons, per language. The form supplies what a question, an option or
a rule is called (``short``, ``says``, ``reason``); these templates supply the sentence around it.
Kept here as a plain table (no I/O, no gettext) because central, the CLI and the kiosk must all
produce the same sentence for the same lead and language, and a test checks every language carries
the same keys and placeholders."""
from __future__ import annotations

# ``{tag}``/``{override}``/``{computed}`` are filled with the tag's word from ``tag.<name>``.
REASONS: dict[str, dict[str, str]] = {
    "en": {
        "points": "{q} {o} {points}",
        "needs": "{tag} needs {says}: {words} does not qualify",
        "total": "{total} points: {tag} (warm from {warm}, hot from {hot})",
        "discarded": "discarded: {reason} (kept, a field marketer can reinstate it)",
        "override": "staff set the tag to {override} (the form computed {computed})",
        "not_asked": "not asked",
        "not_answered": "not answered",
        "none_picked": "none picked",
        "yes": "yes",
        "no": "no",
        "scale": "{n} of {top}",
        "tag.hot": "hot",
        "tag.warm": "warm",
        "tag.nurture": "nurture",
        "decimal": ".",
    },
    "de": {
        "points": "{q} {o} {points}",
        "needs": "{tag} braucht {says}: {words} genügt nicht",
        "total": "{total} Punkte: {tag} (Warm ab {warm}, Heiß ab {hot})",
        "discarded": "verworfen: {reason} (aufbewahrt, das Field-Marketing kann ihn wiederherstellen)",
        "override": "Personal hat die Einstufung auf {override} gesetzt (das Formular ergab {computed})",
        "not_asked": "nicht gefragt",
        "not_answered": "nicht beantwortet",
        "none_picked": "nichts gewählt",
        "yes": "ja",
        "no": "nein",
        "scale": "{n} von {top}",
        "tag.hot": "Heiß",
        "tag.warm": "Warm",
        "tag.nurture": "Pflegen",
        "decimal": ",",
    },
}
DEFAULT = "en"


def templates(language: str, fallback: str = DEFAULT) -> dict[str, str]:
    """The table for ``language``; a language without one uses ``fallback`` (the form's first
    language), then English, so a reason is always written in full rather than failing."""
    return REASONS.get(language) or REASONS.get(fallback) or REASONS[DEFAULT]


def number(n: int | float, language: str, fallback: str = DEFAULT, signed: bool = False) -> str:
    """Points as written in ``language`` (``2,5`` in German); whole floats print without ``.0``."""
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    text = f"{n:+}" if signed else f"{n}"
    sep = templates(language, fallback)["decimal"]
    return text.replace(".", sep) if sep != "." else text
