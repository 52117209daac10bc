"""Reading a show's roster CSV from disk (the pure parsing lives in ``badge.roster``)."""
from __future__ import annotations

import os
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.scan.badge.roster import Roster

MAX_ROSTER_BYTES = 200 * 1024 * 1024


def load_roster(path: str | os.PathLike[str], id_column: str | None = None) -> Roster:
    """Excel's UTF-8-with-BOM and legacy cp1252 exports both load; errors name the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_ROSTER_BYTES:
            raise ConfigError(f"{path}: roster is {size} bytes; expected at most {MAX_ROSTER_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read roster ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return Roster.from_csv_text(text, source=str(path), id_column=id_column)
