"""Issue 17: the kiosk as booth staff actually use it, on a real Kivy window driven by touch events
(one process per scenario, see booth_driver.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.ui.conftest import REPO, kivy_env

BADGE = ("BEGIN:VCARD\nVERSION:3.0\nN:Weber;Lena;;;\nFN:Lena Weber\nORG:Rheinwerk Systems GmbH\n"
         "EMAIL:lena.weber@rheinwerk.example\nTEL:+49 221 5550101\nEND:VCARD")
DRIVER = Path(__file__).with_name("booth_driver.py")
pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture
def run_booth(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    def run(scenario: str, data: Path, camera: str = "none", mode: str = "staffed", size: str = "800x480",
            staff: str = "Ana", lang: str = "en") -> dict[str, Any]:
        out = tmp_path / f"out-{scenario}-{size}"
        cmd = [sys.executable, str(DRIVER), scenario, str(data), str(out), camera, mode, size, staff, lang]
        proc = subprocess.run(cmd, env=kivy_env(tmp_path), capture_output=True, text=True,
                              timeout=300, cwd=str(REPO))
        result_file = out / "result.json"
        assert result_file.exists(), f"driver crashed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        facts = json.loads(result_file.read_text())
        assert facts["ok"], f"scenario failed: {facts['error']}\n{proc.stderr[-4000:]}"
        facts["stderr"] = proc.stderr
        return facts
    return run


@pytest.fixture(scope="module")
def lingering_badge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The visitor keeps the badge in view all the time: a still camera (image folder, 10 fps)."""
    import cv2
    from kiosk.app.badge_video import badge_image
    folder = tmp_path_factory.mktemp("still")
    frame = cv2.copyMakeBorder(badge_image(BADGE), 90, 90, 160, 160, cv2.BORDER_CONSTANT, value=(70, 80, 85))
    cv2.imwrite(str(folder / "badge.png"), frame)
    return folder


def _store_leads(data: Path) -> list[dict]:
    from kiosk.store import open_store
    store = open_store(data)
    try:
        return store.find()
    finally:
        store.close()


def test_badge_just_handled_is_not_read_again(run_booth, lingering_badge: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    facts = run_booth("rescan", data, f"images:{lingering_badge}")
    assert facts["after_back"] == ["scan"]                 # Back: staff stay on Scan ...
    assert facts["staff_reachable"] is True                # ... long enough to tap Staff
    assert 3.0 <= facts["reread_after_s"] <= 40.0          # a visitor still waiting is read again
    assert facts["after_next_visitor"] == ["scan"]         # never "Already captured" for the lead just saved
    assert len(_store_leads(data)) == 1


def test_start_over_on_the_duplicate_screen_stays_on_scan_and_no_by_question_mark(
        run_booth, lingering_badge: Path, tmp_path: Path) -> None:
    """Items 1 and 2: *Start over* on "Already captured" (the badge still in view) leaves staff on
    Scan; a lead captured with nobody on duty reads "Already captured at HH:MM: update it?" and
    "Captured HH:MM" on a real window, never "by ?"."""
    from forms import default_form_path, load_form, score
    from kiosk.store import new_lead, open_store
    data = tmp_path / "data"
    form = load_form(default_form_path())
    answers = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
               "evaluated_competitors": True, "role": "buyer", "follow_up": "demo", "consent": True}
    store = open_store(data)
    store.save(new_lead(show_id="demo", kiosk_id="k", staff=None,
                        contact={"first_name": "Lena", "last_name": "Weber", "email": "lena.weber@rheinwerk.example"},
                        answers=answers, score=score(form, answers).to_dict()))
    store.close()
    facts = run_booth("rescan_duplicate", data, f"images:{lingering_badge}")
    assert facts["dup_message"].startswith("Already captured at ") and facts["dup_message"].endswith(": update it?")
    assert "?" not in facts["dup_message"][:-1] and " by " not in facts["dup_message"], facts["dup_message"]
    assert facts["after_start_over"] == ["scan"]
    assert facts["lead_captured"].startswith("Captured ") and "by" not in facts["lead_captured"]
    assert "?" not in facts["lead_captured"], facts["lead_captured"]
    assert len(_store_leads(data)) == 1


def test_a_fresh_kiosk_asks_who_is_on_duty(run_booth, tmp_path: Path) -> None:
    from kiosk.config import load_kiosk_settings
    data = tmp_path / "data"
    facts = run_booth("duty", data, staff="-")
    assert facts["first_screen"] == "duty"
    assert facts["names"] == ["Ana", "Ben", "Chris", "Dana"]          # the demo show's staff list
    assert facts["on_duty"] == "Ben"
    assert facts["after_idle"] == "duty"
    assert facts["names_after_idle"][0] == "Ben"                      # "still me" is first
    assert facts["on_duty_typed"] == "zoe"
    assert load_kiosk_settings(data).staff == "zoe"                   # survives a restart


def test_no_staff_never_reads_by_question_mark() -> None:
    from kiosk.app.i18n import Translator
    from kiosk.app.screens.duty import duty_names
    t = Translator("en")
    assert t("dup.body_nostaff", time="17:12") == "Already captured at 17:12: update it?"
    assert duty_names(("Ana", "Ben"), "Ben") == ["Ben", "Ana"]
    assert duty_names(("Ana",), "Zoe") == ["Zoe", "Ana"]


def test_keyboard_for_email_addresses_and_names(run_booth, tmp_path: Path) -> None:
    facts = run_booth("keyboard", tmp_path / "data")
    assert facts["email_layout"] == "email-en" and facts["text_layout"] == "text-en"
    assert facts["email_first_layer"] == {"@": True, ".": True, ".com": True, "-": True, "_": True}
    assert facts["email_typed"] == "ana-lu@example.com"
    assert facts["first_typed"] == "Zoe"                       # one tap on Shift, one capital
    assert facts["last_typed"] == "\u00d6zt\u00fcrk"              # accents, with Shift too
    assert facts["company_typed"] == "AB.c"                    # two taps lock, a third releases
    assert "layout" not in facts["key_names"]                  # no key that does nothing visible
    assert {"shift1", "sym", "backspace", "escape"} <= set(facts["key_names"])


def test_german_keyboard_keeps_qwertz(run_booth, tmp_path: Path) -> None:
    facts = run_booth("keyboard_de", tmp_path / "data", lang="de")
    assert facts["layout"] == "text-de" and facts["row2"].startswith("qwertz")
    assert facts["typed"] == "M\u00fcller"
    assert facts["email_layout"] == "email-de" and facts["email_typed"] == "j@beispiel.com"


def test_german_wording(run_booth, tmp_path: Path) -> None:
    from forms import default_form_path, load_form, score
    from kiosk.store import new_lead, open_store
    data = tmp_path / "data"
    form = load_form(default_form_path())
    answers = {"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
               "evaluated_competitors": True, "role": "buyer", "follow_up": "demo", "consent": True}
    store = open_store(data)
    store.save(new_lead(show_id="demo", kiosk_id="k", staff="Ana", contact={"first_name": "Lena"},
                        answers=answers, score=score(form, answers).to_dict()))
    store.close()
    facts = run_booth("german", data)
    assert facts["message_en"].startswith("Staff on duty") or "Ana" in facts["message_en"]
    assert facts["message_de"] != facts["message_en"] and "Ana" in facts["message_de"]
    assert facts["export_de"].startswith("1 Leads gespeichert in "), facts["export_de"]
    assert facts["export_en"].startswith("Saved 1 leads to "), facts["export_en"]
    texts = " | ".join(facts["lead_texts"])
    assert "Einstufung setzen" in texts and "Warum diese Einstufung" in texts, texts
    assert "Tag setzen" not in texts and "dieser Tag" not in texts
    assert form.question("timing").option("0_3_months").label["de"] == "Innerhalb von 3 Monaten"


def test_a_normal_start_is_quiet_and_real_errors_show(tmp_path: Path) -> None:
    """Item 7: no tracebacks, no CRITICAL lines, no ALSA noise on a machine without xclip/xsel or
    a sound card; an error the kiosk logs still reaches the log."""
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("quiet_driver.py")), str(tmp_path / "data")],
                          env=kivy_env(tmp_path), capture_output=True, text=True, timeout=300, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr[-3000:]
    noise = [ln for ln in proc.stderr.splitlines()
             if "Traceback" in ln or "CRITICAL" in ln or ln.startswith("ALSA lib") or "Cutbuffer" in ln]
    assert not noise, "\n".join(noise[:10])
    assert "ERROR leadkiosk.app: a real error: the test says so" in proc.stderr


def test_discarded_lead_detail_and_retag(run_booth, tmp_path: Path) -> None:
    from forms import default_form_path, load_form, score
    from kiosk.store import new_lead, open_store
    data = tmp_path / "data"
    form = load_form(default_form_path())
    student = {"budget": "approved", "authority": "researcher", "need": "critical", "timing": "6_12_months",
               "evaluated_competitors": True, "role": "student", "follow_up": "demo", "consent": True}
    result = score(form, student).to_dict()
    assert result["discarded"] is True
    store = open_store(data)
    lead = store.save(new_lead(show_id="demo", kiosk_id="k", staff="Ana", contact={"first_name": "Tom"},
                               answers=student, score=result))
    store.close()
    facts = run_booth("discarded", data)
    assert facts["tag_text"] == "Discarded" and facts["tag_fits"] is True
    assert not any(facts["discard_text"] in r for r in facts["reasons"]), facts["reasons"]   # said once
    assert facts["after_retag"] == "Warm" and facts["after_discarded"] is False
    store = open_store(data)
    try:
        saved = store.get(lead["id"])
    finally:
        store.close()
    assert saved["score"]["discarded"] is False and saved["score"]["override"] == "warm"
