"""Three-way merge of two edits of one lead, field by field, against their common base.

Why: a lead is edited on the kiosk (staff) and centrally (review app) while they cannot talk.
Comparing versions alone must drop one side (the old ``stale``); comparing each field with the
version both sides started from keeps every edit: a field only one side changed takes that
change, a field both changed to the same value takes it, and a field both changed differently
keeps the central value in place and BOTH values in ``conflicts`` until a person picks.
The rules as a table: ARCHITECTURE.md, "Two-way versions". Pure: no I/O (belongs with the
record package, sync/record/, once that exists).
"""
from __future__ import annotations

import copy
from typing import Any

# What a person edits: these paths merge independently. Derived values (score.tag) follow.
FIELDS = ("notes", "staff", "outcome", "consent", "merged_from")
GROUPS = ("contact", "answers")
SCORE_FIELDS = ("score.override", "score.discarded", "score.discard_reason")
MISSING = object()


def _get(record: dict, path: str) -> Any:
    cur: Any = record
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return MISSING
        cur = cur[part]
    return cur


def _set(record: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    cur = record
    for part in parts[:-1]:
        if not isinstance(cur.get(part), dict):
            cur[part] = {}
        cur = cur[part]
    if value is MISSING:
        cur.pop(parts[-1], None)
    else:
        cur[parts[-1]] = copy.deepcopy(value)


def field_paths(*records: dict) -> list[str]:
    """Every mergeable path any of the records has."""
    paths = list(FIELDS) + list(SCORE_FIELDS)
    for group in GROUPS:
        keys: dict[str, None] = {}
        for rec in records:
            part = rec.get(group)
            if isinstance(part, dict):
                keys.update(dict.fromkeys(str(k) for k in part))
        paths += [f"{group}.{k}" for k in keys]
    return paths


def touched(history: Any, after_version: int) -> set[str]:
    """Paths a side's history says it changed after ``after_version`` (also a change made and
    undone again, which the values alone cannot show)."""
    out: set[str] = set()
    for h in history if isinstance(history, list) else []:
        if isinstance(h, dict) and isinstance(h.get("version"), int) and h["version"] > after_version:
            out.update(str(k) for k in (h.get("changes") or {}) if isinstance(h.get("changes"), dict))
    return out


def _in(path: str, paths: set[str] | None) -> bool:
    return bool(paths) and any(path == p or path.startswith(p + ".") for p in paths)  # type: ignore[union-attr]


def merge_records(base: dict | None, kiosk: dict, central: dict, *, at: str,
                  kiosk_touched: set[str] | None = None,
                  central_touched: set[str] | None = None) -> tuple[dict, list[dict]]:
    """(merged record, new conflicts). The merged record starts from ``central`` (its version,
    history and bookkeeping) with the kiosk's non-conflicting edits applied; existing conflicts
    of both sides are kept (a field edited again by one side is no longer in conflict).
    ``*_touched``: paths each side's history says it changed since the base (see ``touched``)."""
    base = base or {}
    merged = copy.deepcopy(central)
    new: list[dict] = []
    for path in field_paths(base, kiosk, central):
        b, k, c = _get(base, path), _get(kiosk, path), _get(central, path)
        kiosk_changed = k != b or _in(path, kiosk_touched)
        central_changed = c != b or _in(path, central_touched)
        if k == c or not kiosk_changed:
            continue                      # same on both sides, or only central changed it
        if not central_changed:
            _set(merged, path, k)         # only the kiosk changed it
            continue
        new.append({"field": path, "base": None if b is MISSING else b,
                    "kiosk": None if k is MISSING else k, "central": None if c is MISSING else c,
                    "kiosk_version": kiosk.get("version"), "central_version": central.get("version"),
                    "at": at})
    score = merged.get("score")
    if isinstance(score, dict) and "computed_tag" in score:
        score["tag"] = score.get("override") or score.get("computed_tag")
    kept = [c for c in _conflicts(central) + _conflicts(kiosk)
            if isinstance(c, dict) and _get(merged, str(c.get("field"))) in (c.get("kiosk"), c.get("central"))]
    seen: set[str] = set()
    conflicts = []
    for c in new + kept:
        key = repr((c.get("field"), c.get("kiosk"), c.get("central")))
        if key not in seen:
            seen.add(key)
            conflicts.append(c)
    if conflicts:
        merged["conflicts"] = conflicts
    else:
        merged.pop("conflicts", None)
    return merged, new


def _conflicts(record: dict) -> list:
    value = record.get("conflicts")
    return list(value) if isinstance(value, list) else []


def resolve(record: dict, edited_paths: list[str]) -> None:
    """A person set these fields: their conflicts are settled (in place)."""
    left = [c for c in _conflicts(record) if not any(
        str(c.get("field")) == p or str(c.get("field")).startswith(p + ".") for p in edited_paths)]
    if left:
        record["conflicts"] = left
    else:
        record.pop("conflicts", None)
