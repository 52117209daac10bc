"""A throw-away PostgreSQL server for tests and benchmarks (real server, not a mock).

Started from Debian's PostgreSQL binaries (``/usr/lib/postgresql/<v>/bin``) in a temp dir on a free
port on 127.0.0.1. PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` user via ``runuser`` in a directory chowned to it. Reused by ``tests/conftest.py``
(fixtures ``postgres_server`` and ``pg_url``) and by ``bench/ingest_bench.py``.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator


class PgUnavailable(RuntimeError):
    """Why a PostgreSQL server cannot be started here (the tests skip with this message)."""


def find_bindir() -> Path:
    env = os.environ.get("LEADKIOSK_PG_BINDIR")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise PgUnavailable("PostgreSQL server binaries not found (apt-get install postgresql, "
                        "or set LEADKIOSK_PG_BINDIR)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _real_clock_env() -> dict[str, str]:
    """The environment without libfaketime's preload. The shifted-clock runs of the suite (issue 12:
    ``deploy/dev/run-tests-shifted +400d``) move every process's clock, but ``pg_ctl stop`` fails
    shifted (EINVAL), so PostgreSQL alone keeps the real clock. Central stamps rows from its own
    clock, so the tests still see the shifted one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    preload = [p for p in env.get("LD_PRELOAD", "").split() if "faketime" not in p]  # and its sleep shim
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    else:
        env.pop("LD_PRELOAD", None)
    return env


class PgServer:
    def __init__(self, *, durable: bool = False, max_connections: int = 200):
        self.bindir = find_bindir()
        self.durable = durable
        self.max_connections = max_connections
        self.root = Path(tempfile.mkdtemp(prefix="leadkiosk-pg-"))
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        self.user = "postgres"

    def _run(self, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess:
        full = list(cmd)
        if self.as_postgres:
            full = ["runuser", "-u", "postgres", "--", *full]
        try:
            return subprocess.run(full, capture_output=True, text=True, timeout=timeout, cwd=self.root,
                                  env=_real_clock_env())
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PgUnavailable(f"{cmd[0]} failed to run: {exc}") from None

    def start(self) -> "PgServer":
        if self.as_postgres:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root but there is no 'postgres' user to run the server") from None
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)
        data = self.root / "data"
        r = self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                      "-E", "UTF8", "--locale=C", "--no-sync")
        if r.returncode != 0:
            raise PgUnavailable(f"initdb failed: {r.stderr.strip()[-500:]}")
        opts = [f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1",
                f"-c max_connections={self.max_connections}", "-c shared_buffers=128MB"]
        if not self.durable:  # tests: data is thrown away, so skip the fsyncs
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        r = self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", " ".join(opts),
                      "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        if r.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-800:] if (self.root / "server.log").exists() else ""
            self.stop()
            raise PgUnavailable(f"pg_ctl start failed: {r.stderr.strip()[-300:]} {log}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise PgUnavailable("PostgreSQL did not accept connections within 30 s")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        import psycopg
        name = name or "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        data = self.root / "data"
        if (data / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_or_skip_reason() -> tuple[PgServer | None, str | None]:
    try:
        return PgServer().start(), None
    except PgUnavailable as exc:
        return None, str(exc)


# --- pytest fixtures (re-exported by tests/conftest.py) ---------------------------------------
try:
    import pytest
except ImportError:  # used from bench/ without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:
    @pytest.fixture(scope="session")
    def postgres_server() -> Iterator[PgServer]:
        """A real PostgreSQL server for the whole session; skips (with the reason) where none can start."""
        server, reason = start_or_skip_reason()
        if server is None:
            # CI runs the README's test command as root, which installs PostgreSQL: there a server
            # that will not start is a broken set-up, not a reason to drop the PostgreSQL tests.
            if os.environ.get("CI") == "true" and os.geteuid() == 0:
                pytest.fail(f"PostgreSQL did not start in CI: {reason}")
            pytest.skip(f"PostgreSQL unavailable: {reason}")
        try:
            yield server
        finally:
            server.stop()

    @pytest.fixture
    def pg_url(postgres_server: PgServer) -> str:
        """SQLAlchemy URL (postgresql+psycopg://) of a fresh, empty database."""
        return postgres_server.create_database()
