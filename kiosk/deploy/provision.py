"""First-boot provisioning: ``leadkiosk.toml`` on the boot partition -> the kiosk's settings,
its display profile, its storage and its enrollment with the central system.

Split in two steps because they have different deadlines: the settings must be in place before
the kiosk UI starts (it reads them once), while enrollment needs the network and a correct clock
(TLS, signed requests) and may only succeed hours later at the show; ``leadkiosk-enroll.service``
retries it without holding up the kiosk.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sync.atomicfile import atomic_write
from kiosk.deploy.bootconfig import BootConfig, remove_secrets
from kiosk.deploy.errors import StorageError
from kiosk.deploy.kivyconfig import kivy_config_text
from kiosk.deploy.storage import PROC_MOUNTS, check_data_dir, read_mounts

KIOSK_TOML = "kiosk.toml"
KIOSK_USER = "leadkiosk"  # deploy/pi/sysusers.d/leadkiosk.conf
MARKER = ".provisioned.json"
PIN_KEYS = ("staff_pin", "staff_pin_hash")
EX_TEMPFAIL = 75   # sysexits: try again later (offline); leadkiosk-enroll.service restarts on it
EX_DATAERR = 65    # the central system refused the code: retrying cannot help


class EnrollPending(Exception):
    """Enrollment could not reach the central system yet; the unit retries."""


class EnrollRefused(Exception):
    """The central system refused the code (wrong, used, or for another server)."""


@dataclass
class Report:
    """What provisioning did, line by line, for the journal and the tests."""

    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.changes.append(line)

    def note(self, line: str) -> None:
        """Information, not a change: a second run must still say "nothing to change"."""
        self.notes.append(line)


def _owner_of(path: Path, user: str | None = None) -> tuple[int, int] | None:
    """Files provisioning (run as root at boot) makes for the kiosk must belong to the kiosk's
    user, or the app could not update them; outside a Pi install (no such user) leave them be."""
    if os.geteuid() != 0:
        return None
    import pwd
    try:
        pw = pwd.getpwnam(user or KIOSK_USER)
    except KeyError:
        return None
    return (pw.pw_uid, pw.pw_gid)


def _chown(path: Path, owner: tuple[int, int] | None) -> None:
    if owner is not None:
        os.chown(path, *owner)


def settings_fingerprint(cfg: BootConfig) -> str:
    """Settings are applied again only when the file's non-secret content changes, so a show or
    language switched in the staff area is not reset at every boot."""
    # never a secret: an unsalted hash of the show passphrase would be a fast offline guessing aid
    public = {k: v for k, v in sorted(cfg.raw.items()) if k not in ("enrollment_code", "show_passphrase") + PIN_KEYS}
    return hashlib.sha256(json.dumps(public, sort_keys=True).encode()).hexdigest()


def ensure_data_link(data_dir: Path, target: str | None, report: Report) -> None:
    """``data_dir = "/mnt/leads"``: the canonical ``/var/lib/leadkiosk`` becomes a symlink there, so
    the unit, the CLI and the store keep one path. Never replaces a directory holding leads."""
    if target is None:
        return
    target_path = Path(target)
    if data_dir.is_symlink():
        if os.readlink(data_dir) == target:
            return
        data_dir.unlink()
    elif data_dir.exists():
        if not data_dir.is_dir():
            raise StorageError(f"{data_dir}: expected a directory or a symlink, found a file")
        if any(data_dir.iterdir()):
            raise StorageError(
                f"{data_dir} already holds kiosk data; refusing to point it at {target} (that would hide "
                f"those leads). Move the contents to {target} first, then remove {data_dir}.")
        data_dir.rmdir()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target_path, data_dir)
    report.add(f"link {data_dir} -> {target}")


def check_storage(data_dir: Path, mounts_file: Path = PROC_MOUNTS, own_mount: bool | None = None) -> str:
    """Raise StorageError if leads in ``data_dir`` would not survive a power cut. A symlinked data
    dir means the marketer asked for separate storage, which must then be a mount of its own."""
    if own_mount is None:
        own_mount = data_dir.is_symlink()
    m = check_data_dir(data_dir, read_mounts(mounts_file), own_mount=own_mount)
    return f"{m.mountpoint} ({m.fstype} on {m.source})"


def settings_changes(cfg: BootConfig) -> dict[str, Any]:
    """The ``kiosk.toml`` keys the boot file gives; everything else in kiosk.toml is kept."""
    out: dict[str, Any] = {}
    if cfg.kiosk_name is not None:
        out["kiosk_id"] = cfg.kiosk_name
    for key in ("show", "mode", "language"):
        value = getattr(cfg, key)
        if value is not None:
            out[key] = value
    if cfg.staff_pin is not None:
        out["staff_pin"] = cfg.staff_pin          # kiosk.config hashes it (scrypt, fresh salt)
    elif cfg.staff_pin_hash is not None:
        out["staff_pin_hash"] = cfg.staff_pin_hash
    return out


def _update_kiosk_settings(data_dir: Path, changes: dict[str, Any]) -> list[str]:
    """Through kiosk.config's own API, so kiosk.toml is validated exactly as the app reads it."""
    from kiosk.config import load_kiosk_settings, update_settings
    before = load_kiosk_settings(data_dir).to_dict()
    if not changes:
        return []
    after = update_settings(data_dir, changes).to_dict()
    return sorted(k for k in after if after[k] != before.get(k))


def write_kivy_config(cfg: BootConfig, kivy_home: Path, report: Report) -> None:
    text = kivy_config_text(cfg.display, cfg.rotation)
    path = kivy_home / "config.ini"
    for sub in (kivy_home, kivy_home / "mods", kivy_home / "icon"):  # Kivy would mkdir these itself
        if not sub.is_dir():
            sub.mkdir(parents=True, exist_ok=True)
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None
    if current != text:
        atomic_write(path, text, mode=0o644)
        report.add(f"write {path} (display {cfg.display}, rotation {cfg.rotation})")


def apply_settings(cfg: BootConfig, data_dir: Path, kivy_home: Path, mounts_file: Path = PROC_MOUNTS,
                   check_mounts: bool = True) -> Report:
    """Step one (before the UI starts): storage, kiosk.toml, display profile, PIN off the card."""
    report = Report()
    ensure_data_link(data_dir, cfg.data_dir, report)
    if check_mounts and mounts_file.exists():
        where = check_storage(data_dir, mounts_file, own_mount=cfg.data_dir is not None)
        report.note(f"storage ok: {data_dir} on {where}")
    if not data_dir.exists():
        data_dir.mkdir(parents=True, mode=0o750)
        report.add(f"create {data_dir}")
    owner = _owner_of(data_dir)
    st = data_dir.stat()
    if owner is not None and (st.st_uid, st.st_gid) != owner:  # e.g. a freshly formatted stick
        os.chown(data_dir, *owner)
        os.chmod(data_dir, 0o750)
        report.add(f"give {data_dir} to the kiosk user ({KIOSK_USER})")
    marker = data_dir / MARKER
    fingerprint = settings_fingerprint(cfg)
    try:
        done = json.loads(marker.read_text()).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        done = None
    pin_given = any(k in cfg.raw for k in PIN_KEYS)
    if done != fingerprint or pin_given:
        toml_path = data_dir / KIOSK_TOML
        changed = _update_kiosk_settings(data_dir, settings_changes(cfg))
        if changed:
            _chown(toml_path, owner)
            report.add(f"write {toml_path} ({', '.join(changed)})")
        atomic_write(marker, json.dumps({"fingerprint": fingerprint, "source": str(cfg.source)}) + "\n", mode=0o640)
        _chown(marker, owner)
    write_kivy_config(cfg, kivy_home, report)
    if cfg.enrollment_code and cfg.central_url and _enrolled_url(data_dir) == cfg.central_url.rstrip("/"):
        # enrolled by hand (`leadkiosk enroll`): the code on the card is spent, take it off
        if cfg.source.exists() and remove_secrets(cfg.source, ("enrollment_code",)):
            report.add(f"remove the spent enrollment code from {cfg.source}")
    if pin_given and cfg.source.exists():
        if remove_secrets(cfg.source, PIN_KEYS):
            report.add(f"remove the staff PIN from {cfg.source}")
    make_keys(cfg, data_dir, owner, report)
    return report


def make_keys(cfg: BootConfig, data_dir: Path, owner: tuple[int, int] | None, report: Report) -> None:
    """``show_passphrase`` on the card: create the kiosk's keys before the UI starts, so even the
    first lead is sealed (what `leadkiosk keys init --passphrase-stdin` does), then take the
    passphrase off the card. Keys that exist are never replaced from the boot file."""
    if cfg.show_passphrase is None:
        return
    from kiosk.seal import Keyring
    from kiosk.seal.keyring import is_wiped, keys_path

    path = keys_path(data_dir)
    if path.exists() and not is_wiped(data_dir):
        report.note(f"{path} exists: show_passphrase not used (`leadkiosk keys init --rotate` replaces keys)")
    else:
        ring, _ = Keyring.create(data_dir, cfg.show_passphrase)
        ring.save()
        for p in (path.parent, path):
            _chown(p, owner)
        report.add(f"create the kiosk's keys in {path} (visitors' personal data sealed at rest)")
    if cfg.source.exists() and remove_secrets(cfg.source, ("show_passphrase",)):
        report.add(f"remove the show passphrase from {cfg.source}")


def _register_keys(data_dir: Path, report: Report) -> None:
    """Once enrolled: central's public key for this device goes into the key file, so leads
    captured while locked reach central readable (the central wrapper of the private key follows
    at the first passphrase unlock, when the private key is in memory)."""
    try:
        from kiosk.seal import Keyring
        from kiosk.seal.central_link import register_with_central
        ring = Keyring.load(data_dir)
        if ring is not None:
            report.add(register_with_central(data_dir, ring))
            _chown(ring.path, _owner_of(data_dir))
    except Exception as exc:  # noqa: BLE001 - enrolled all the same; keys register at the next unlock
        report.note(f"keys not registered with central yet: {exc}")


EnrollFn = Callable[..., Any]


def _no_demo_pin(data_dir: Path, owner: tuple[int, int] | None, report: Report) -> None:
    """An enrolled kiosk does not open with the demo PIN: when the boot file gave none, generate
    one; it waits (0600) for the kiosk's PIN screen to show it once, never in a log."""
    from kiosk.config.settings import ensure_real_pin, keep_new_pin_for_screen
    pin = ensure_real_pin(data_dir)
    if pin is None:
        return
    _chown(data_dir / KIOSK_TOML, owner)
    path = keep_new_pin_for_screen(data_dir, pin)
    _chown(path, owner)
    report.add("set a random staff PIN (no staff_pin in the boot file): the kiosk's PIN screen shows it once")


def _enrolled_url(data_dir: Path) -> str | None:
    try:
        url = json.loads((data_dir / "central.json").read_text()).get("url")
    except (OSError, ValueError, AttributeError):
        return None
    return url.rstrip("/") if isinstance(url, str) else None


def _default_enroll() -> EnrollFn:
    from sync.enrollment import enroll
    return enroll


def enroll_step(cfg: BootConfig, data_dir: Path, enroll_fn: EnrollFn | None = None) -> Report:
    """Step two (online): exchange the code for a device token, then take the code off the card.
    Raises EnrollPending when offline (retry) and EnrollRefused when the code was refused."""
    report = Report()
    if cfg.enrollment_code is None or cfg.central_url is None:
        report.note("nothing to enroll (no enrollment_code in the boot config)")
        return report
    central_json = data_dir / "central.json"
    already = _enrolled_url(data_dir)
    if already and already == cfg.central_url.rstrip("/"):
        report.note(f"already enrolled with {already}")
    else:
        from sync.errors import SyncError, TransientError
        fn = enroll_fn or _default_enroll()
        from kiosk.config import load_kiosk_settings
        settings = load_kiosk_settings(data_dir)
        name = cfg.kiosk_name or settings.kiosk_id
        try:
            extra = {"allow_plain_http": True} if cfg.allow_plain_http else {}
            if cfg.allow_plain_http:
                report.add(f"WARNING: enrolling over plain http to {cfg.central_url} (allow_plain_http = true): "
                           "lab only, the token and visitors' data cross the network in clear")
            creds = fn(cfg.central_url, cfg.enrollment_code, data_dir, kiosk_name=name, **extra)
        except TransientError as exc:
            raise EnrollPending(f"cannot reach {cfg.central_url} yet ({exc}); will retry") from None
        except SyncError as exc:
            raise EnrollRefused(f"{cfg.source}: enrollment_code: refused by {cfg.central_url}: {exc}") from None
        owner = _owner_of(data_dir)
        _chown(central_json, owner)
        report.add(f"enrolled with {cfg.central_url} as {getattr(creds, 'device_id', '?')}")
        _no_demo_pin(data_dir, owner, report)
        _register_keys(data_dir, report)
        show_id = getattr(creds, "show_id", None)
        if cfg.show is None and show_id and settings.show != show_id:
            _update_kiosk_settings(data_dir, {"show": show_id})
            _chown(data_dir / KIOSK_TOML, owner)
            report.add(f"show {show_id} (from the central system)")
    if cfg.source.exists() and remove_secrets(cfg.source, ("enrollment_code",)):
        report.add(f"remove the enrollment code from {cfg.source}")
    return report
