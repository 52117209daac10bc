"""Database access: one ``Database`` object per process wraps the SQLAlchemy engine.

Why a wrapper: the URL rules (env default, ``postgresql://`` meaning psycopg 3), SQLite's pragmas
(WAL so readers never block the writer, a busy timeout so concurrent processes wait instead of
failing) and the write-transaction mode live in one place, and the review web app gets the same
object through ``central.web.mount(app, db)``.
"""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager, nullcontext as _nullcontext
from typing import Iterator

import orjson

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from central.errors import ConfigError

ENV_DB = "LEADKIOSK_CENTRAL_DB"
DEFAULT_URL = "sqlite:///central.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def resolve_url(url: str | None = None) -> str:
    """Argument > ``LEADKIOSK_CENTRAL_DB`` > ``sqlite:///central.db``; plain ``postgresql://`` and
    ``postgres://`` become ``postgresql+psycopg://`` because psycopg 3 is the driver we ship."""
    raw = url or os.environ.get(ENV_DB) or DEFAULT_URL
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://"):]
    try:
        parsed = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError("--db", "url", f"a database URL like sqlite:///central.db or postgresql://user@host/db ({exc})") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("--db", "url", f"a sqlite:// or postgresql:// URL, got {parsed.get_backend_name()}://")
    return raw


class WriteGate:
    """One writer at a time within a process, priority writers first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._waiting_priority = 0

    def acquire(self, priority: bool = False) -> None:
        with self._cond:
            if priority:
                self._waiting_priority += 1
            try:
                while self._busy or (not priority and self._waiting_priority):
                    self._cond.wait()
            finally:
                if priority:
                    self._waiting_priority -= 1
            self._busy = True

    def release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()


class Database:
    """Engine plus session factory for one database URL."""

    def __init__(self, url: str | None = None, *, pool_size: int = 10, echo: bool = False):
        self.url = resolve_url(url)
        self.engine: Engine = _make_engine(self.url, pool_size=pool_size, echo=echo)
        self.dialect: str = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._gate = WriteGate() if self.dialect == "sqlite" else None

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """An ORM session that commits when the block ends normally and rolls back otherwise.
        ``write=True`` for sessions that write: on SQLite they then pass the write gate and start
        with ``BEGIN IMMEDIATE`` (see ``write``), so an edit made while kiosks are syncing waits
        its turn instead of failing with "database is locked"."""
        gate = self._gate if write else None
        if gate is not None:
            gate.acquire(True)
        try:
            with self._sessions() as session:
                if gate is not None:
                    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                with session.begin() if not session.in_transaction() else _nullcontext():
                    yield session
                if session.in_transaction():
                    session.commit()
        finally:
            if gate is not None:
                gate.release()

    def connect(self) -> Connection:
        return self.engine.connect()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A Core connection in a (read-mostly) transaction."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self, priority: bool = False) -> Iterator[Connection]:
        """A Core connection in a write transaction. On SQLite it starts with ``BEGIN IMMEDIATE``
        (a deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
        another writer got in between) after passing this process's write gate: SQLite has one
        writer at a time anyway, and its busy handler waits by sleeping and retrying, which
        starves an unlucky writer under load; the gate queues writers in the process instead and
        lets ``priority`` writers (the notification worker) go first."""
        gate = self._gate
        if gate is not None:
            gate.acquire(priority)
        try:
            with self.engine.connect() as conn:
                conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        finally:
            if gate is not None:
                gate.release()

    def dispose(self) -> None:
        self.engine.dispose()


def json_dumps(value: object) -> str:
    """orjson for speed (record_json is written on every ingest); the standard library for what
    orjson refuses (integers over 64 bits)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:
        return json.dumps(value, ensure_ascii=False)


def _make_engine(url: str, *, pool_size: int, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, json_serializer=json_dumps, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                               "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # Take transaction control away from the driver (SQLAlchemy's documented recipe), so
            # BEGIN is ours and can be IMMEDIATE for writers.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, echo=echo, json_serializer=json_dumps, pool_size=pool_size, max_overflow=pool_size,
                         pool_pre_ping=True)
