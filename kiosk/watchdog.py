"""systemd's notify protocol (READY=1, WATCHDOG=1) with the stdlib, so the unit can use
``Type=notify`` and ``WatchdogSec=``: if the UI thread hangs, the pings stop and systemd restarts
the kiosk. Without ``$NOTIFY_SOCKET`` (a laptop, tests) every call is a no-op.
"""
from __future__ import annotations

import os
import socket


def _address(value: str) -> str | bytes:
    # "@name" is an abstract socket: the leading "@" stands for a NUL byte.
    return b"\0" + value[1:].encode() if value.startswith("@") else value


def notify(message: str, env: dict[str, str] | None = None) -> bool:
    """Send one notify datagram; returns whether it was sent. Never raises: a watchdog that
    crashes the app it guards would be worse than none."""
    target = (env if env is not None else os.environ).get("NOTIFY_SOCKET")
    if not target:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(_address(target))
            sock.sendall(message.encode())
        return True
    except OSError:
        return False


def ready() -> bool:
    return notify("READY=1")


def ping() -> bool:
    return notify("WATCHDOG=1")


def status(text: str) -> bool:
    return notify(f"STATUS={text}")


def interval_s(env: dict[str, str] | None = None, default: float = 10.0) -> float:
    """Half of ``$WATCHDOG_USEC`` (systemd's advice), or ``default`` when unset."""
    usec = (env if env is not None else os.environ).get("WATCHDOG_USEC")
    try:
        return max(0.5, int(usec) / 2e6) if usec else default
    except ValueError:
        return default
