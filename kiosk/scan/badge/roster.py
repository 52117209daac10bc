"""The show's roster: registration id -> attendee, for badges that print only an id.

Built from CSV text (pure); reading the file is ``kiosk.scan.roster_file``'s job.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from kiosk.errors import ConfigError
from kiosk.scan.badge.aliases import field_for

MAX_ROSTER_ROWS = 500_000


def normalise_id(value: str) -> str:
    """Ids are matched case-insensitively and without surrounding blanks or leading zeros' loss:
    scanners and spreadsheets disagree on case, never on digits."""
    return value.strip().upper()


@dataclass
class Roster:
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = "<roster>"

    def __len__(self) -> int:
        return len(self.rows)

    def lookup(self, registration_id: str | None) -> dict[str, str] | None:
        """The attendee's fields (contact field names) or None when the id is not on the roster."""
        if not registration_id:
            return None
        return self.rows.get(normalise_id(registration_id))

    @classmethod
    def from_csv_text(cls, text: str, source: str = "<roster>",
                      id_column: str | None = None) -> "Roster":
        """Header row required; the id column is ``id_column`` or the first header that means a
        registration id. Delimiter sniffed among , ; tab | so Excel exports in any locale work."""
        text = text.lstrip("\ufeff")
        sample = text[:4096]
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(io.StringIO(text), dialect)
        try:
            header = next(reader)
        except StopIteration:
            raise ConfigError(f"{source}: roster is empty; expected a header row and one row per "
                              "attendee") from None
        except csv.Error as exc:
            raise ConfigError(f"{source}: line 1: not valid CSV ({exc})") from None
        header = [h.strip() for h in header]
        if id_column is not None:
            if id_column not in header:
                raise ConfigError(f"{source}: header: expected a column named {id_column!r} "
                                  f"(roster_id_column), found {header}")
            id_index = header.index(id_column)
        else:
            id_index = next((i for i, h in enumerate(header) if field_for(h) == "registration_id"),
                            -1)
            if id_index < 0:
                raise ConfigError(f"{source}: header: expected a registration id column (e.g. "
                                  f"'registration_id', 'id', 'badge_id'), found {header}")
        mapping = {i: field_for(h) for i, h in enumerate(header) if i != id_index}
        rows: dict[str, dict[str, str]] = {}
        try:
            for line_no, row in enumerate(reader, start=2):
                if line_no > MAX_ROSTER_ROWS:
                    raise ConfigError(f"{source}: more than {MAX_ROSTER_ROWS} rows")
                if id_index >= len(row) or not row[id_index].strip():
                    continue
                entry: dict[str, str] = {"registration_id": row[id_index].strip()}
                for i, name in mapping.items():
                    if name and name != "registration_id" and i < len(row) and row[i].strip():
                        entry.setdefault(name, row[i].strip())
                rows[normalise_id(row[id_index])] = entry
        except csv.Error as exc:
            raise ConfigError(f"{source}: line {reader.line_num}: not valid CSV ({exc})") from None
        return cls(rows=rows, source=source)
