"""The capture state machine without Kivy: real form, real badge parser, the store's in-memory twin."""
from __future__ import annotations

import base64

import pytest

from forms import default_form_path, load_form, score
from kiosk.app.context import KioskContext, ShowInfo
from kiosk.app.flow import CONTACT, DONE, DUPLICATE, QUALIFY, SCAN, CaptureFlow, FlowError
from kiosk.bootstrap import make_parser
from kiosk.errors import StoreError
from kiosk.store import MemoryLeadStore, new_lead

VCARD = "BEGIN:VCARD\nVERSION:3.0\nN:Weber;Lena;;;\nORG:Rheinwerk\nEMAIL:lena@rheinwerk.example\nEND:VCARD"
HOT = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
       "evaluated_competitors": True, "role": "buyer", "follow_up": "demo"}


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def flow(clock: Clock) -> CaptureFlow:
    ctx = KioskContext(kiosk_id="k1", show=ShowInfo("demo", "Demo"), form=load_form(default_form_path()),
                       staff="Ana", idle_timeout_s=30)
    return CaptureFlow(ctx, MemoryLeadStore(), make_parser(None), score=score, new_lead=new_lead, clock=clock)


def answer_all(flow: CaptureFlow, answers: dict) -> None:
    while flow.state == QUALIFY:
        for _ in range(3):  # answering may reveal conditional questions
            for qid in flow.visible_questions():
                if qid in answers and qid not in flow.answers:
                    flow.answer(qid, answers[qid])
        if flow.current_step().is_consent:
            flow.answer("consent", answers.get("consent", True))
        flow.next()


def test_badge_to_saved_hot_lead(flow: CaptureFlow) -> None:
    assert flow.badge_read(VCARD) == CONTACT
    assert flow.contact["first_name"] == "Lena" and flow.contact["format"] == "vcard"
    flow.submit_contact(dict(flow.contact))
    answer_all(flow, HOT)
    assert flow.state == DONE
    stored = flow.store.get(flow.saved["id"])
    assert stored["score"]["tag"] == "hot" and stored["staff"] == "Ana"
    assert stored["consent"]["given"] is True and stored["consent"]["text_version"] == "2026-1"


def test_unparseable_badge_keeps_raw_text(flow: CaptureFlow) -> None:
    flow.badge_read("ZX#2026::A7F3\x01")
    assert flow.state == CONTACT
    assert flow.contact["raw"] == "ZX#2026::A7F3\x01" and flow.contact["first_name"] is None


def test_badge_ignored_while_visitor_is_typing(flow: CaptureFlow) -> None:
    flow.badge_read(VCARD)
    flow.submit_contact({"first_name": "Lena"})
    assert flow.badge_read("BEGIN:VCARD\nN:Other;Otto\nEND:VCARD") == QUALIFY
    assert flow.contact["first_name"] == "Lena"


@pytest.mark.parametrize("fields, key", [({}, "contact.need_name"),
                                         ({"first_name": "A", "email": "not-an-email"}, "contact.bad_email")])
def test_contact_checks(flow: CaptureFlow, fields: dict, key: str) -> None:
    flow.manual_entry()
    with pytest.raises(FlowError) as err:
        flow.submit_contact(fields)
    assert err.value.key == key and flow.state == CONTACT


def test_required_and_conditional_questions(flow: CaptureFlow) -> None:
    flow.manual_entry()
    flow.submit_contact({"first_name": "A"})
    with pytest.raises(FlowError) as err:
        flow.next()
    assert err.value.values["missing"] == ["budget"]
    assert flow.question_labels(["budget", "consent"], "Consent") == "Is there a budget for a solution?, Consent"
    flow.answer("budget", "approved")
    flow.next()
    flow.answer("authority", "other")
    flow.next()
    assert flow.visible_questions() == ["need"]
    flow.answer("need", "important")
    assert flow.visible_questions() == ["need", "product_interest"]
    flow.back()
    assert flow.step == 1 and flow.answers["need"] == "important"


def test_consent_must_be_answered_and_hidden_answers_are_dropped(flow: CaptureFlow) -> None:
    flow.manual_entry()
    flow.submit_contact({"first_name": "A"})
    answers = dict(HOT, need="none")
    flow.answers["product_interest"] = ["crm_sync"]  # answered, then hidden by need=none
    while not flow.current_step().is_consent:
        for _ in range(3):
            for qid in flow.visible_questions():
                if qid in answers:
                    flow.answer(qid, answers[qid])
        flow.next()
    with pytest.raises(FlowError):
        flow.next()
    flow.answer("consent", False)
    flow.next()
    assert flow.state == DONE
    assert "product_interest" not in flow.saved["answers"]
    assert flow.saved["consent"]["given"] is False


def test_duplicate_then_update_bumps_version(flow: CaptureFlow) -> None:
    flow.badge_read(VCARD)
    flow.submit_contact(dict(flow.contact))
    answer_all(flow, HOT)
    first = flow.saved
    flow.finish()
    assert flow.badge_read(VCARD) == DUPLICATE
    assert flow.duplicate_text_values()["staff"] == "Ana"
    flow.accept_update()
    assert flow.state == CONTACT and flow.answers["budget"] == "approved"
    flow.submit_contact(dict(flow.contact, title="CTO"))
    answer_all(flow, {})
    assert flow.saved["id"] == first["id"] and flow.saved["version"] == 2
    assert len(flow.store.find()) == 1


def test_decline_duplicate_resets(flow: CaptureFlow) -> None:
    flow.badge_read(VCARD)
    flow.submit_contact(dict(flow.contact))
    answer_all(flow, HOT)
    flow.finish()
    flow.badge_read(VCARD)
    flow.decline_update()
    assert flow.state == SCAN and flow.contact["first_name"] is None


def test_store_failure_keeps_visitor_on_screen(flow: CaptureFlow) -> None:
    class Full(MemoryLeadStore):
        def save(self, lead):  # type: ignore[no-untyped-def]
            raise StoreError("disk full")
    flow.store = Full()
    flow.manual_entry()
    flow.submit_contact({"first_name": "A"})
    with pytest.raises(FlowError) as err:
        answer_all(flow, HOT)
    assert err.value.key == "error.store" and flow.state == QUALIFY and flow.answers["budget"] == "approved"


def test_idle_only_in_self_serve_and_warns_first(flow: CaptureFlow, clock: Clock) -> None:
    flow.manual_entry()
    clock.t += 100
    assert flow.idle_status().state == "ok"              # staffed never times out
    flow.context.mode = "self_serve"
    flow.touch()
    clock.t += 15
    assert flow.idle_status().state == "ok"
    clock.t += 8
    status = flow.idle_status()
    assert status.state == "warn" and 0 < status.seconds_left <= 10
    clock.t += 8
    assert flow.idle_status().state == "reset"
    flow.reset()
    assert flow.idle_status().state == "ok" and flow.state == SCAN


def test_a_step_of_one_tap_questions_is_done_by_its_last_choice(flow: CaptureFlow) -> None:
    """Auto-advance (issue 17's tap budget): only steps whose visible questions are all one-tap kinds."""
    flow.badge_read(VCARD)
    flow.submit_contact(dict(flow.contact))
    assert not flow.step_done_by_choice()              # budget: not answered yet
    flow.answer("budget", "approved")
    assert flow.step_done_by_choice()                  # the one single choice: done
    flow.next()
    flow.answer("authority", "other")
    flow.next()
    flow.answer("need", "critical")                    # reveals a multi-choice question: Next stays
    assert not flow.step_done_by_choice()
    flow.answer("product_interest", ["crm_sync"])
    assert not flow.step_done_by_choice()
    flow.next()
    flow.answer("timing", "0_3_months")                # reveals the yes/no question, unanswered
    assert not flow.step_done_by_choice()
    flow.answer("evaluated_competitors", False)
    assert flow.step_done_by_choice()
    flow.next()
    flow.answer("role", "buyer")
    flow.answer("follow_up", "demo")                   # a text question (notes) on the step: Next stays
    assert not flow.step_done_by_choice()
    flow.next()
    flow.answer("consent", True)                       # consent is a deliberate Finish
    assert not flow.step_done_by_choice()


CARD = {"contact": {"first_name": "Anna", "last_name": "Schmidt", "title": "Leiterin Vertrieb",
                    "company": "Müller GmbH", "email": "anna@mueller.example", "phone": "+498912345678",
                    "country": "DE", "website": "www.mueller.example"},
        "confidence": {"first_name": 0.9, "last_name": 0.9, "title": 0.6, "company": 0.95,
                       "email": 1.0, "phone": 0.98, "country": 0.5, "website": 0.9},
        "text": ["Anna Schmidt", "Leiterin Vertrieb", "Müller GmbH", "anna@mueller.example"]}


def test_card_read_fills_contact_keeps_text_and_photo_then_saves(flow: CaptureFlow) -> None:
    photo = b"\xff\xd8\xff\xe0 a JPEG"
    assert flow.card_read(CARD, photo) == CONTACT
    c = flow.contact
    assert c["format"] == "card" and c["first_name"] == "Anna" and c["company"] == "Müller GmbH"
    assert c["raw"].splitlines()[1] == "Leiterin Vertrieb"
    assert "website" not in c                                    # not a lead contact field
    assert flow.confidence["title"] == 0.6 and "website" not in flow.confidence
    assert flow.card_photo == photo
    flow.submit_contact({**{k: v for k, v in c.items() if v}, "title": "Head of Sales"})
    answer_all(flow, HOT)
    stored = flow.store.get(flow.saved["id"])
    assert stored["contact"]["format"] == "card" and stored["contact"]["title"] == "Head of Sales"
    assert base64.b64decode(stored["card_photo"]) == photo
    flow.finish()
    assert flow.confidence == {} and flow.card_photo is None     # nothing of the visitor survives


def test_card_read_ignored_outside_scan_and_contact_and_duplicates_by_email(flow: CaptureFlow) -> None:
    flow.card_read(CARD)
    flow.submit_contact(dict(flow.contact))
    assert flow.state == QUALIFY and flow.card_read(CARD) == QUALIFY   # mid-questions: ignored
    answer_all(flow, HOT)
    assert flow.card_read(CARD) == DONE
    flow.finish()
    assert flow.card_read(CARD) == DUPLICATE


def test_card_read_on_the_contact_screen_fills_only_the_empty_fields(flow: CaptureFlow) -> None:
    """Staff typed a name, then took the card's photo from the contact screen: what they typed
    stays, the card fills the rest, and only the card's fields are highlighted."""
    flow.manual_entry()
    flow.keep_typed({"first_name": " Anne ", "company": ""})
    photo = b"\xff\xd8\xff\xe0 from contact"
    assert flow.card_read(CARD, photo) == CONTACT
    c = flow.contact
    assert c["first_name"] == "Anne" and c["last_name"] == "Schmidt" and c["company"] == "Müller GmbH"
    assert c["format"] == "card" and c["raw"].startswith("Anna Schmidt")
    assert flow.confidence["first_name"] == 1.0 and flow.confidence["title"] == 0.6
    flow.submit_contact({k: v for k, v in c.items() if v})
    answer_all(flow, HOT)
    assert base64.b64decode(flow.store.get(flow.saved["id"])["card_photo"]) == photo
    # a badge read first keeps its own format and raw text; the card only fills in
    flow.finish()
    assert flow.badge_read(VCARD) == CONTACT
    flow.card_read(CARD, photo)
    assert flow.contact["format"] == "vcard" and flow.contact["first_name"] == "Lena"
    assert flow.contact["title"] == "Leiterin Vertrieb" and flow.card_photo == photo


def test_card_on_the_contact_screen_that_names_a_known_visitor_offers_the_update(flow: CaptureFlow) -> None:
    flow.card_read(CARD, b"\xff\xd8\xff\xe0 first")
    flow.submit_contact(dict(flow.contact))
    answer_all(flow, HOT)
    flow.finish()
    flow.manual_entry()
    flow.keep_typed({"first_name": "Anna"})
    assert flow.card_read(CARD, b"\xff\xd8\xff\xe0 again") == DUPLICATE   # its e-mail is known
    flow.accept_update()
    assert flow.state == CONTACT and flow.editing is not None and flow.card_photo.endswith(b"again")
    # while updating, another photo from the contact screen just fills in
    assert flow.card_read(CARD, b"\xff\xd8\xff\xe0 third") == CONTACT


def test_update_existing_from_the_duplicate_screen_keeps_the_new_card_photo(flow: CaptureFlow) -> None:
    """Issue 20: a card read again at the show (same e-mail) goes to the duplicate screen; "update
    existing" must keep the new card's photo with the lead (it was lost), and the lead's history
    notes the change by size, not by carrying the photo twice."""
    flow.card_read(CARD, b"\xff\xd8\xff\xe0 first photo")
    flow.submit_contact(dict(flow.contact))
    answer_all(flow, HOT)
    first = flow.saved
    flow.finish()
    second = b"\xff\xd8\xff\xe0 second photo" + bytes(2048)
    assert flow.card_read(CARD, second) == DUPLICATE
    flow.accept_update()
    assert flow.state == CONTACT and flow.card_photo == second
    flow.submit_contact(dict(flow.contact))
    answer_all(flow, HOT)
    stored = flow.store.get(first["id"])
    assert flow.store.count() == 1 and stored["version"] == 2
    assert base64.b64decode(stored["card_photo"]) == second
    change = stored["history"][-1]["changes"]["card_photo"]
    assert change == {"old": "card photo, 0 KB", "new": "card photo, 2 KB"}


def test_card_read_with_hostile_text_keeps_it_as_text(flow: CaptureFlow) -> None:
    reading = {"contact": {"first_name": "=HYPERLINK(\"x\")", "email": None}, "confidence": {"first_name": "nan"},
               "text": ["<b>x</b>", "\u202eevil"]}
    assert flow.card_read(reading) == CONTACT
    assert flow.contact["first_name"] == "=HYPERLINK(\"x\")" and flow.confidence == {}
    assert flow.contact["raw"] == "<b>x</b>\n\u202eevil"
