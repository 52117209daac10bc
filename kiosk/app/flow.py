"""The capture flow as a plain state machine: scan -> (duplicate?) -> contact -> qualify steps -> done.

Everything a visitor's capture decides (duplicate detection, contact checks, which questions are
due, saving before "done", the self-serve idle reset) lives here rather than in widget callbacks,
so it is unit-tested without Kivy and the screens only mirror ``state``.
"""
from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from kiosk.app.context import KioskContext
from kiosk.app.form_view import FormView, StepView
from kiosk.app.reasons import lead_reasons
from kiosk.errors import KioskError, StoreError
from kiosk.scan.badge.fields import typed_contact
from sync.record.fields import PERSON_FIELDS as CONTACT_FIELDS  # what the contact screen edits
from sync.record.record import empty_contact as _record_contact

SCAN, DUPLICATE, CONTACT, QUALIFY, DONE = "scan", "duplicate", "contact", "qualify", "done"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WARN_SECONDS = 10.0


def empty_contact(fmt: str = "manual", raw: str | None = None) -> dict[str, Any]:
    contact = _record_contact(fmt)
    contact["raw"] = raw
    return contact


def contact_problem(fields: Mapping[str, Any]) -> str | None:
    """The translation key of what stops these contact fields from being saved, or None. The
    contact screen asks again as the fields are typed in, so an error disappears the moment it is
    fixed (a stale "does not look right" under a corrected address reads as a second mistake)."""
    def value(key: str) -> str:
        return str(fields.get(key) or "").strip()
    if not (value("first_name") or value("last_name") or value("email")):
        return "contact.need_name"
    if value("email") and not _EMAIL.fullmatch(value("email")):
        return "contact.bad_email"
    return None


def local_time(iso: str | None) -> str:
    """``HH:MM`` in the kiosk's local time, the way staff remember when they talked to someone."""
    if not iso:
        return "?"
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%H:%M")
    except ValueError:
        return "?"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FlowError(KioskError):
    """A step of the capture cannot proceed; ``key`` is a translation key, ``values`` its fields."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass
class IdleStatus:
    state: str              # "ok" | "warn" | "reset"
    seconds_left: float


class CaptureFlow:
    """One visitor at a time. Dependencies are passed in; ``store`` follows ``kiosk.store.LeadStore``."""

    def __init__(self, context: KioskContext, store: Any, parse_badge: Callable[[str], Mapping[str, Any]],
                 score: Callable[..., Any], new_lead: Callable[..., dict[str, Any]],
                 clock: Callable[[], float] = time.monotonic, now: Callable[[], datetime] = utc_now) -> None:
        """``clock`` (monotonic seconds) times the idle reset; ``now`` (aware wall time) stamps the
        capture and the consent, so tests pass a controlled one instead of depending on the date."""
        self.context = context
        self.store = store
        self._parse = parse_badge
        self._score = score
        self._new_lead = new_lead
        self._clock = clock
        self._now = now
        self.listeners: list[Callable[[CaptureFlow], None]] = []
        # Called with the durable lead right after a save (the sync worker's trigger: hot leads leave now).
        self.on_saved: list[Callable[[dict[str, Any]], None]] = []
        self.set_form(context.form)
        self.reset()

    # --- state -----------------------------------------------------------------------------------
    def set_form(self, form: Any) -> None:
        self.context.form = form
        self.form_view = FormView(form)

    def reset(self) -> None:
        """Forget the visitor completely: nothing of theirs may survive into the next capture."""
        self.state = SCAN
        self.contact: dict[str, Any] = empty_contact()
        self.answers: dict[str, Any] = {}
        self.step = 0
        self.editing: dict[str, Any] | None = None
        self.duplicate: dict[str, Any] | None = None
        self.saved: dict[str, Any] | None = None
        # Photo of a card: the engine's confidence per field (the contact screen highlights the
        # doubtful ones) and the photo itself (JPEG), kept with the lead.
        self.confidence: dict[str, float] = {}
        self.card_photo: bytes | None = None
        self.last_activity = self._clock()
        self._notify()

    def _go(self, state: str) -> None:
        self.state = state
        self.last_activity = self._clock()
        self._notify()

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener(self)

    @property
    def lang(self) -> str:
        return self.context.language

    # --- scan ------------------------------------------------------------------------------------
    def badge_read(self, payload: str) -> str:
        """A decoded badge. Ignored unless the kiosk is waiting for one, so a badge still in view
        while the visitor types does not restart their capture."""
        if self.state != SCAN:
            return self.state
        contact = dict(empty_contact("unknown", payload))
        try:
            contact.update({k: v for k, v in dict(self._parse(payload)).items()})
        except KioskError:
            pass  # unparseable: keep the raw text, staff complete the fields by hand
        contact.setdefault("raw", payload)
        if contact.get("raw") is None:
            contact["raw"] = payload
        self.contact = contact
        return self._to_contact_or_duplicate(contact)

    def card_read(self, reading: Mapping[str, Any], photo: bytes | None = None) -> str:
        """A card photo read offline: its fields (``reading["contact"]``), the confidence per
        field and the OCR text lines (kept as the raw payload, so staff and the review page see
        what the engine saw). On the contact screen (staff took the photo from there) the card
        fills the fields still empty: what staff typed or a badge gave stays. Ignored in any
        other state."""
        if self.state not in (SCAN, CONTACT):
            return self.state
        found = dict(reading.get("contact") or {})
        text = [str(line) for line in reading.get("text") or []]
        confidence = {k: float(v) for k, v in dict(reading.get("confidence") or {}).items()
                      if k in CONTACT_FIELDS and isinstance(v, (int, float))}
        if self.state == CONTACT:
            return self._card_onto_contact(found, "\n".join(text) or None, confidence, photo)
        contact = empty_contact("card", "\n".join(text) or None)
        contact.update({k: found.get(k) or None for k in CONTACT_FIELDS})
        self.contact = contact
        self.confidence = confidence
        self.card_photo = photo
        return self._to_contact_or_duplicate(contact)

    def keep_typed(self, fields: Mapping[str, Any]) -> None:
        """What staff typed on the contact screen so far, kept while they take a card photo from
        there (the screen is left for the camera's preview; nothing is checked yet)."""
        if self.state != CONTACT:
            return
        for key in CONTACT_FIELDS:
            if key in fields:
                self.contact[key] = str(fields.get(key) or "").strip() or None

    def _card_onto_contact(self, found: Mapping[str, Any], text: str | None,
                           confidence: Mapping[str, float], photo: bytes | None) -> str:
        filled = [k for k in CONTACT_FIELDS if found.get(k) and not self.contact.get(k)]
        for key in filled:
            self.contact[key] = found[key]
        if self.contact.get("format") in ("manual", None):
            # typed so far, now read from a card: the card's text is the record's raw payload
            self.contact["format"] = "card"
            self.contact["raw"] = text
        # highlight only what the card filled in; the rest staff typed or a badge gave
        self.confidence = {k: (confidence.get(k, 0.0) if k in filled else 1.0) for k in CONTACT_FIELDS}
        self.card_photo = photo
        if "email" in filled and not self.editing:
            # the card told who this is: a visitor captured before is offered for update
            return self._to_contact_or_duplicate(self.contact)
        self._go(CONTACT)
        return self.state

    def _to_contact_or_duplicate(self, contact: Mapping[str, Any]) -> str:
        """A visitor already captured at this show (same registration id or e-mail) is offered for
        update instead of a second lead; anyone else goes on to the contact form."""
        dup = self.store.find_duplicate(registration_id=contact.get("registration_id") or None,
                                        email=contact.get("email") or None,
                                        show_id=self.context.show.id)
        if dup:
            self.duplicate = dup
            self._go(DUPLICATE)
        else:
            self._go(CONTACT)
        return self.state

    def manual_entry(self) -> None:
        if self.state != SCAN:
            return
        self.contact = empty_contact("manual", None)
        self._go(CONTACT)

    def duplicate_text_values(self) -> dict[str, str]:
        dup = self.duplicate or {}
        return {"time": local_time(dup.get("captured_at")), "staff": dup.get("staff") or ""}

    def accept_update(self) -> None:
        """Update the earlier lead instead of making a second one: its answers are the start,
        fresh non-empty badge fields win over the stored ones."""
        if self.state != DUPLICATE or not self.duplicate:
            return
        old = self.duplicate
        merged = dict(empty_contact())
        merged.update(old.get("contact") or {})
        for key, value in self.contact.items():
            if value not in (None, ""):
                merged[key] = value
        self.contact = merged
        self.answers = dict(old.get("answers") or {})
        consent = old.get("consent") or {}
        if "given" in consent:
            self.answers["consent"] = bool(consent["given"])
        self.editing = old
        self.duplicate = None
        self._go(CONTACT)

    def decline_update(self) -> None:
        self.reset()

    # --- contact ---------------------------------------------------------------------------------
    def submit_contact(self, fields: Mapping[str, Any]) -> None:
        """Raises FlowError when there is nothing to follow up with or the email is malformed."""
        cleaned = {k: (str(fields.get(k) or "").strip() or None) for k in CONTACT_FIELDS}
        problem = contact_problem(cleaned)
        if problem:
            raise FlowError(problem)
        # typed phones and countries end up like scanned ones: E.164 and ISO codes
        self.contact.update(typed_contact(cleaned, self.context.default_region))
        self.step = 0
        self._go(QUALIFY)

    def back_to_scan(self) -> None:
        self.reset()

    # --- qualify ---------------------------------------------------------------------------------
    def steps(self) -> list[StepView]:
        return self.form_view.steps(self.lang)

    def current_step(self) -> StepView:
        return self.steps()[self.step]

    def visible_questions(self) -> list[str]:
        return self.form_view.visible_in_step(self.current_step(), self.answers)

    def answer(self, qid: str, value: Any) -> None:
        """Record an answer (``None`` clears it). Listeners redraw, so questions whose condition
        just became true appear at once."""
        if value is None or value == [] or value == "":
            self.answers.pop(qid, None)
        else:
            self.answers[qid] = value
        self.last_activity = self._clock()
        self._notify()

    def question_labels(self, qids: list[str], consent_label: str) -> str:
        """The unanswered questions as the visitor sees them, for "Please answer: ..."."""
        return ", ".join(consent_label if q == "consent" else self.form_view.question(q, self.lang).label
                         for q in qids)

    def missing_in_step(self) -> list[str]:
        step = self.current_step()
        if step.is_consent:
            return [] if isinstance(self.answers.get("consent"), bool) else ["consent"]
        missing = []
        for qid in self.visible_questions():
            if self.form_view.question(qid, self.lang).required and qid not in self.answers:
                missing.append(qid)
        return missing

    def step_done_by_choice(self) -> bool:
        """True when the step just became complete by a tap on a choice: every visible question is a
        one-tap kind (single, yes/no, scale) and answered. The screen then moves on by itself, which
        saves booth staff the Next tap (issue 17's tap budget); Back returns with the answer kept.
        A step with a multi-choice or text question, and the consent step, keep their Next: there the
        visitor decides when the step is finished."""
        step = self.current_step()
        if self.state != QUALIFY or step.is_consent:
            return False
        visible = self.visible_questions()
        return bool(visible) and all(
            self.form_view.question(qid, self.lang).kind in ("single", "yesno", "scale") and qid in self.answers
            for qid in visible)

    def next(self) -> None:
        """Forward one step; on the last one, save. Raises FlowError naming unanswered questions."""
        if self.state != QUALIFY:
            return
        missing = self.missing_in_step()
        if missing:
            raise FlowError("qualify.required", missing=missing)
        if self.step + 1 < len(self.steps()):
            self.step += 1
            self._go(QUALIFY)
        else:
            self.save()

    def back(self) -> None:
        if self.state == QUALIFY and self.step > 0:
            self.step -= 1
            self._go(QUALIFY)
        elif self.state == QUALIFY:
            self._go(CONTACT)
        elif self.state in (CONTACT, DUPLICATE):
            self.reset()

    # --- save ------------------------------------------------------------------------------------
    def _clean_answers(self) -> dict[str, Any]:
        visible = self.form_view.visible_ids(self.answers)
        return {k: v for k, v in self.answers.items() if k in visible or k == "consent"}

    def save(self) -> dict[str, Any]:
        """Score and store; only after the store returns (fsynced) does the flow say "done"."""
        answers = self._clean_answers()
        given = bool(answers.get("consent"))
        at = self._now()
        consent = {"given": given, "text_version": self.form_view.consent_version(), "at": _iso(at)}
        ctx = self.context
        # a card photo taken for this capture; on an update it replaces the earlier one
        photo = {"card_photo": base64.b64encode(self.card_photo).decode("ascii")} if self.card_photo else {}
        try:
            if self.editing:
                old_override = (self.editing.get("score") or {}).get("override")
                result = self._score(ctx.form, answers, override=old_override).to_dict()
                changes: dict[str, Any] = {"contact": dict(self.contact), "answers": answers, "score": result,
                                           "consent": consent, **photo}
                lead = self.store.edit(self.editing["id"], changes, actor=ctx.staff or "kiosk")
            else:
                result = self._score(ctx.form, answers).to_dict()
                lead = self._new_lead(show_id=ctx.show.id, kiosk_id=ctx.kiosk_id, staff=ctx.staff,
                                      contact=dict(self.contact), answers=answers, score=result,
                                      consent=consent, notes=str(answers.get("notes") or ""), captured_at=at,
                                      **photo)
                lead = self.store.save(lead)
        except StoreError as exc:
            raise FlowError("error.store", error=str(exc)) from exc
        self.saved = lead
        for hook in list(self.on_saved):
            try:
                hook(lead)
            except Exception:  # the lead is safe on disk; a sync hiccup must not hide "done"
                import logging
                logging.getLogger(__name__).exception("after-save hook")
        self._go(DONE)
        return lead

    def updated(self) -> bool:
        return self.editing is not None

    def reasons(self, lead: dict[str, Any] | None = None, language: str | None = None) -> tuple[list[str], str | None]:
        """``(reasons, discard_reason)`` of the saved lead in the kiosk's language; the record
        itself keeps the form's first language."""
        return lead_reasons(self.context.form, lead if lead is not None else self.saved,
                            language or self.context.language)

    def finish(self) -> None:
        self.reset()

    # --- self-serve idle -------------------------------------------------------------------------
    def touch(self) -> None:
        self.last_activity = self._clock()

    def seconds_idle(self) -> float:
        return self._clock() - self.last_activity

    def idle_status(self) -> IdleStatus:
        """In self-serve mode a visitor who walks away must not leave their data on screen: warn,
        then reset. Staffed kiosks and the idle scan screen never time out."""
        timeout = float(self.context.idle_timeout_s)
        if self.context.mode != "self_serve" or self.state == SCAN or timeout <= 0:
            return IdleStatus("ok", timeout)
        idle = self._clock() - self.last_activity
        left = timeout - idle
        if left <= 0:
            return IdleStatus("reset", 0.0)
        if left <= min(WARN_SECONDS, timeout / 3):
            return IdleStatus("warn", left)
        return IdleStatus("ok", left)
