"""``leadkiosk unlock`` / ``lock`` for the running kiosk: a Unix socket ``DATA/run/control.sock``.

Why a socket and not a file or a signal: the passphrase must reach the kiosk process without
touching the card, and the answer (wrong passphrase, revoked) must come back to the operator.
The socket lives in a 0700 directory and is 0600, so only the kiosk user (and root) can talk to
it. One JSON line in, one JSON line out: ``{"op": "unlock", "passphrase": "..."}`` (without a
passphrase: through central), ``{"op": "lock"}``, ``{"op": "status"}`` ->
``{"ok": bool, "locked": bool, "message": str}``.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any, Callable

from kiosk.errors import KioskError, SealError

log = logging.getLogger("kiosk.seal")

RUN_DIR = "run"
SOCKET = "control.sock"
MAX_REQUEST = 64 * 1024


def socket_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / RUN_DIR / SOCKET


class ControlServer:
    """Serves unlock/lock requests for one sealer; ``handle`` does the work (also used by the
    on-screen unlock, so both ways behave the same)."""

    def __init__(self, data_dir: str | Path, handle: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.path = socket_path(data_dir)
        self.handle = handle
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path.parent, 0o700)
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        sock.listen(4)
        sock.settimeout(0.5)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="kiosk-control", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                try:
                    data = b""
                    while b"\n" not in data and len(data) < MAX_REQUEST:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    request = json.loads(data.split(b"\n", 1)[0] or b"{}")
                    answer = self.handle(request if isinstance(request, dict) else {})
                except (ValueError, OSError) as exc:
                    answer = {"ok": False, "message": f"bad request: {exc}"}
                try:
                    conn.sendall(json.dumps(answer).encode() + b"\n")
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()
        if self._thread is not None:
            self._thread.join(2)
        try:
            self.path.unlink()
        except OSError:
            pass


def request(data_dir: str | Path, message: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """Send one request to the running kiosk. Raises ``SealError`` when none is running."""
    path = socket_path(data_dir)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise SealError(f"no running kiosk for {data_dir} (no {path}); `leadkiosk leads list "
                            "--passphrase-stdin` reads the leads without one") from None
        sock.sendall(json.dumps(message).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        raise SealError(f"the running kiosk did not answer: {exc}") from None
    finally:
        sock.close()
    try:
        answer = json.loads(data or b"{}")
    except ValueError:
        raise SealError("the running kiosk gave no readable answer") from None
    return answer if isinstance(answer, dict) else {"ok": False, "message": "bad answer"}


def make_handler(data_dir: str | Path, sealer: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The unlock/lock logic shared by the socket and the on-screen unlock."""
    from kiosk.seal.central_link import register_if_needed, unlock_from_central

    def handle(req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        try:
            if op == "lock":
                sealer.lock()
                return {"ok": True, "locked": True, "message": "locked: personal data sealed, key dropped from memory"}
            if op == "status":
                return {"ok": True, "locked": sealer.locked, "message": "locked" if sealer.locked else "unlocked"}
            if op == "unlock":
                passphrase = req.get("passphrase")
                if isinstance(passphrase, str) and passphrase:
                    sealer.unlock_passphrase(passphrase)
                    note = register_if_needed(data_dir, sealer, sealer.unlocked_keys())
                    msg = "unlocked with the show passphrase" + (f"; {note}" if note else "")
                else:
                    msg = unlock_from_central(data_dir, sealer)
                return {"ok": True, "locked": sealer.locked, "message": msg}
            return {"ok": False, "locked": sealer.locked, "message": f"unknown op {op!r}"}
        except KioskError as exc:
            return {"ok": False, "locked": sealer.locked, "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - SyncError (offline, revoked) and anything else: say it
            return {"ok": False, "locked": sealer.locked, "message": f"{type(exc).__name__}: {exc}"}

    return handle
