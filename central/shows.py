"""Show configuration kept centrally and served to kiosks (``GET /api/v1/config``).

Why central: the form, badge profile, roster and destinations of a show are decided once by
marketing; kiosks pull them when online and keep their last copy offline. The etag is a hash of
exactly what is served, so an unchanged config costs a kiosk one 304.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from central.errors import ConfigError, NotFound
from central.models import Show
from central.timeutil import utcnow


def default_form_text() -> str:
    from forms import default_form_path
    return Path(default_form_path()).read_text(encoding="utf-8")


def form_version_of(form_yaml: str, source: str) -> str:
    """Validate the form with the forms package (the same loader the kiosk uses)."""
    from forms import FormDefinitionError, load_form_text
    try:
        form = load_form_text(form_yaml, source=source)
    except FormDefinitionError as exc:
        raise ConfigError(source, "(form)", f"a valid form definition: {exc}") from None
    return str(form.version)


def default_config(show_id: str, name: str) -> dict:
    return {"id": show_id, "name": name, "branding": {"title": name, "color": "#1565c0", "logo": None},
            "retention_days": 30, "destinations": [{"name": "central", "kind": "central"}]}


# A show id becomes a folder name on every kiosk (DATA/shows/<id>/), so central accepts only what a
# kiosk can store: the same rule as kiosk.config.problems.SHOW_ID_RE (a test keeps them equal).
SHOW_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def ensure_show(conn: Connection, show_id: str, name: str | None = None, now: datetime | None = None) -> bool:
    """Create the show with the default form if it does not exist; True if created."""
    if conn.execute(select(Show.id).where(Show.id == show_id)).first():
        return False
    if not isinstance(show_id, str) or not SHOW_ID_RE.fullmatch(show_id):
        raise ConfigError("show", "id", "a show id of letters, digits, . _ - (at most 64, no spaces), "
                          f"e.g. \"expo2026\" (the name may be anything: --name), got {show_id!r}")
    form_yaml = default_form_text()
    now = now or utcnow()
    conn.execute(insert(Show).values(id=show_id, name=name or show_id, created_at=now, updated_at=now,
                                     config_json=default_config(show_id, name or show_id), form_yaml=form_yaml,
                                     form_version=form_version_of(form_yaml, "forms/bant.yaml")))
    return True


def set_config(conn: Connection, show_id: str, *, form_yaml: str | None = None, form_source: str = "<form>",
               badge_yaml: str | None = None, roster_csv: str | None = None, show: dict | None = None,
               name: str | None = None, cost: float | None = None, now: datetime | None = None) -> None:
    now = now or utcnow()
    ensure_show(conn, show_id, name, now=now)
    values: dict[str, Any] = {"updated_at": now}
    if form_yaml is not None:
        values["form_version"] = form_version_of(form_yaml, form_source)
        values["form_yaml"] = form_yaml
    if badge_yaml is not None:
        values["badge_yaml"] = badge_yaml
    if roster_csv is not None:
        values["roster_csv"] = roster_csv
    if cost is not None:
        values["cost"] = cost
    if show is not None and "timezone" in show:
        show = dict(show)
        show["timezone"] = check_show_timezone(show["timezone"])
    current = conn.execute(select(Show.config_json, Show.name).where(Show.id == show_id)).one()
    config = dict(current.config_json)
    if show is not None:
        config.update({k: v for k, v in show.items() if k not in ("form", "badge_profile", "roster")})
    config["id"] = show_id
    if name:
        config["name"] = name
        values["name"] = name
    values["config_json"] = config
    conn.execute(update(Show).where(Show.id == show_id).values(**values))


def check_show_timezone(value: Any, source: str = "show.yaml") -> str:
    """``timezone`` in show.yaml: the IANA zone the show runs in (alerts give capture times in it)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    ok = isinstance(value, str) and value.strip() != ""
    if ok:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            ok = False
    if not ok:
        raise ConfigError(source, "timezone", f"an IANA time zone name like \"Europe/Berlin\", got {value!r}")
    return value.strip()


def served_config(conn: Connection, show_id: str) -> dict:
    row = conn.execute(select(Show.__table__).where(Show.id == show_id)).first()
    if row is None:
        raise NotFound(f"show {show_id!r} does not exist")
    show = dict(row.config_json)
    body = {"show": show, "form_yaml": row.form_yaml, "badge_yaml": row.badge_yaml,
            "roster_csv": row.roster_csv, "destinations": show.get("destinations", [])}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    body["etag"] = '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'
    return body
