"""The kiosk's enrollment with a central system: exchanging a one-time code for a device token
and keeping the result in ``DATA/central.json`` (mode 0600: it holds the token and the signing
secret, and the kiosk user is the only one who should read it)."""
from __future__ import annotations

import json
import socket
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from kiosk.atomicfile import atomic_write
from sync.errors import AuthError, DestinationConfigError, PermanentError, SyncError

CENTRAL_FILE = "central.json"
REQUIRED = ("url", "device_id", "token", "signing_secret")


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

    @property
    def verify(self) -> bool | str:
        """What ``requests`` should verify the server against: never off unless asked for."""
        if self.insecure:
            return False
        return self.ca_file or True


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
           now: Callable[[], datetime] | None = None) -> CentralCredentials:
    """POST /api/v1/enroll and keep the answer. A 403 means the code is wrong or already used."""
    from sync.http import HttpClient, check_status

    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise DestinationConfigError(f"enroll URL {url!r}: expected http:// or https://")
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
        insecure=insecure, ca_file=ca_file)
    save_credentials(data_dir, creds)
    return creds
