"""What the kiosk process (``kiosk/bootstrap.py``) and the CLI use to run sync: build the worker
for this data directory, and store a show config pulled from central."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from sync.config import load_destinations, parse_destinations
from sync.enrollment import load_credentials
from sync.errors import DestinationConfigError
from sync.worker import SyncWorker

log = logging.getLogger("leadkiosk.sync")


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
