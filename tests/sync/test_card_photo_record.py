"""Issue 20: the photo of a business card kept with a lead: what the record accepts, that sealing
moves it into the sealed box (and back), and that a purge removes it."""
from __future__ import annotations

import base64

import pytest

from kiosk.store.retention import purged_copy
from sync.record.errors import InvalidRecord
from sync.record.record import new_lead
from sync.record.validate import CARD_PHOTO_MAX_CHARS, is_card_photo, validate
from sync.sealed_record import is_personal_path, join_personal, split_personal

JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4).decode("ascii")
SCORE = {"score": 80, "computed_tag": "hot", "override": None, "tag": "hot", "discarded": False,
         "discard_reason": None, "reasons": [], "form_id": "bant", "form_version": "2026.1"}


def _lead(photo: object = JPEG) -> dict:
    lead = new_lead(show_id="demo", kiosk_id="k1", staff="Ana",
                    contact={"first_name": "Anna", "email": "anna@example.com", "format": "card",
                             "raw": "Anna Schmidt\nanna@example.com"},
                    answers={"consent": True}, score=SCORE)
    lead["card_photo"] = photo
    return lead


def test_a_card_lead_carries_its_photo_and_others_have_no_key() -> None:
    assert validate(_lead())["card_photo"] == JPEG
    plain = new_lead(show_id="demo", kiosk_id="k1", staff=None, contact={}, answers={}, score=SCORE)
    assert "card_photo" not in plain
    made = new_lead(show_id="demo", kiosk_id="k1", staff=None, contact={}, answers={}, score=SCORE,
                    card_photo=JPEG)
    assert made["card_photo"] == JPEG
    assert validate(_lead(None))["card_photo"] is None


@pytest.mark.parametrize("bad", [
    "<img src=x onerror=alert(1)>",                          # markup
    base64.b64encode(b"\x89PNG\r\n\x1a\n....").decode(),      # not a JPEG
    "/9j/" + "A" * (CARD_PHOTO_MAX_CHARS + 4),                # too big
    "/9j/AAA\"><script>",                                     # breaks out of an attribute
    "/9j/AA",                                                 # not whole base64
    12345, ["/9j/"], {"jpeg": JPEG},
])
def test_anything_but_a_base64_jpeg_is_refused_by_name(bad: object) -> None:
    assert not is_card_photo(bad)
    with pytest.raises(InvalidRecord, match="card_photo: expected a base64 JPEG"):
        validate(_lead(bad))


def test_sealing_moves_the_photo_into_the_box_and_back() -> None:
    lead = _lead()
    clear, payload = split_personal(lead)
    assert clear["card_photo"] is None and payload["card_photo"] == JPEG
    assert JPEG not in repr(clear)
    assert join_personal(clear, payload)["card_photo"] == JPEG
    assert is_personal_path("card_photo")
    # a lead without a photo gets no key from a round trip
    plain = _lead()
    del plain["card_photo"]
    c2, p2 = split_personal(plain)
    assert "card_photo" not in p2 and "card_photo" not in join_personal(c2, p2)


def test_purge_removes_the_photo() -> None:
    purged = purged_copy(_lead(), "2026-12-01T00:00:00Z")
    assert purged["card_photo"] is None and purged["contact"]["raw"] is None and purged["purged"] is True
