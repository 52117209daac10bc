"""A stored lead's score reasons in the language the kiosk speaks now.

The lead record keeps its reasons in the form's first language (what sales and CRMs read). Staff
reading a German kiosk get the same reasons re-derived from the stored answers and override with
``forms.score(..., language=)``; whenever that cannot be trusted to describe the stored score (the
show's form changed since, or re-scoring gives another result) the stored words are shown instead.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

from forms import FormError, score

log = logging.getLogger(__name__)


def lead_reasons(form: Any, lead: Mapping[str, Any] | None, language: str) -> tuple[list[str], str | None]:
    """``(reasons, discard_reason)`` of ``lead`` for a reader of ``language``. A discard reason
    typed by staff (not the form's) is theirs and stays as written."""
    stored = dict((lead or {}).get("score") or {})
    fallback = (list(stored.get("reasons") or []), stored.get("discard_reason"))
    if form is None or not lead or stored.get("form_id") != getattr(form, "id", None) \
            or stored.get("form_version") != getattr(form, "version", None):
        return fallback
    answers = dict(lead.get("answers") or {})
    override = stored.get("override")
    try:
        local = score(form, answers, override, require_consent=False, language=language)
        default = score(form, answers, override, require_consent=False)
    except FormError as exc:
        log.info("showing lead %s's stored reasons: %s", lead.get("id"), exc)
        return fallback
    if (local.score, local.computed_tag) != (stored.get("score"), stored.get("computed_tag")):
        return fallback  # not the score on record: its own words describe it better
    discard = stored.get("discard_reason")
    if discard is not None and discard == default.discard_reason:
        discard = local.discard_reason
    return list(local.reasons), discard


def reasons_for_override(form: Any, lead: Mapping[str, Any], override: str | None) -> list[str] | None:
    """The reasons to store after staff re-tag ``lead``: the form's own words plus the line that
    says staff set the tag (sales must see that a hot tag was a person's call, not the form's).
    None when the stored score cannot be re-derived (form changed): then the record keeps its words."""
    stored = dict(lead.get("score") or {})
    if form is None or stored.get("form_id") != getattr(form, "id", None) \
            or stored.get("form_version") != getattr(form, "version", None):
        return None
    try:
        result = score(form, dict(lead.get("answers") or {}), override, require_consent=False)
    except FormError as exc:
        log.info("re-tag of lead %s keeps its stored reasons: %s", lead.get("id"), exc)
        return None
    if (result.score, result.computed_tag) != (stored.get("score"), stored.get("computed_tag")):
        return None
    return list(result.reasons)
