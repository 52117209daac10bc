"""End-to-end UI scenarios on a real Kivy window driven by touch events (one process each)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def _png(path: str) -> np.ndarray:
    import cv2
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    assert img is not None, path
    return img


def _store_leads(data: Path) -> list[dict]:
    from kiosk.store import open_store
    store = open_store(data)
    try:
        return store.find()
    finally:
        store.close()


def test_full_capture_from_video_camera(run_ui, badge_video: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    facts = run_ui("capture", data, f"video:{badge_video}")
    assert facts["camera_state"] == "live"
    assert facts["prefilled"]["first_name"] == "Lena"
    assert facts["prefilled"]["company"] == "Rheinwerk Systems GmbH"
    assert facts["raw_shown"] == ""                      # parsed: no raw panel
    assert facts["conditional_before"] is False and facts["conditional_after"] is True
    assert facts["kept_after_back"] is True
    assert "What brings you" in facts["required_error"] or "Please answer" in facts["required_error"]
    assert facts["min_target_px"] >= 48
    assert facts["consent_text"].startswith("I agree that the exhibitor")
    assert facts["done_tag_text"] == "Hot"
    assert any("budget approved" in r for r in facts["done_reasons"])
    assert facts["saved_before_done"] == [True]
    leads = _store_leads(data)
    assert len(leads) == 1
    lead = leads[0]
    assert lead["score"]["tag"] == "hot" and lead["staff"] == "Ana"
    assert lead["contact"]["email"] == "lena.weber@rheinwerk.example"
    assert lead["contact"]["raw"].startswith("BEGIN:VCARD")
    assert lead["answers"]["product_interest"] == ["crm_sync"]
    assert lead["consent"]["given"] is True and lead["consent"]["text_version"] == "2026-1"
    # pixels: the flash colour fills the preview, and the done screen shows the red "hot" card
    flash = _png(facts["flash_png"])
    x, y, w, h = facts["preview_box"]
    hh = flash.shape[0]
    spot = flash[hh - (y + h // 4), x + w // 4]            # PNG rows run top-down, Kivy y bottom-up
    b, g, r = (int(v) for v in spot)
    assert g > 110 and g > r + 40 and g > b + 40, spot
    done = _png(facts["done_png"])
    assert done.std() > 20                                # not a blank frame
    red = (done[:, :, 2] > 180) & (done[:, :, 1] < 90) & (done[:, :, 0] < 90)
    assert red.mean() > 0.03


def test_default_run_captures_from_the_demo_video(run_ui, tmp_path: Path, monkeypatch) -> None:
    """What ``leadkiosk run`` does on this machine: demo show, camera "auto" (no webcam here, so the
    scan package's demo video), through the whole flow to a stored hot lead."""
    from kiosk.scan.demo_video import DEMO_VCARD
    data = tmp_path / "data"
    facts = run_ui("demo", data, "auto")
    assert facts["camera_state"] == "live" and facts["prefilled"]["first_name"] == "Ana"
    leads = _store_leads(data)
    assert len(leads) == 1 and leads[0]["score"]["tag"] == "hot"
    assert leads[0]["contact"]["raw"].replace("\r", "") == DEMO_VCARD.replace("\r", "")
    assert leads[0]["show_id"] == "demo"


def test_manual_entry_with_on_screen_keyboard(run_ui, tmp_path: Path) -> None:
    data = tmp_path / "data"
    facts = run_ui("manual", data, "none")
    assert facts["no_camera_text"] == "No camera found"
    assert facts["manual_title"] is True
    assert "name or an email" in facts["empty_error"]
    assert facts["field_above_keyboard"] is True
    assert facts["next_focused"] == "company"
    assert facts["next_visible_above_keyboard"] is True
    assert facts["typed"]["first_name"] == "lena" and facts["typed"]["last_name"] == "berg"
    assert facts["typed"]["company"] == "nordwind"
    leads = _store_leads(data)
    assert len(leads) == 1
    assert leads[0]["contact"]["format"] == "manual" and leads[0]["contact"]["raw"] is None
    assert leads[0]["contact"]["first_name"] == "lena"


def test_duplicate_scan_offers_update(run_ui, badge_video: Path, tmp_path: Path) -> None:
    from forms import default_form_path, load_form, score
    from kiosk.store import new_lead, open_store
    data = tmp_path / "data"
    form = load_form(default_form_path())
    answers = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
               "evaluated_competitors": True, "role": "buyer", "follow_up": "demo", "consent": True}
    store = open_store(data)
    first = store.save(new_lead(show_id="demo", kiosk_id="k", staff="Ana",
                                contact={"first_name": "Lena", "last_name": "Weber",
                                         "email": "lena.weber@rheinwerk.example", "format": "vcard"},
                                answers=answers, score=score(form, answers).to_dict()))
    store.close()
    facts = run_ui("duplicate", data, f"video:{badge_video}")
    assert facts["dup_message"].startswith("Already captured at ") and facts["dup_message"].endswith("by Ana: update it?")
    assert facts["dup_prefilled"]["company"] == "Rheinwerk Systems GmbH"
    assert facts["dup_answers_kept"] is True and facts["done_updated"] is True
    leads = _store_leads(data)
    assert len(leads) == 1                               # updated, not duplicated
    assert leads[0]["id"] == first["id"] and leads[0]["version"] == 2
    assert leads[0]["contact"]["title"] == "Chief Technology Officer"


def test_pin_screen_rejects_wrong_pin_then_staff_retag(run_ui, tmp_path: Path) -> None:
    from forms import default_form_path, load_form, score
    from kiosk.store import new_lead, open_store
    data = tmp_path / "data"
    form = load_form(default_form_path())
    hot = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
           "evaluated_competitors": True, "role": "buyer", "follow_up": "demo", "consent": True}
    cold = {"budget": "none", "authority": "researcher", "need": "nice_to_have", "timing": "no_plans",
            "role": "buyer", "follow_up": "info_pack", "consent": True}
    store = open_store(data)
    for first, answers in (("Lena", hot), ("Otto", cold)):
        store.save(new_lead(show_id="demo", kiosk_id="k", staff="Ana", contact={"first_name": first},
                            answers=answers, score=score(form, answers).to_dict()))
    store.close()
    facts = run_ui("pin", data, "none")
    assert facts["after_wrong"] == "pin"
    assert facts["wrong_error"] == "Wrong PIN, try again"
    assert facts["staff_count"] == 2 and facts["hot_count"] == 1 and facts["search_count"] == 1
    assert facts["lead_title"] == "Otto" and facts["retag_text"] == "Hot"
    assert facts["override_text"] == "Tag set by staff (computed: Nurture)"
    otto = [x for x in _store_leads(data) if x["contact"]["first_name"] == "Otto"][0]
    assert otto["score"]["override"] == "hot" and otto["score"]["computed_tag"] == "nurture"
    assert otto["version"] == 2 and otto["history"][-1]["actor"] == "Ana"


def test_self_serve_idle_reset_clears_visitor(run_ui, tmp_path: Path) -> None:
    facts = run_ui("idle", tmp_path / "data", "none", mode="self_serve")
    # without a camera the self-serve scan screen speaks to the visitor, not to staff
    texts = " | ".join(facts["scan_texts"])
    assert "Tap below to type in your details." in texts and "the visitor's details" not in texts, texts
    assert facts["warning_text"].startswith("Still there?")
    assert facts["still_here_kept"] is True
    assert 0.5 <= facts["warned_after_s"] <= 20.0
    assert all(v == "" for v in facts["cleared_fields"].values()), facts["cleared_fields"]
    assert facts["flow_contact"]["first_name"] is None and facts["flow_contact"]["email"] is None
    assert facts["questions_left"] == 0
    assert _store_leads(tmp_path / "data") == []
