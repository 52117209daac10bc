"""What the app knows about where it runs: the kiosk's settings, the active show and its form.

Plain data plus a few callables supplied by ``kiosk.bootstrap``; the app never reads config files
itself, so tests and screenshots can hand it any show without touching a data directory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class ShowInfo:
    id: str
    name: str
    title: str = ""
    color: str = "#1565c0"
    logo: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    staff: tuple[str, ...] = ()     # the show's booth staff (quick pick for who is on duty)

    def title_in(self, language: str) -> str:
        return self.titles.get(language) or self.title or self.name


@dataclass
class KioskContext:
    kiosk_id: str
    show: ShowInfo
    form: Any                                   # forms.Form
    mode: str = "staffed"                       # staffed | self_serve
    language: str = "en"
    staff: str = ""
    idle_timeout_s: float = 60.0
    camera_spec: str = "auto"
    default_region: str | None = None           # the show's badge profile default_country: typed phones
    check_pin: Callable[[str], bool] = lambda pin: False
    list_shows: Callable[[], list[ShowInfo]] = field(default=lambda: [])
    # (show_id) -> (ShowInfo, form): loading another show's config, raising ConfigError when bad.
    load_show: Callable[[str], tuple[ShowInfo, Any]] | None = None
    # Persist settings the staff changed ({"language": "de"}, {"staff": "Ben"}, {"show": "x"}).
    persist: Callable[[dict[str, Any]], None] = lambda changes: None

    def hex_color(self) -> tuple[float, float, float, float]:
        return hex_to_rgba(self.show.color)


def hex_to_rgba(value: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``#1565c0`` -> RGBA floats; a bad colour falls back to the default blue instead of failing
    the whole screen over branding."""
    text = (value or "").lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        r, g, b = (int(text[i:i + 2], 16) / 255.0 for i in (0, 2, 4))
    except (ValueError, IndexError):
        r, g, b = 0x15 / 255.0, 0x65 / 255.0, 0xC0 / 255.0
    return (r, g, b, alpha)
