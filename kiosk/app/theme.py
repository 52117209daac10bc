"""Colours and sizes in one place, so every screen looks like the same product.

Sizes are pixels for a 7" 800x480 panel (about 133 dpi): 48 px is roughly 9 mm, the smallest
comfortable touch target; the main buttons are bigger.
"""
from __future__ import annotations

BG = (0.957, 0.965, 0.976, 1)          # #f4f6f9 page background
CARD = (1, 1, 1, 1)
INK = (0.106, 0.133, 0.176, 1)         # #1b222d body text
MUTED = (0.39, 0.43, 0.50, 1)          # secondary text
LINE = (0.85, 0.87, 0.90, 1)
DANGER = (0.78, 0.16, 0.16, 1)
OK = (0.18, 0.60, 0.27, 1)             # flash on a good read
CHECK = (0.93, 0.62, 0.0, 1)           # a field read from a card that staff should check
CHECK_BG = (1, 0.95, 0.80, 1)
NEUTRAL_BTN = (0.90, 0.92, 0.95, 1)
# A disabled button: grey fill, dark grey text (about 4.7:1), still plainly "off" beside the brand
# colour. The old look (the button's own colours at 45 %) put white on pale blue, about 1.3:1.
DISABLED_BG = (0.84, 0.86, 0.89, 1)
DISABLED_FG = (0.30, 0.33, 0.38, 1)

TAG_COLORS = {
    "hot": (0.83, 0.18, 0.18, 1),
    "warm": (0.96, 0.49, 0.0, 1),
    "nurture": (0.10, 0.46, 0.82, 1),
    "discarded": (0.45, 0.47, 0.50, 1),
}

TOUCH_MIN = 48       # px, the minimum
BUTTON_H = 64        # main navigation buttons
OPTION_H = 56        # answer buttons
HEADER_H = 64
KEYBOARD_H_LANDSCAPE = 220
KEYBOARD_H_PORTRAIT = 380


def darker(color: tuple[float, ...] | list[float], by: float = 0.15) -> list[float]:
    return [max(0.0, c * (1 - by)) for c in color[:3]] + [color[3] if len(color) > 3 else 1.0]

# The card guide on the preview (left, top, right, bottom as fractions of the picture): the same
# area the still check measures, so "steady and sharp" is judged where the card is.
from kiosk.scan.card.still import GUIDE  # noqa: E402,F401  (used by scan.kv)
