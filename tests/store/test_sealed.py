"""Personal data sealed at rest: what the store does while locked, unlocked, and with damage."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.errors import StoreError, WrongPassphrase
from kiosk.seal import Keyring, KeySealer
from kiosk.store import open_store
from sync.sealed_record import open_box
from tests.store.conftest import make_lead
from tests.support.keys import FAST_KDF, PASSPHRASE, make_keys

SECRETS = ("Zebulon", "Quixotic-Widgets", "zeb.quix@example.org", "REG-77331", "+49 170 5550199",
           "prefers morning calls")


def _lead(**kw):  # type: ignore[no-untyped-def]
    lead = make_lead(first="Zebulon", last="Quarrington", company="Quixotic-Widgets",
                     email="Zeb.Quix@Example.org", reg="REG-77331", **kw)
    lead["contact"]["phone"] = "+49 170 5550199"
    lead["contact"]["raw"] = "BEGIN:VCARD\nFN:Zebulon Quarrington\nEND:VCARD"
    lead["notes"] = "prefers morning calls"
    return lead


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def _assert_nothing_personal(root: Path) -> None:
    data = _all_bytes(root)
    for s in SECRETS + ("Quarrington", "zeb.quix"):
        assert s.encode() not in data and s.lower().encode() not in data.lower(), s


@pytest.fixture
def data(tmp_path: Path) -> Path:
    make_keys(tmp_path / "data")
    return tmp_path / "data"


def test_locked_store_saves_without_a_secret_and_keeps_nothing_in_clear(data: Path) -> None:
    store = open_store(data)  # keys on disk: sealed even though nobody passed a sealer
    assert store.sealer.locked
    saved = store.save(_lead())
    assert saved["contact"]["first_name"] == "Zebulon"  # the caller's own record comes back clear
    got = store.get(saved["id"])
    assert got is not None and got["contact"]["first_name"] is None and got["notes"] == ""
    assert got["contact"]["format"] == "manual" and got["score"]["tag"] == "warm"
    assert set(got["sealed"]) >= {"box", "central", "dedup", "digest", "kid"}
    store.close()
    _assert_nothing_personal(data)


def test_duplicates_found_while_locked_by_keyed_hash(data: Path) -> None:
    store = open_store(data)
    first = store.save(_lead())
    dup = store.find_duplicate(email="  zeb.quix@EXAMPLE.org ")
    assert dup is not None and dup["id"] == first["id"]
    assert store.find_duplicate(registration_id="REG-77331")["id"] == first["id"]  # type: ignore[index]
    assert store.find_duplicate(email="other@example.org") is None
    store.close()
    # the index survives a restart (rebuilt from the stored hashes, no key needed)
    again = open_store(data)
    assert again.find_duplicate(registration_id="REG-77331") is not None
    again.close()


def test_unlock_reveals_and_wrong_passphrase_is_clear_error(data: Path) -> None:
    store = open_store(data)
    lead = store.save(_lead())
    sealer = store.sealer
    assert isinstance(sealer, KeySealer)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        sealer.unlock_passphrase("not it")
    assert sealer.locked
    sealer.unlock_passphrase(PASSPHRASE)
    got = store.get(lead["id"])
    assert got == lead
    assert [r["id"] for r in store.find(text="quarrington")] == [lead["id"]]
    sealer.lock()
    assert store.find(text="quarrington") == []
    assert store.get(lead["id"])["contact"]["email"] is None  # type: ignore[index]
    store.close()


def test_double_tap_while_locked_is_a_no_op_but_a_different_record_is_refused(data: Path) -> None:
    store = open_store(data)
    lead = store.save(_lead())
    assert store.save(lead)["id"] == lead["id"]
    assert store.count() == 1
    other = dict(lead, notes="something else")
    with pytest.raises(StoreError, match="already saved"):
        store.save(other)
    store.close()


def test_edits_while_locked_are_sealed_on_top_and_read_back_once_unlocked(data: Path) -> None:
    store = open_store(data)
    lead = store.save(_lead())
    edited = store.edit(lead["id"], {"score": {"override": "hot"}}, actor="Ana")
    assert edited["version"] == 2 and edited["score"]["tag"] == "hot"
    # a duplicate badge updating the lead while locked: new personal data sealed without reading the old
    edited = store.edit(lead["id"], {"contact": {"phone": "+1 555 0100", "email": "zq@new.example"}}, actor="Ana")
    assert edited["version"] == 3 and edited["history"][-1]["changes"]["contact.phone"] == {"sealed": True}
    assert store.find_duplicate(email="ZQ@new.example")["id"] == lead["id"]  # type: ignore[index]
    assert store.find_duplicate(email="zeb.quix@example.org") is None
    assert b"555 0100" not in _all_bytes(data) and b"new.example" not in _all_bytes(data)
    store.sealer.unlock_passphrase(PASSPHRASE)  # type: ignore[attr-defined]
    full = store.get(lead["id"])
    assert full["contact"]["phone"] == "+1 555 0100" and full["contact"]["first_name"] == "Zebulon"  # type: ignore[index]
    assert full["history"][2]["changes"]["contact.phone"] == {"old": "+49 170 5550199", "new": "+1 555 0100"}  # type: ignore[index]
    edited = store.edit(lead["id"], {"contact": {"phone": "+44 20 7946 0321"}, "notes": "call Tuesdays"}, actor="Ana")
    assert edited["version"] == 4 and edited["history"][-1]["changes"]["contact.phone"]["old"] == "+1 555 0100"
    assert "overlays" not in store._live()[store._by_id[lead["id"]]]["sealed"]  # folded into fresh boxes
    store.sealer.lock()  # type: ignore[attr-defined]
    sealed = store.get(lead["id"])
    assert sealed["history"][-1]["changes"]["contact.phone"] == {"sealed": True}  # type: ignore[index]
    assert sealed["score"]["tag"] == "hot"  # type: ignore[index]
    store.close()
    _assert_nothing_personal(data)
    assert b"call Tuesdays" not in _all_bytes(data) and b"7946" not in _all_bytes(data)
    again = open_store(data)
    again.sealer.unlock_passphrase(PASSPHRASE)  # type: ignore[attr-defined]
    full = again.get(lead["id"])
    assert full["notes"] == "call Tuesdays" and full["history"][1]["changes"]["score.override"]["new"] == "hot"  # type: ignore[index]
    assert full["history"][2]["changes"]["contact.email"]["new"] == "zq@new.example"  # type: ignore[index]
    again.close()


def test_locked_edit_reaches_central_readable(data: Path) -> None:
    from nacl.public import PrivateKey

    from sync.sealed_record import open_for_central
    from sync.record.record import wire_record
    central = PrivateKey.generate()
    ring = Keyring.load(data)
    ring.set_central("dev_x", bytes(central.public_key), b"w" * 32, {})  # type: ignore[union-attr]
    ring.save()  # type: ignore[union-attr]
    store = open_store(data)
    lead = store.save(_lead())
    store.edit(lead["id"], {"notes": "met again on day 2"}, actor="Ana")
    wire = wire_record(store.get(lead["id"]))  # type: ignore[arg-type]
    assert "box" not in wire["sealed"] and "dedup" not in wire["sealed"]
    clear = open_for_central(wire, bytes(central))
    assert clear["notes"] == "met again on day 2" and clear["contact"]["last_name"] == "Quarrington"
    assert clear["history"][1]["changes"]["notes"] == {"old": "prefers morning calls", "new": "met again on day 2"}
    store.close()


def test_purge_drops_the_sealed_copy_too(data: Path) -> None:
    from datetime import timedelta
    store = open_store(data)
    lead = store.save(_lead())
    store.mark_sync(lead["id"], "central", 1, "sent")
    from kiosk.store.record import utc_now
    assert store.purge(retention_days=0, now=utc_now() + timedelta(seconds=1)) == 1
    got = store.get(lead["id"])
    assert "sealed" not in got and got["purged"]  # type: ignore[operator,index]
    store.close()


def test_damaged_sealed_box_is_reported_and_the_rest_stays_usable(data: Path) -> None:
    store = open_store(data)
    lead = store.save(_lead())
    sealer = store.sealer
    sealer.unlock_passphrase(PASSPHRASE)  # type: ignore[attr-defined]
    # flip one byte of the box inside the stored record (a card with a bad block)
    doc_id = store._by_id[lead["id"]]
    stored = store._live()[doc_id]
    box = stored["sealed"]["box"]
    stored["sealed"]["box"] = box[:20] + ("A" if box[20] != "A" else "B") + box[21:]
    got = store.get(lead["id"])
    assert got["sealed"]["damage"] and got["contact"]["first_name"] is None  # type: ignore[index]
    assert got["score"]["tag"] == "warm"  # type: ignore[index]
    assert any("damaged sealed record" in e for e in store.events)
    assert any("damaged sealed record" in e for e in store.damage)  # reported like any other damage
    with pytest.raises(StoreError, match="damaged"):
        store.edit(lead["id"], {"notes": "x"}, actor="Ana")
    store.close()


def test_older_clear_records_are_sealed_when_keys_arrive(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_store(data)  # no keys yet: stored as they are
    lead = store.save(_lead())
    store.close()
    assert b"Zebulon" in _all_bytes(data)
    make_keys(data)
    store = open_store(data)
    assert "sealed" in store.get(lead["id"])  # type: ignore[operator]
    assert store.find_duplicate(email="zeb.quix@example.org") is not None
    store.close()
    _assert_nothing_personal(data)
    store = open_store(data)
    store.sealer.unlock_passphrase(PASSPHRASE)  # type: ignore[attr-defined]
    assert store.get(lead["id"]) == lead
    store.close()


def test_central_box_opens_with_centrals_key_only(data: Path) -> None:
    from nacl.public import PrivateKey
    central = PrivateKey.generate()
    ring = Keyring.load(data)
    assert ring is not None
    ring.set_central("dev_x", bytes(central.public_key), b"w" * 32, {})
    ring.save()
    store = open_store(data)
    lead = store.save(_lead())
    sealed = store.get(lead["id"])["sealed"]  # type: ignore[index]
    assert open_box(bytes(central), sealed["central"])["contact"]["email"] == "Zeb.Quix@Example.org"
    with pytest.raises(ValueError, match="cannot be opened"):
        open_box(bytes(PrivateKey.generate()), sealed["central"])
    store.close()


def test_key_file_holds_no_private_key_in_clear(data: Path) -> None:
    ring = Keyring.load(data)
    text = json.loads((data / "keys" / "kiosk.keys").read_text())
    assert set(text["keys"][0]["wrapped"]["passphrase"]) == {"kdf", "opslimit", "memlimit", "salt", "box"}
    assert (data / "keys" / "kiosk.keys").stat().st_mode & 0o077 == 0
    ring2, private = Keyring.create(data, "new phrase", FAST_KDF, previous=ring)
    ring2.save()
    import base64
    assert base64.b64encode(private).decode() not in (data / "keys" / "kiosk.keys").read_text()
    assert len(Keyring.load(data).data["keys"]) == 2  # type: ignore[union-attr]


def test_staff_cannot_blank_a_sealed_contact_from_the_lead_screen(data: Path) -> None:
    from forms import default_form_path, load_form

    from kiosk.app.context import KioskContext, ShowInfo
    from kiosk.app.staff import StaffError, StaffService
    store = open_store(data)
    lead = store.save(_lead())
    ctx = KioskContext(kiosk_id="k1", show=ShowInfo("demo", "Demo"), form=load_form(default_form_path()), staff="Ana")
    staff = StaffService(ctx, store)
    with pytest.raises(StaffError, match="keys.locked_edit"):
        staff.edit_contact(lead["id"], {"first_name": "", "email": ""})
    store.sealer.unlock_passphrase(PASSPHRASE)  # type: ignore[attr-defined]
    assert staff.edit_contact(lead["id"], {"title": "CTO"})["contact"]["title"] == "CTO"
    store.close()


def test_new_card_photo_while_locked_is_sealed_and_reaches_central(data: Path) -> None:
    """"Update existing" after a second card photo while the kiosk is locked: the new photo is
    sealed on top (never in clear on disk), read back once unlocked, and central opens it."""
    import base64

    from nacl.public import PrivateKey

    from sync.record.record import wire_record
    from sync.sealed_record import open_for_central
    central = PrivateKey.generate()
    ring = Keyring.load(data)
    ring.set_central("dev_x", bytes(central.public_key), b"w" * 32, {})  # type: ignore[union-attr]
    ring.save()  # type: ignore[union-attr]
    store = open_store(data)
    first = base64.b64encode(b"\xff\xd8\xff\xe0FIRST-PHOTO" + bytes(1024)).decode("ascii")
    second = base64.b64encode(b"\xff\xd8\xff\xe0SECOND-PHOTO" + bytes(3072)).decode("ascii")
    lead = store.save(dict(_lead(), card_photo=first))
    edited = store.edit(lead["id"], {"card_photo": second, "contact": {"title": "CTO"}}, actor="Ana")
    assert edited["history"][-1]["changes"]["card_photo"] == {"sealed": True}
    assert store.get(lead["id"])["card_photo"] is None          # type: ignore[index]
    store.close()
    raw = _all_bytes(data)
    assert second[:40].encode() not in raw and first[:40].encode() not in raw
    reopened = open_store(data)
    clear = open_for_central(wire_record(reopened.get(lead["id"])), bytes(central))  # type: ignore[arg-type]
    reopened.close()
    assert clear["card_photo"] == second and clear["contact"]["title"] == "CTO"
    again = open_store(data)
    again.sealer.unlock_passphrase(PASSPHRASE)  # type: ignore[attr-defined]
    full = again.get(lead["id"])
    assert full["card_photo"] == second  # type: ignore[index]
    assert full["history"][-1]["changes"]["card_photo"] == {"old": "card photo, 1 KB", "new": "card photo, 3 KB"}  # type: ignore[index]
    # unlocked: the next photo is folded into fresh boxes, its history entry a size, not the bytes
    third = base64.b64encode(b"\xff\xd8\xff\xe0THIRD" + bytes(5120)).decode("ascii")
    assert again.edit(lead["id"], {"card_photo": third}, actor="Ana")["card_photo"] == third
    assert again.get(lead["id"])["history"][-1]["changes"]["card_photo"]["new"] == "card photo, 5 KB"  # type: ignore[index]
    again.close()
