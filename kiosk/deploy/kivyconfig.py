"""The Kivy configuration for each supported display, picked by ``display = "..."`` in
``leadkiosk.toml``. The profiles are complete Kivy config files (``kiosk/deploy/kivy/*.ini``):
a partial file would make Kivy fill in its defaults, and its defaults add a second touch
provider next to the mouse provider, which doubles every tap on a Pi touch display."""
from __future__ import annotations

import re
from importlib import resources

from kiosk.deploy.bootconfig import DISPLAYS, ROTATIONS
from kiosk.deploy.errors import BootConfigError

DEFAULT_KIVY_HOME = "/etc/leadkiosk/kivy"


def profile_text(display: str) -> str:
    if display not in DISPLAYS:
        raise BootConfigError("display profile", [("display", f"expected one of {' | '.join(DISPLAYS)}, got {display!r}")])
    return (resources.files("kiosk.deploy") / "kivy" / f"{display}.ini").read_text(encoding="utf-8")


def kivy_config_text(display: str, rotation: int = 0) -> str:
    """The profile with ``[graphics] rotation`` set: e.g. 180 for a 7" display mounted upside
    down in its case, 90 to use a Touch Display 2 in landscape. Kivy rotates touches with the
    window, so the input provider needs no separate rotation."""
    if rotation not in ROTATIONS:
        raise BootConfigError("display profile", [("rotation", f"expected one of 0 | 90 | 180 | 270, got {rotation!r}")])
    text = profile_text(display)
    text, n = re.subn(r"(?m)^rotation = .*$", f"rotation = {rotation}", text, count=1)
    if n != 1:
        raise AssertionError(f"kivy profile {display} has no [graphics] rotation line")
    return text
