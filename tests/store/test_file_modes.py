"""Issue 18, item 9: every file holding personal data is 0640 or 0600 whatever the umask and the
directory's mode: the lead store (incl. its recovery log and damaged copies), the show's roster,
exports (kiosk and central)."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.store import open_store


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The worst case: umask 0 (a service started by a careless unit file)."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _private(p: Path) -> bool:
    return _mode(p) in (0o640, 0o600)


def _make_lead():  # type: ignore[no-untyped-def]
    from tests.store.conftest import make_lead
    return make_lead(first="Zoë", last="Ångström", email="zoe@example.com")


def test_store_files_and_recovery_log_are_private(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o777)
    os.chmod(data, 0o777)
    store = open_store(data)
    store.save(_make_lead())
    store.close()
    leads = data / "leads"
    journal = leads / "store.journal"
    with open(journal, "ab") as fh:         # a torn last line: the next open logs a recovery
        fh.write(b'{"op": "put", "id": "torn')
    store = open_store(data)
    store.close()
    log = leads / "recovery.log"
    assert log.exists() and "torn" in log.read_text()
    files = [p for p in leads.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert files and log in files
    loose = {str(p.relative_to(data)): oct(_mode(p)) for p in files if not _private(p)}
    assert not loose, loose


def test_recovery_log_made_earlier_with_0644_is_tightened(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "data"
    store = open_store(data)
    store.save(_make_lead())
    store.close()
    log = data / "leads" / "recovery.log"
    log.write_text("old line\n")
    os.chmod(log, 0o644)
    with open(data / "leads" / "store.journal", "ab") as fh:
        fh.write(b"garbage")
    open_store(data).close()
    assert _private(log) and log.read_text().startswith("old line\n")


def test_roster_is_private_other_show_files_readable(tmp_path: Path, open_umask: None) -> None:
    from kiosk.config import write_show
    os.chmod(tmp_path, 0o777)
    show = write_show(tmp_path, "expo", {"id": "expo", "name": "Expo"}, None, None,
                      "registration_id,first_name,last_name,email\nR1,Zoë,Ångström,zoe@example.com\n")
    roster = show.directory / "roster.csv"
    assert roster.exists() and _private(roster), oct(_mode(roster))


def test_kiosk_exports_are_private(tmp_path: Path, open_umask: None) -> None:
    from kiosk.bootstrap import export_leads
    store = open_store(tmp_path / "data")
    store.save(_make_lead())
    out = tmp_path / "out"
    out.mkdir(mode=0o777)
    for fmt in ("csv", "xlsx"):
        target = out / f"leads.{fmt}"
        assert export_leads(store, fmt, target) == 1
        assert _private(target), (fmt, oct(_mode(target)))
    store.close()
    from kiosk.cli import main
    target = out / "cli.csv"
    assert main(["export", "--data", str(tmp_path / "data"), "--format", "csv", "--out", str(target)]) == 0
    assert _private(target), oct(_mode(target))


def test_central_nurture_export_is_private(tmp_path: Path, open_umask: None) -> None:
    from central.db import Database
    from central.migrate import upgrade
    from central.queries import export_nurture
    db = Database(f"sqlite:///{tmp_path / 'central.db'}")
    upgrade(db)
    out = tmp_path / "nurture.csv"
    export_nurture(db, "expo", out)
    db.dispose()
    assert _private(out), oct(_mode(out))
