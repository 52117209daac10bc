"""Retention and rescoring: what happens to stored leads after capture.

Pure functions over one record; the service applies them to many records in one durable change
set, so a crash purges or rescores all of them or none.
"""
from __future__ import annotations

import pickle
from typing import Any, Mapping

from sync.record.fields import CONTACT_FIELDS

PURGED_VALUE = None


def purged_copy(doc: Mapping[str, Any], stamp: str) -> dict[str, Any]:
    """The record without contact details: contact fields (except the badge format), notes, the card photo and
    their old/new values in history are blanked; id, answers, score and consent stay."""
    new: dict[str, Any] = pickle.loads(pickle.dumps(doc, pickle.HIGHEST_PROTOCOL))
    fmt = (new.get("contact") or {}).get("format")
    new["contact"] = {k: None for k in CONTACT_FIELDS}
    new["contact"]["format"] = fmt
    new["notes"] = ""
    if "card_photo" in new:
        new["card_photo"] = None   # the card shows the same details
    for h in new.get("history") or []:
        for path, change in (h.get("changes") or {}).items():
            if path.startswith("contact") or path == "notes":
                change["old"] = change["new"] = PURGED_VALUE
    new.pop("sealed", None)  # the sealed copy of the same details goes too
    new["purged"] = True
    new["purged_at"] = stamp
    return new


def rescore_one(score_answers: Any, form: Any, answers: Mapping[str, Any], override: str | None) -> dict[str, Any]:
    """Consent is recorded in the record, not re-asked: score without requiring it."""
    try:
        return score_answers(form, answers, override=override, require_consent=False).to_dict()
    except TypeError:
        return score_answers(form, answers, override=override).to_dict()


def staff_discarded(doc: Mapping[str, Any]) -> bool:
    return any("score.discarded" in (h.get("changes") or {}) and h.get("actor") != "rescore"
               for h in doc.get("history") or [])
