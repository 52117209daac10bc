"""A stored lead record made safe to render: every field the review pages read has the type they
expect, whatever a buggy or hostile device stored (or an older central accepted).

Why here and not only at ingest: ingest now validates deeply, but rows stored before that, rows
written by other tools, or a future validator gap must still show as a page a person can act on,
never as a 500 that hides the lead."""
from __future__ import annotations

from typing import Any

from sync.record.validate import is_card_photo


def _text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    return str(v)


def _obj(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def display_record(record: Any) -> dict[str, Any]:
    rec = dict(record) if isinstance(record, dict) else {}
    rec["contact"] = {str(k): _text(v) for k, v in _obj(rec.get("contact")).items()}
    score = dict(_obj(rec.get("score")))
    reasons = score.get("reasons")
    score["reasons"] = [str(r) for r in reasons] if isinstance(reasons, list) else []
    for key in ("tag", "computed_tag", "override", "discard_reason", "form_id", "form_version"):
        score[key] = _text(score.get(key))
    rec["score"] = score
    rec["consent"] = _obj(rec.get("consent"))
    rec["outcome"] = _obj(rec.get("outcome")) or None
    rec["notes"] = _text(rec.get("notes")) or ""
    rec["answers"] = {str(k): v for k, v in _obj(rec.get("answers")).items()}
    merged = rec.get("merged_from")
    rec["merged_from"] = [m for m in merged if isinstance(m, str)] if isinstance(merged, list) else []
    history = []
    for h in rec.get("history") if isinstance(rec.get("history"), list) else []:
        if not isinstance(h, dict):
            continue
        v = h.get("version")
        changes = {}
        for path, ch in _obj(h.get("changes")).items():
            changes[str(path)] = ch if isinstance(ch, dict) else {"old": None, "new": ch}
        if not isinstance(h.get("changes"), (dict, type(None))):
            changes["_note"] = {"old": None, "new": f"(unreadable changes: {str(h.get('changes'))[:200]})"}
        history.append({"version": v if isinstance(v, int) and not isinstance(v, bool) else None,
                        "at": h.get("at") if isinstance(h.get("at"), str) else None,
                        "actor": _text(h.get("actor")), "changes": changes})
    rec["history"] = history
    conflicts = rec.get("conflicts")
    rec["conflicts"] = [c for c in conflicts if isinstance(c, dict)] if isinstance(conflicts, list) else []
    # shown as a data: URL, so only a base64 JPEG passes (anything else would be markup or junk)
    rec["card_photo"] = rec.get("card_photo") if is_card_photo(rec.get("card_photo")) else None
    return rec
