"""What the kiosk knows about its own clock at capture time.

A Raspberry Pi 4 has no real-time clock: until NTP answers, ``captured_at`` may be days off. We
record whether the clock was synchronised, plus the monotonic time and the boot id, so the
central system can re-anchor every capture of one boot once a later, synchronised report of the
same boot arrives. Every probe is best effort: a missing file or syscall means "unknown", never a
crash at the moment a visitor is standing at the booth.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import time
from pathlib import Path
from typing import Any

TIMESYNCD_FLAG = Path("/run/systemd/timesync/synchronized")
BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")
TIME_ERROR = 5  # adjtimex(2): the kernel considers the clock unsynchronised (STA_UNSYNC/STA_CLOCKERR)

_libc: Any = None


def _adjtimex_state() -> int | None:
    """Return adjtimex(2)'s clock state (0..5) or None where the call is unavailable.

    Only the return value is used, so the layout of ``struct timex`` (which differs between
    32- and 64-bit userlands) does not matter: a zeroed, oversized buffer with ``modes == 0``
    is a read-only query that any user may make.
    """
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        buf = ctypes.create_string_buffer(512)
        state = int(_libc.adjtimex(buf))
    except (OSError, AttributeError, ValueError):
        return None
    return state if 0 <= state <= TIME_ERROR else None


def _boot_id(path: Path = BOOT_ID_FILE) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _has_rtc() -> bool:
    return any(Path(p).exists() for p in ("/dev/rtc0", "/dev/rtc", "/sys/class/rtc/rtc0"))


def clock_info(source_override: str | None = None) -> dict[str, Any]:
    """The ``clock`` object of a lead record.

    ``source`` is ``ntp`` when the kernel (or systemd-timesyncd) says the clock is disciplined,
    ``rtc`` when it is not but a hardware clock kept time over the reboot, ``unsynchronised``
    otherwise; ``manual`` only when the operator set the time by hand and says so.
    """
    synchronised: bool
    if TIMESYNCD_FLAG.exists():
        synchronised = True
    else:
        state = _adjtimex_state()
        synchronised = state is not None and state != TIME_ERROR
    if source_override:
        source = source_override
    elif synchronised:
        source = "ntp"
    elif _has_rtc():
        source = "rtc"
    else:
        source = "unsynchronised"
    return {
        "synchronised": synchronised,
        "source": source,
        "monotonic_s": round(time.monotonic(), 6),
        "boot_id": _boot_id(),
    }


def env_clock_source() -> str | None:
    """Operators who set the time by hand can say so (``LEADKIOSK_CLOCK_SOURCE=manual``)."""
    value = os.environ.get("LEADKIOSK_CLOCK_SOURCE")
    return value if value in ("ntp", "rtc", "unsynchronised", "manual") else None
