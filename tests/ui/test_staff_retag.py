"""Re-tagging in the staff area: the stored reasons say that staff set the tag (sales read the
record, not the screen), clearing the override removes that line again, and every staff edit wakes
the sync worker so the new version goes out at once."""
from __future__ import annotations

from typing import Any

from forms import default_form_path, load_form, score
from kiosk.app.context import KioskContext, ShowInfo
from kiosk.app.staff import StaffService
from kiosk.store import MemoryLeadStore, new_lead

COLD = {"budget": "none", "authority": "researcher", "need": "nice_to_have", "timing": "no_plans",
        "role": "buyer", "follow_up": "info_pack", "consent": True}


class CountingSync:
    def __init__(self) -> None:
        self.triggers = 0

    def trigger(self) -> None:
        self.triggers += 1


def _service(form: Any = None) -> tuple[StaffService, str, CountingSync]:
    form = form or load_form(default_form_path())
    store = MemoryLeadStore()
    lead = store.save(new_lead(show_id="demo", kiosk_id="k1", staff="Ana", contact={"first_name": "Otto"},
                               answers=COLD, score=score(form, COLD).to_dict()))
    sync = CountingSync()
    ctx = KioskContext(kiosk_id="k1", show=ShowInfo("demo", "Demo"), form=form, staff="Ana")
    return StaffService(ctx, store, sync=sync), lead["id"], sync


def test_retag_records_that_staff_set_the_tag_and_clearing_removes_it() -> None:
    staff, lead_id, sync = _service()
    before = staff.store.get(lead_id)["score"]
    assert before["computed_tag"] == "nurture" and not any("staff set" in r for r in before["reasons"])

    after = staff.retag(lead_id, "hot")["score"]
    assert (after["tag"], after["override"], after["computed_tag"]) == ("hot", "hot", "nurture")
    assert after["reasons"][-1] == "staff set the tag to hot (the form computed nurture)"
    assert after["reasons"][:-1] == before["reasons"]

    cleared = staff.retag(lead_id, None)["score"]
    assert cleared["tag"] == "nurture" and cleared["override"] is None
    assert cleared["reasons"] == before["reasons"]
    assert sync.triggers == 2


def test_retag_keeps_stored_reasons_when_the_form_changed_since() -> None:
    staff, lead_id, _ = _service()
    staff.store.edit(lead_id, {"score": {"form_version": "2025.9"}}, actor="test")
    before = staff.store.get(lead_id)["score"]["reasons"]
    after = staff.retag(lead_id, "warm")["score"]
    assert after["tag"] == "warm" and after["reasons"] == before


def test_every_staff_edit_wakes_the_sync_worker() -> None:
    staff, lead_id, sync = _service()
    staff.edit_contact(lead_id, {"last_name": "Meier"})
    staff.discard(lead_id, "duplicate of another badge")
    staff.reinstate(lead_id)
    assert sync.triggers == 3
    assert staff.store.get(lead_id)["version"] == 4
