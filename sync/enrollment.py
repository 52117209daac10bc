"""The kiosk's enrollment with a central system: exchanging a one-time code for a device token
and keeping the result in ``DATA/central.json`` (mode 0600: it holds the token and the signing
secret, and the kiosk user is the only one who should read it)."""
from __future__ import annotations

import ipaddress
import json
import logging
import socket
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from sync.atomicfile import atomic_write
from sync.errors import AuthError, DestinationConfigError, PermanentError, SyncError

CENTRAL_FILE = "central.json"
REQUIRED = ("url", "device_id", "token", "signing_secret")
log = logging.getLogger("sync.enrollment")


@dataclass
class CentralCredentials:
    url: str
    device_id: str
    token: str
    signing_secret: str
    show_id: str | None = None
    enrolled_at: str | None = None
    show_name: str | None = None
    kiosk_name: str | None = None
    insecure: bool = False           # only if enrolled with --insecure (self-signed test servers)
    ca_file: str | None = None       # a private CA bundle for the central system's certificate
    allow_plain_http: bool = False   # only if enrolled with --allow-plain-http (a lab network)

    @property
    def verify(self) -> bool | str:
        """What ``requests`` should verify the server against: never off unless asked for."""
        if self.insecure:
            return False
        return self.ca_file or True


PLAIN_HTTP_WARNING = ("WARNING: plain http to {url}: the device token, the signing secret and visitors' "
                      "personal data cross the network IN CLEAR. Use this only on a lab network, never at a show.")


def is_loopback_url(url: str) -> bool:
    """The URL's host is this machine (127.0.0.0/8, ::1, localhost): traffic never leaves it."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_central_url(url: str, allow_plain_http: bool = False) -> str | None:
    """Refuse a central URL that is not https:// unless it is loopback (a kiosk talking to a
    central on the same machine) or the operator said ``allow_plain_http`` for a lab; returns
    the loud warning to show in that last case. Raises DestinationConfigError."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "https":
        return None
    if scheme != "http":
        raise DestinationConfigError(f"central URL {url!r}: expected https://")
    if is_loopback_url(url):
        return None
    if not allow_plain_http:
        raise DestinationConfigError(
            f"central URL {url!r}: expected https:// (plain http would send the device token, the signing "
            "secret and visitors' data in clear over the show's network; plain http is accepted only to "
            "127.0.0.1/localhost, or with --allow-plain-http / allow_plain_http = true on a lab network)")
    return PLAIN_HTTP_WARNING.format(url=url)


def central_path(data_dir: Path) -> Path:
    return Path(data_dir) / CENTRAL_FILE


def load_credentials(data_dir: Path) -> CentralCredentials | None:
    """``None`` when the kiosk is not enrolled; a clear error when the file is damaged."""
    path = central_path(data_dir)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DestinationConfigError(f"{path}: cannot read enrollment ({exc}); re-run `leadkiosk enroll`") from None
    if not isinstance(raw, dict):
        raise DestinationConfigError(f"{path}: expected a JSON object")
    missing = [k for k in REQUIRED if not isinstance(raw.get(k), str) or not raw.get(k)]
    if missing:
        raise DestinationConfigError(f"{path}: {', '.join(missing)}: expected a non-empty string; "
                                     "re-run `leadkiosk enroll`")
    known = {k: raw[k] for k in CentralCredentials.__dataclass_fields__ if k in raw}
    return CentralCredentials(**known)


def save_credentials(data_dir: Path, creds: CentralCredentials) -> Path:
    """Write atomically with mode 0600 from the first byte (never world-readable, even briefly)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = central_path(data_dir)
    atomic_write(path, json.dumps(asdict(creds), indent=2, sort_keys=True), mode=0o600)
    return path


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def enroll(url: str, code: str, data_dir: Path, kiosk_name: str | None = None,
           insecure: bool = False, ca_file: str | None = None,
           now: Callable[[], datetime] | None = None, allow_plain_http: bool = False) -> CentralCredentials:
    """POST /api/v1/enroll and keep the answer. A 403 means the code is wrong or already used.
    Only https:// (or loopback, or ``allow_plain_http`` for a lab): the answer IS the secret."""
    from sync.http import HttpClient, check_status

    base = url.rstrip("/")
    warning = check_central_url(base, allow_plain_http)
    if warning:
        log.warning(warning)
    name = kiosk_name or socket.gethostname()
    verify: bool | str = False if insecure else (ca_file or True)
    client = HttpClient(verify=verify)
    try:
        body = json.dumps({"code": code, "kiosk_name": name}).encode()
        resp = client.request("POST", base + "/api/v1/enroll", body=body,
                              headers={"Content-Type": "application/json"})
        try:
            check_status(resp, "enroll")
        except (AuthError, PermanentError) as exc:
            raise SyncError(f"enrollment refused: {exc} (is the code right and unused?)") from None
        data = resp.json()
    finally:
        client.close()
    if not isinstance(data, dict) or any(not isinstance(data.get(k), str) for k in ("device_id", "token", "signing_secret")):
        raise SyncError(f"enroll: unexpected answer from {base}: {str(data)[:200]}")
    creds = CentralCredentials(
        url=base, device_id=data["device_id"], token=data["token"], signing_secret=data["signing_secret"],
        show_id=data.get("show_id"), show_name=data.get("show_name"), kiosk_name=name,
        enrolled_at=(now or _utc_now)().isoformat(timespec="seconds").replace("+00:00", "Z"),
        insecure=insecure, ca_file=ca_file, allow_plain_http=bool(warning))
    save_credentials(data_dir, creds)
    return creds
