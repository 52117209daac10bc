"""The version/history rule: every edit of a lead is a new version with a history entry.

The contract (ARCHITECTURE.md): ``version`` increments on every edit, ``updated_at`` is the edit
time, and ``history`` gains ``{"version", "at", "actor", "changes": {"a.b": {"old", "new"}}}``.
Sync-state changes are not edits. The kiosk store (staff edits, rescoring) and central's review
app (web and API edits) both make versions through :func:`new_version`, so a lead edited on
both sides carries one kind of history.
"""
from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, Mapping

from sync.record.timestamps import iso

Diff = dict[str, dict[str, Any]]


def deep_merge(base: dict[str, Any], changes: Mapping[str, Any], prefix: str = "",
               diff: Diff | None = None) -> Diff:
    """Merge ``changes`` into ``base`` in place; return ``{"a.b": {"old", "new"}}`` for leaves that
    actually changed, which is what the record's history keeps."""
    diff = {} if diff is None else diff
    for key, new in changes.items():
        path = f"{prefix}{key}"
        old = base.get(key)
        if isinstance(new, Mapping) and isinstance(old, dict):
            deep_merge(old, new, path + ".", diff)
        elif key not in base or old != new:
            diff[path] = {"old": copy.deepcopy(old), "new": copy.deepcopy(new)}
            base[key] = copy.deepcopy(new) if isinstance(new, (dict, list)) else new
    return diff


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """``record["a"]["b"]`` for ``"a.b"``; None where the path does not exist."""
    cur: Any = record
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def set_path(record: dict[str, Any], path: str, value: Any) -> None:
    """Set ``"a.b"`` in ``record``, making the objects on the way."""
    parts = path.split(".")
    cur = record
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[parts[-1]] = value


def apply_paths(record: dict[str, Any], values: Mapping[str, Any]) -> Diff:
    """Set each ``{"a.b": value}`` in ``record`` (in place); return the leaves that changed."""
    diff: Diff = {}
    for path, value in values.items():
        old = get_path(record, path)
        if old != value:
            diff[path] = {"old": old, "new": value}
            set_path(record, path, value)
    return diff


def settle_tag(record: dict[str, Any], diff: Diff) -> None:
    """Keep ``score.tag`` = override or computed tag after an edit (recorded in ``diff``)."""
    score = record.get("score")
    if isinstance(score, dict) and "computed_tag" in score:
        tag = score.get("override") or score.get("computed_tag")
        if score.get("tag") != tag:
            diff["score.tag"] = {"old": score.get("tag"), "new": tag}
            score["tag"] = tag


def new_version(record: dict[str, Any], changes: Diff, *, actor: str, at: datetime,
                note: str | None = None, previous: int | None = None) -> dict[str, Any]:
    """Make ``record`` (already changed in place) the next version: bump ``version`` (from
    ``previous``, default the record's own), stamp ``updated_at``, append the history entry.
    Returns the entry. Callers skip this when ``changes`` is empty: a no-op edit keeps the version."""
    version = int(previous if previous is not None else record.get("version", 1)) + 1
    stamp = iso(at)
    record["version"] = version
    record["updated_at"] = stamp
    entry: dict[str, Any] = {"version": version, "at": stamp, "actor": actor, "changes": changes}
    if note:
        entry["note"] = note
    record.setdefault("history", []).append(entry)
    return entry
