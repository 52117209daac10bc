"""Badge scanning: frame sources, decoders, the scan pipeline and badge payload parsing.

Names are resolved lazily so that importing the pure parsers (``from kiosk.scan import
BadgeParser``) never drags in OpenCV: the CLI's ``--help`` and the sync side stay light.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Contact": "kiosk.scan.badge.contact",
    "BadgeParser": "kiosk.scan.badge.parser",
    "BadgeProfile": "kiosk.scan.badge.profile",
    "default_badge_profile": "kiosk.scan.badge.profile",
    "load_badge_profile": "kiosk.scan.profile_file",
    "load_badge_profile_text": "kiosk.scan.profile_file",
    "Roster": "kiosk.scan.badge.roster",
    "load_roster": "kiosk.scan.roster_file",
    "FrameSource": "kiosk.scan.sources",
    "open_frame_source": "kiosk.scan.sources",
    "MemoryFrameSource": "kiosk.scan.sources",
    "Code": "kiosk.scan.decoder",
    "Decoder": "kiosk.scan.decoder",
    "Scanner": "kiosk.scan.scanner",
    "RepeatFilter": "kiosk.scan.scanner",
    "ScanWorker": "kiosk.scan.worker",
    "demo_video_path": "kiosk.scan.demo_video",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kiosk.scan' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
