"""Staff PIN hashing. The PIN guards the staff area of a kiosk that stands unattended in a public
hall, and ``kiosk.toml`` may be copied around on USB sticks, so only a salted scrypt hash is stored
and compared in constant time."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from kiosk.errors import ConfigError

# n=2**14, r=8 needs 16 MiB and ~50-100 ms on a Raspberry Pi 4: slow for guessing, fine for a tap.
N, R, P = 2 ** 14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
PIN_RE = re.compile(r"^[0-9]{4,12}$")
HASH_RE = re.compile(r"^scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")
MAX_N = 2 ** 20
DEMO_PIN = "1234"
# hash_pin("1234"), made once so a kiosk without kiosk.toml starts without hashing.
DEMO_PIN_HASH = "scrypt$n=16384,r=8,p=1$tCANzjSzc3gJ0M8TQYVacg==$lMez1O/srDWTbaKZY82viCdwvguu1ScGzKIaDKXY0Xc="


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=256 * r * n)


def hash_pin(pin: str) -> str:
    """``scrypt$n=..,r=..,p=..$<salt>$<key>`` with a fresh random salt. PINs are 4-12 digits:
    the kiosk's keypad has nothing else."""
    if not isinstance(pin, str) or not PIN_RE.fullmatch(pin):
        raise ConfigError("staff PIN: expected 4 to 12 digits")
    salt = os.urandom(SALT_BYTES)
    return f"scrypt$n={N},r={R},p={P}${_b64(salt)}${_b64(_derive(pin, salt, N, R, P))}"


def parse_hash(pin_hash: str) -> tuple[int, int, int, bytes, bytes] | None:
    """The hash's parameters, or None if it is not a hash this module made (or is unsafe to
    compute: huge parameters would let an edited file freeze the kiosk)."""
    m = HASH_RE.fullmatch(pin_hash) if isinstance(pin_hash, str) else None
    if not m:
        return None
    n, r, p = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if n < 2 or n & (n - 1) or n > MAX_N or not 1 <= r <= 32 or not 1 <= p <= 16:
        return None
    try:
        salt = base64.b64decode(m.group(4), validate=True)
        key = base64.b64decode(m.group(5), validate=True)
    except ValueError:
        return None
    if len(salt) < 8 or len(key) < 16:
        return None
    return n, r, p, salt, key


def is_pin_hash(pin_hash: str) -> bool:
    return parse_hash(pin_hash) is not None


def verify_pin(pin: str, pin_hash: str) -> bool:
    """True when ``pin`` matches. A malformed hash or PIN is simply no match: the staff screen
    shows "wrong PIN" and the config loader is what reports a broken hash."""
    parsed = parse_hash(pin_hash)
    if parsed is None or not isinstance(pin, str) or len(pin) > 64:
        return False
    n, r, p, salt, key = parsed
    return hmac.compare_digest(_derive(pin, salt, n, r, p), key)
