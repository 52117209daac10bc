"""``DATA/kiosk.toml``: this kiosk's own settings (which show, staffed or self-serve, language, the
staff PIN hash, the camera). Absent file = a working demo kiosk, so the README's run command needs
no set-up; a present file is validated strictly so a typo is caught at start, not at the booth."""
from __future__ import annotations

import json
import os
import re
import socket
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from sync.atomicfile import atomic_write
from kiosk.config.pin import DEMO_PIN, DEMO_PIN_HASH, hash_pin, is_pin_hash, verify_pin
from kiosk.config.problems import SHOW_ID_RE, Problems, config_error, is_number

FILE_NAME = "kiosk.toml"
MODES = ("staffed", "self_serve")
LANGUAGES = ("en", "de")
KIOSK_ID_RE = re.compile(r"^(?=.*\S)[^\x00-\x1f\x7f]{1,64}$")  # any printable name: it is a label, not a path
CAMERA_RE = re.compile(r"^(auto|none|demo|picamera2|opencv:\d+|video:.+|images:.+)$")
TOP_KEYS = ("kiosk_id", "mode", "language", "show", "staff_pin_hash", "staff", "idle_timeout_s", "camera")
CAMERA_KEYS = ("source",)
IDLE_RANGE = (5, 3600)


def _hostname() -> str:
    name = socket.gethostname().split(".")[0][:64] or "kiosk"
    return name if KIOSK_ID_RE.fullmatch(name) else "kiosk"


@dataclass(frozen=True)
class KioskSettings:
    kiosk_id: str
    mode: str = "staffed"
    language: str = "en"
    show: str = "demo"
    staff_pin_hash: str = DEMO_PIN_HASH
    staff: str = ""
    idle_timeout_s: int | float = 60
    camera_source: str = "auto"
    source: Path | None = None          # the file read; None when these are the defaults

    @property
    def camera(self) -> dict[str, str]:
        return {"source": self.camera_source}

    def to_dict(self) -> dict[str, Any]:
        """The ``kiosk.toml`` shape (camera as a table)."""
        return {"kiosk_id": self.kiosk_id, "mode": self.mode, "language": self.language,
                "show": self.show, "staff_pin_hash": self.staff_pin_hash, "staff": self.staff,
                "idle_timeout_s": self.idle_timeout_s, "camera": {"source": self.camera_source}}

    def check_pin(self, pin: str) -> bool:
        return verify_pin(pin, self.staff_pin_hash)

    @property
    def uses_demo_pin(self) -> bool:
        """The staff screen nags until the demo PIN is changed."""
        return self.staff_pin_hash == DEMO_PIN_HASH or verify_pin(DEMO_PIN, self.staff_pin_hash)


def default_settings() -> KioskSettings:
    return KioskSettings(kiosk_id=_hostname())


def settings_from_dict(data: Mapping[str, Any], source: str = "<settings>") -> KioskSettings:
    """Validate a ``kiosk.toml``-shaped mapping; raises ConfigError naming every problem."""
    p = Problems(source)
    if not isinstance(data, Mapping):
        p.add("", "a table of settings", data)
        p.raise_if_any()
    p.unknown_keys(dict(data), TOP_KEYS)
    d = default_settings()
    out: dict[str, Any] = {}

    def text(key: str, pattern: re.Pattern[str] | None, expected: str, choices: tuple[str, ...] = ()) -> None:
        if key not in data:
            return
        v = data[key]
        if not isinstance(v, str) or (choices and v not in choices) or (pattern and not pattern.fullmatch(v)):
            p.add(key, expected, v)
        else:
            out[key] = v

    text("kiosk_id", KIOSK_ID_RE, "a kiosk name of 1 to 64 printable characters, e.g. \"booth-1\"")
    text("mode", None, "one of: " + ", ".join(MODES), MODES)
    text("language", None, "one of: " + ", ".join(LANGUAGES), LANGUAGES)
    text("show", SHOW_ID_RE, "a show id of letters, digits, . _ - (at most 64), e.g. \"demo\"")
    text("staff", None, "the name of the staff member on duty (text)")
    if isinstance(out.get("staff"), str) and len(out["staff"]) > 80:
        p.add("staff", "at most 80 characters", out.pop("staff"))
    if "staff_pin_hash" in data:
        v = data["staff_pin_hash"]
        if not isinstance(v, str) or not is_pin_hash(v):
            p.add("staff_pin_hash", "a hash made by kiosk.config.pin.hash_pin() (scrypt$n=...$salt$key); "
                  "use `leadkiosk` staff settings or hash_pin() to set a PIN", v)
        else:
            out["staff_pin_hash"] = v
    if "idle_timeout_s" in data:
        v = data["idle_timeout_s"]
        if not is_number(v) or not IDLE_RANGE[0] <= v <= IDLE_RANGE[1]:
            p.add("idle_timeout_s", f"seconds as a number from {IDLE_RANGE[0]} to {IDLE_RANGE[1]}", v)
        else:
            out["idle_timeout_s"] = v
    if "camera" in data:
        cam = data["camera"]
        if not isinstance(cam, Mapping):
            p.add("camera", "a [camera] table with source = \"auto\"", cam)
        else:
            p.unknown_keys(dict(cam), CAMERA_KEYS, "camera.")
            if "source" in cam:
                v = cam["source"]
                if not isinstance(v, str) or not CAMERA_RE.fullmatch(v):
                    p.add("camera.source", "auto, none, demo, picamera2, opencv:<index>, video:<path> or images:<dir>", v)
                else:
                    out["camera_source"] = v
    p.raise_if_any()
    return replace(d, **out)


def settings_path(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / FILE_NAME


def load_kiosk_settings(data_dir: str | os.PathLike[str]) -> KioskSettings:
    """Read and validate ``DATA/kiosk.toml``; absent = defaults (demo show, staffed, en, demo PIN)."""
    path = settings_path(data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return default_settings()
    except OSError as exc:
        raise config_error(str(path), [("(file)", f"expected a readable file: {exc.strerror or exc}")]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise config_error(str(path), [("(file)", f"expected UTF-8 text; byte {exc.start} is not")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise config_error(str(path), [("(file)", f"expected valid TOML: {exc}")]) from None
    return replace(settings_from_dict(data, str(path)), source=path)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)  # a TOML basic string is JSON-compatible


def dumps_settings(settings: KioskSettings) -> str:
    d = settings.to_dict()
    lines = ["# leadkiosk kiosk settings (written by leadkiosk; see ARCHITECTURE.md for the keys)"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in d.items() if k != "camera"]
    lines += ["", "[camera]"] + [f"{k} = {_toml_value(v)}" for k, v in d["camera"].items()]
    return "\n".join(lines) + "\n"


def save_kiosk_settings(data_dir: str | os.PathLike[str], settings: KioskSettings) -> Path:
    """Validate and write ``kiosk.toml`` atomically (mode 0600: it holds the PIN hash)."""
    path = settings_path(data_dir)
    settings_from_dict(settings.to_dict(), str(path))  # never write what we could not read back
    try:
        atomic_write(path, dumps_settings(settings).encode("utf-8"))
    except OSError as exc:
        raise config_error(str(path), [("(file)", f"expected a writable location: {exc.strerror or exc}")]) from None
    return path


def update_settings(data_dir: str | os.PathLike[str], changes: Mapping[str, Any]) -> KioskSettings:
    """Apply staff changes (e.g. ``{"language": "de"}``, ``{"staff_pin": "4711"}``,
    ``{"camera": {"source": "opencv:0"}}``) on top of the current file and save."""
    current = load_kiosk_settings(data_dir).to_dict()
    changes = dict(changes)
    if "staff_pin" in changes:
        current["staff_pin_hash"] = hash_pin(str(changes.pop("staff_pin")))
    if "camera_source" in changes:
        current["camera"] = {"source": changes.pop("camera_source")}
    for key, value in changes.items():
        if key == "camera" and isinstance(value, Mapping):
            current["camera"] = {**current["camera"], **value}
        else:
            current[key] = value
    new = settings_from_dict(current, str(settings_path(data_dir)))
    save_kiosk_settings(data_dir, new)
    return replace(new, source=settings_path(data_dir))


# ``kiosk/bootstrap.py`` looks for this name.
load_settings = load_kiosk_settings

__all__ = ["KioskSettings", "default_settings", "settings_from_dict", "load_kiosk_settings",
           "load_settings", "save_kiosk_settings", "update_settings", "dumps_settings", "MODES",
           "LANGUAGES"]


NEW_PIN_FILE = "staff_pin.once"


def ensure_real_pin(data_dir: str | os.PathLike[str]) -> str | None:
    """An enrolled kiosk must not keep the demo PIN (1234 opens every lead of the show): when
    ``kiosk.toml`` still has it, set a random 6-digit PIN and return it, for the caller to show
    once; None when a real PIN is set already."""
    import secrets
    if not load_kiosk_settings(data_dir).uses_demo_pin:
        return None
    pin = DEMO_PIN
    while pin == DEMO_PIN:
        pin = f"{secrets.randbelow(10 ** 6):06d}"
    update_settings(data_dir, {"staff_pin": pin})
    return pin


def keep_new_pin_for_screen(data_dir: str | os.PathLike[str], pin: str) -> Path:
    """Provisioning runs unattended: the generated PIN waits in ``staff_pin.once`` (0600) until
    the kiosk's PIN screen shows it, once (:func:`take_new_pin`)."""
    from sync.atomicfile import atomic_write
    path = Path(data_dir) / NEW_PIN_FILE
    atomic_write(path, pin + "\n", mode=0o600)
    return path


def take_new_pin(data_dir: str | os.PathLike[str]) -> str | None:
    """The generated PIN waiting to be shown, removed as it is read (shown once)."""
    path = Path(data_dir) / NEW_PIN_FILE
    try:
        pin = path.read_text(encoding="utf-8").strip()
        path.unlink()
    except OSError:
        return None
    return pin or None
