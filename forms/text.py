"""Translated text. A form is written once for an international show, so every visible string is a
mapping language -> text; asking for a language the form lacks falls back to the form's first
language instead of failing in front of a visitor."""
from __future__ import annotations


class Text(dict):
    """``{lang: text}`` with a fallback language, so ``label[lang]`` never raises for a known form."""

    __slots__ = ("fallback",)

    def __init__(self, texts: dict[str, str] | None = None, fallback: str = "en"):
        super().__init__(texts or {})
        self.fallback = fallback

    def __missing__(self, lang: str) -> str:
        if self.fallback in self:
            return dict.__getitem__(self, self.fallback)
        return next(iter(self.values()), "")

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Text, (dict(self), self.fallback))


# Built-in labels for the two answers of a yes/no question, so marketers need not repeat them.
YES = {"en": "Yes", "de": "Ja", "fr": "Oui", "es": "Sí", "it": "Sì", "nl": "Ja"}
NO = {"en": "No", "de": "Nein", "fr": "Non", "es": "No", "it": "No", "nl": "Nee"}


def builtin(table: dict[str, str], languages: tuple[str, ...]) -> Text:
    return Text({lang: table.get(lang, table["en"]) for lang in languages}, languages[0])
