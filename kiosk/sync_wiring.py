"""What the kiosk process (``kiosk/bootstrap.py``) and the CLI use to run sync: find the active
show's destinations (kiosk.toml, the show files, the enrollment), build the worker for this data
directory, and store a show config pulled from central. ``sync`` itself knows none of these files:
it is handed the transports built from destination specs (``sync.config``) and a store."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from kiosk.config import load_show
from kiosk.errors import ConfigError

from sync.config import DestinationSpec, build_transports, parse_destinations
from sync.enrollment import CentralCredentials, load_credentials
from sync.errors import DestinationConfigError
from sync.transports.base import Transport
from sync.worker import SyncWorker

log = logging.getLogger("leadkiosk.sync")


# -- finding the show config -----------------------------------------------------------------
def active_show_id(data_dir: Path, creds: CentralCredentials | None = None) -> str:
    """kiosk.toml's ``show`` wins; else the show the kiosk enrolled for; else the demo show."""
    path = Path(data_dir) / "kiosk.toml"
    if path.is_file():
        import tomllib
        try:
            show = tomllib.loads(path.read_text(encoding="utf-8")).get("show")
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise DestinationConfigError(f"{path}: cannot read ({exc})") from None
        if isinstance(show, str) and show:
            return show
    if creds is not None and creds.show_id:
        return creds.show_id
    return "demo"


def _show_destinations(data_dir: Path, show_id: str) -> tuple[Any, str] | None:
    """(raw destinations list, source) of the show, through ``kiosk.config`` (which validates the
    rest of the show file and knows the embedded demo show); None when the show is not on disk."""
    if show_id != "demo" and not (Path(data_dir) / "shows" / show_id / "show.yaml").is_file():
        return None
    try:
        show = load_show(data_dir, show_id)
    except ConfigError as exc:
        raise DestinationConfigError(str(exc)) from None
    source = "embedded demo show" if getattr(show, "embedded", False) else str(Path(show.directory) / "show.yaml")
    return show.destinations, source


def load_destinations(data_dir: Path, show_id: str | None = None,
                      env: Mapping[str, str] | None = None,
                      clock: Callable[[], float] = time.time) -> tuple[list[Transport], str]:
    """Transports for the kiosk's active show, and a one-line note on where they came from.

    Enrollment makes central a destination even when the show file does not list it (the kiosk
    enrolled so that its leads reach central)."""
    data_dir = Path(data_dir)
    creds = load_credentials(data_dir)
    show_id = show_id or active_show_id(data_dir, creds)
    found = _show_destinations(data_dir, show_id)
    specs: list[DestinationSpec] = []
    if found is None:
        note = f"show {show_id}: no show.yaml on this kiosk yet"
    else:
        entries, source = found
        specs = parse_destinations(entries, source=source)
        note = f"show {show_id}: {source}"
    if creds is not None and not any(s.kind == "central" for s in specs):
        name = "central" if all(s.name != "central" for s in specs) else "central-enrolled"
        specs.insert(0, DestinationSpec(name=name, kind="central", key_path="central.json"))
    return build_transports(specs, data_dir, env, clock), note


def apply_pulled_config(data_dir: Path, data: Mapping[str, Any]) -> str:
    """Write ``GET /api/v1/config``'s answer into ``DATA/shows/<id>/`` through
    ``kiosk.config.write_show`` (validated first, swapped in atomically: a broken config from the
    network never replaces the last good copy, so the kiosk keeps working offline on it).
    Returns the show id."""
    from kiosk.config import write_show

    show = dict(data.get("show") or {})
    creds = load_credentials(Path(data_dir))
    show_id = str(show.get("id") or (creds.show_id if creds else "") or "")
    if not show_id:
        raise DestinationConfigError("central config: show.id missing")
    if data.get("destinations") is not None:
        show["destinations"] = data["destinations"]
    # destinations are sync's schema: check them here, before anything is written
    parse_destinations(show.get("destinations"), source=f"central config for show {show_id!r}")
    write_show(data_dir, show_id, show, form_yaml=data.get("form_yaml") or None,
               badge_yaml=data.get("badge_yaml") or None, roster_csv=data.get("roster_csv") or None)
    return show_id


def config_writer(data_dir: Path, worker: SyncWorker | None = None,
                  env: Mapping[str, str] | None = None) -> Callable[[dict], None]:
    """The worker's ``on_config``: store the pulled show config, then (when given the worker)
    apply its destinations at once."""
    def write(data: dict) -> None:
        try:
            show_id = apply_pulled_config(data_dir, data)
            log.info("show config for %s pulled from central", show_id)
        except Exception as exc:  # kiosk.errors.ConfigError or ours: keep the last good copy
            raise DestinationConfigError(f"pulled config refused, last copy kept: {exc}") from None
        if worker is not None:
            transports, _ = load_destinations(Path(data_dir), env=env, clock=worker.clock)
            worker.reconfigure(transports)
    return write


def build_worker(data_dir: str | Path, store: Any, env: Mapping[str, str] | None = None,
                 **kwargs: Any) -> SyncWorker | None:
    """The worker for this kiosk, or None when no destination is configured (not enrolled, no
    CRM in the show config): the staff area then says sync is not set up. Start it, and call
    ``trigger()`` after every save. A ``clock`` in ``kwargs`` (epoch seconds) reaches the worker
    and the transports alike."""
    transports, note = load_destinations(Path(data_dir), env=env, clock=kwargs.get("clock", time.time))
    if not transports:
        log.info("sync: no destinations (%s)", note)
        return None
    worker = SyncWorker(store, transports, **kwargs)
    if "on_config" not in kwargs:
        worker.on_config = config_writer(Path(data_dir), worker, env)
    return worker
