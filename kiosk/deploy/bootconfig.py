"""``leadkiosk.toml`` on the boot partition: the one file a field marketer edits (on any laptop,
the boot partition is FAT) to turn a freshly flashed SD card into a kiosk of their fleet.

The file holds secrets (the one-time enrollment code, the staff PIN) on a partition anyone can
read, so they are removed from it as soon as they are consumed; every other key and every comment
stays, so the marketer can still see what the card was provisioned with.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync.atomicfile import atomic_write
from kiosk.deploy.errors import BootConfigError

DEFAULT_BOOT_CONFIG = Path("/boot/firmware/leadkiosk.toml")  # Raspberry Pi OS Bookworm
DISPLAYS = ("official-7", "touch-display-2", "hdmi")
ROTATIONS = (0, 90, 180, 270)
MODES = ("staffed", "self_serve")
LANGUAGES = ("en", "de")
SECRET_KEYS = ("enrollment_code", "staff_pin", "staff_pin_hash", "show_passphrase")
KEYS = ("central_url", "enrollment_code", "show", "kiosk_name", "staff_pin", "staff_pin_hash",
        "show_passphrase", "display", "rotation", "mode", "language", "data_dir", "allow_plain_http")
_SHOW_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
_PIN_RE = re.compile(r"^[0-9]{4,12}$")
# kiosk.config.pin's format; kept here as a pattern so the installer can check the file with the
# system's python3 before the kiosk (and kiosk.config's dependencies) is installed.
_PIN_HASH_RE = re.compile(r"^scrypt\$n=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$")
# Where leads would not survive a reboot, or would sit on the world-readable boot partition.
_BAD_DATA_PREFIXES = ("/tmp", "/run", "/dev", "/proc", "/sys", "/boot", "/var/tmp")


@dataclass(frozen=True)
class BootConfig:
    """The validated file. ``None`` means "not given": provisioning leaves that setting alone."""

    source: Path
    central_url: str | None = None
    enrollment_code: str | None = None
    show: str | None = None
    kiosk_name: str | None = None
    staff_pin: str | None = None
    staff_pin_hash: str | None = None
    show_passphrase: str | None = None   # seals visitors' data at rest (keys made at first boot)
    display: str = "hdmi"
    rotation: int = 0
    mode: str | None = None
    language: str | None = None
    data_dir: str | None = None
    allow_plain_http: bool = False   # LAB ONLY: central_url may be http:// to another machine
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def secrets_present(self) -> tuple[str, ...]:
        return tuple(k for k in SECRET_KEYS if k in self.raw)


def _str(raw: dict[str, Any], key: str, problems: list[tuple[str, str]], pattern: re.Pattern[str] | None,
         expected: str) -> str | None:
    if key not in raw:
        return None
    value = raw[key]
    if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
        problems.append((key, f"expected {expected}, got {value!r}"))
        return None
    return value


def _choice(raw: dict[str, Any], key: str, choices: tuple[Any, ...], problems: list[tuple[str, str]]) -> Any:
    if key not in raw:
        return None
    value = raw[key]
    # bool is an int in Python; `rotation = true` is a mistake, not 1.
    if value not in choices or isinstance(value, bool):
        shown = " | ".join(repr(c) if isinstance(c, str) else str(c) for c in choices)
        problems.append((key, f"expected one of {shown}, got {value!r}"))
        return None
    return value


def parse_boot_config_text(text: str, source: str | Path = DEFAULT_BOOT_CONFIG) -> BootConfig:
    """Validate the whole file and report every problem at once (the marketer fixes the card on a
    laptop; one error per reboot would be a long afternoon)."""
    src = str(source)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BootConfigError(src, [("(file)", f"expected valid TOML: {exc}")]) from None
    problems: list[tuple[str, str]] = []
    for key, value in raw.items():
        if key not in KEYS:
            kind = "table" if isinstance(value, dict) else "key"
            problems.append((key, f"unknown {kind}: expected one of {', '.join(KEYS)}"))
    url = _str(raw, "central_url", problems, re.compile(r"^https?://[^\s/]+(/\S*)?$"),
               "an http:// or https:// URL such as \"https://leads.example.com\"")
    code = _str(raw, "enrollment_code", problems, re.compile(r"^\S{4,200}$"),
                "the enrollment code from `leadkiosk central enroll-code` (no spaces)")
    show = _str(raw, "show", problems, _SHOW_RE, "a show id (letters, digits, . _ -; at most 64)")
    name = _str(raw, "kiosk_name", problems, _NAME_RE,
                "a kiosk name (letters, digits, space . _ -; at most 64), e.g. \"booth-1\"")
    pin = _str(raw, "staff_pin", problems, _PIN_RE,
               "4 to 12 digits in quotes, e.g. staff_pin = \"4711\"")
    pin_hash = _str(raw, "staff_pin_hash", problems, _PIN_HASH_RE,
                    "a hash made by kiosk.config.pin.hash_pin(), scrypt$n=...$salt$key "
                    "(or give the PIN itself: staff_pin = \"4711\")")
    passphrase = _str(raw, "show_passphrase", problems, re.compile(r"^.{8,200}$"),
                      "the show passphrase in quotes, at least 8 characters")
    if "staff_pin" in raw and "staff_pin_hash" in raw:
        problems.append(("staff_pin", "expected either staff_pin or staff_pin_hash, not both"))
    allow_plain = raw.get("allow_plain_http", False)
    if not isinstance(allow_plain, bool):
        problems.append(("allow_plain_http", f"expected true or false, got {allow_plain!r}"))
        allow_plain = False
    if url is not None:
        from sync.enrollment import check_central_url
        from sync.errors import DestinationConfigError
        try:
            check_central_url(url.rstrip("/"), allow_plain)
        except DestinationConfigError:
            problems.append(("central_url", f"expected an https:// URL, got {url!r}: plain http would send the "
                                            "kiosk's token and visitors' data in clear over the show's network "
                                            "(only for a lab: allow_plain_http = true)"))
    if code is not None and "central_url" not in raw:
        problems.append(("central_url", "expected the central system's URL: an enrollment code needs it"))
    display = _choice(raw, "display", DISPLAYS, problems)
    rotation = _choice(raw, "rotation", ROTATIONS, problems)
    mode = _choice(raw, "mode", MODES, problems)
    language = _choice(raw, "language", LANGUAGES, problems)
    data_dir = _str(raw, "data_dir", problems, re.compile(r"^/\S*$"),
                    "an absolute path such as \"/mnt/leads\" (a mounted partition or USB stick)")
    if data_dir is not None:
        norm = os.path.normpath(data_dir)
        if norm == "/" or any(norm == p or norm.startswith(p + "/") for p in _BAD_DATA_PREFIXES):
            problems.append(("data_dir", f"expected persistent storage such as \"/mnt/leads\", got {data_dir!r} "
                                         "(RAM, the boot partition or a system directory)"))
    if problems:
        raise BootConfigError(src, problems)
    return BootConfig(source=Path(source), central_url=url, enrollment_code=code, show=show,
                      kiosk_name=name, staff_pin=pin, staff_pin_hash=pin_hash, show_passphrase=passphrase,
                      display=display or "hdmi", rotation=rotation or 0, mode=mode,
                      language=language, data_dir=data_dir, allow_plain_http=allow_plain, raw=raw)


def load_boot_config(path: Path = DEFAULT_BOOT_CONFIG) -> BootConfig:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BootConfigError(str(path), [("(file)", "expected the provisioning file to exist")]) from None
    except OSError as exc:
        raise BootConfigError(str(path), [("(file)", f"expected a readable file: {exc.strerror}")]) from None
    try:
        text = data.decode("utf-8-sig")  # Windows Notepad writes a BOM
    except UnicodeDecodeError:
        raise BootConfigError(str(path), [("(file)", "expected UTF-8 text")]) from None
    return parse_boot_config_text(text.replace("\r\n", "\n"), path)


_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def strip_keys_text(text: str, keys: tuple[str, ...]) -> str:
    """Remove top-level ``key = value`` lines, keeping comments and every other line as written.

    Falls back to re-writing the remaining keys when a line-wise cut would not give exactly the
    same document minus those keys (a multi-line string, say): correctness beats keeping layout.
    """
    before = tomllib.loads(text)
    out: list[str] = []
    in_table = False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("["):
            in_table = True
        m = _KEY_LINE.match(line)
        if m and not in_table and m.group(1).strip('"') in keys:
            continue
        out.append(line)
    result = "".join(out)
    expected = {k: v for k, v in before.items() if k not in keys}
    try:
        if tomllib.loads(result) == expected:
            return result
    except tomllib.TOMLDecodeError:
        pass
    from kiosk.deploy.tomlwrite import dumps
    return "# leadkiosk.toml (rewritten after provisioning removed the secrets)\n" + dumps(expected)


def remove_secrets(path: Path, keys: tuple[str, ...]) -> bool:
    """Drop ``keys`` from the file on the boot partition; returns whether anything changed."""
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    present = tomllib.loads(text)
    if not any(k in present for k in keys):
        return False
    atomic_write(path, strip_keys_text(text, keys), mode=None)  # FAT: no chmod
    return True
