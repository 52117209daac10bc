"""Score reasons in the kiosk's language: the Done screen and the staff lead detail re-derive them
from the stored answers and override in German, while the stored lead keeps the form's first
language (English) for sales and the CRMs; a lead scored with another form version keeps its words."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from forms import default_form_path, load_form, load_form_text, score
from kiosk.app.context import KioskContext, ShowInfo
from kiosk.app.flow import DONE, QUALIFY, CaptureFlow
from kiosk.app.staff import StaffService
from kiosk.bootstrap import make_parser
from kiosk.store import MemoryLeadStore, new_lead

STUDENT = {"budget": "approved", "authority": "researcher", "need": "critical", "timing": "6_12_months",
           "evaluated_competitors": True, "role": "student", "follow_up": "demo", "consent": True}
DE_DISCARD = "verworfen: Studium, kein Käufer (aufbewahrt, das Field-Marketing kann ihn wiederherstellen)"


@pytest.fixture
def services() -> tuple[CaptureFlow, StaffService]:
    ctx = KioskContext(kiosk_id="k1", show=ShowInfo("demo", "Demo"), form=load_form(default_form_path()),
                       staff="Ana", language="de")
    store = MemoryLeadStore()
    return (CaptureFlow(ctx, store, make_parser(None), score=score, new_lead=new_lead),
            StaffService(ctx, store))


def capture(flow: CaptureFlow, answers: dict) -> dict:
    flow.manual_entry()
    flow.submit_contact({"first_name": "Tom", "last_name": "Nguyen"})
    while flow.state == QUALIFY:
        for _ in range(3):
            for qid in flow.visible_questions():
                if qid in answers and qid not in flow.answers:
                    flow.answer(qid, answers[qid])
        if flow.current_step().is_consent:
            flow.answer("consent", True)
        flow.next()
    assert flow.state == DONE
    return flow.saved


def test_german_kiosk_explains_in_german_and_stores_english(services) -> None:
    flow, staff = services
    lead = capture(flow, STUDENT)
    stored = flow.store.get(lead["id"])["score"]
    assert stored["reasons"][0] == "budget approved +30"           # the record: form's first language
    assert stored["discard_reason"] == "student, not a buyer"
    reasons, discard = flow.reasons()
    assert reasons[0] == "Budget genehmigt +30"
    assert "Heiß braucht Entscheidungsbefugnis: Rechercheur genügt nicht" in reasons
    assert "80 Punkte: Warm (Warm ab 40, Heiß ab 70)" in reasons
    assert DE_DISCARD in reasons and discard == "Studium, kein Käufer"
    assert len(reasons) == len(stored["reasons"])
    # an explicit language wins over the kiosk's, and English gives exactly the stored words
    assert flow.reasons(language="en") == (stored["reasons"], stored["discard_reason"])


def test_staff_detail_follows_retag_discard_and_language_switch(services) -> None:
    flow, staff = services
    lead = capture(flow, dict(STUDENT, role="buyer"))
    lead = staff.retag(lead["id"], "hot")
    reasons, _ = staff.reasons(lead)
    assert reasons[-1] == "Personal hat die Einstufung auf Heiß gesetzt (das Formular ergab Warm)"
    # a discard reason typed by staff is theirs: shown as written
    lead = staff.discard(lead["id"], "kein Budget dieses Jahr")
    assert staff.reasons(lead)[1] == "kein Budget dieses Jahr"
    staff.set_language("en")
    assert staff.reasons(lead)[0][-1] == "staff set the tag to hot (the form computed warm)"
    assert flow.reasons(lead)[0][0] == "budget approved +30"


def test_lead_from_another_form_version_keeps_its_stored_words(services) -> None:
    flow, staff = services
    lead = capture(flow, STUDENT)
    text = default_form_path().read_text(encoding="utf-8").replace('version: "2026.1"', 'version: "2026.2"')
    staff.context.form = load_form_text(text.replace("points: 30", "points: 31"), source="newer.yaml")
    assert staff.reasons(lead) == (lead["score"]["reasons"], lead["score"]["discard_reason"])
    # answers that no longer fit the form (same version, say a hand-edited record) fall back too
    staff.context.form = load_form(default_form_path())
    broken = dict(lead, answers=dict(lead["answers"], budget="lots"))
    assert staff.reasons(broken) == (lead["score"]["reasons"], lead["score"]["discard_reason"])
    assert staff.reasons({"id": "x"}) == ([], None)


@pytest.mark.ui
def test_german_done_screen_and_lead_detail_on_a_real_window(tmp_path: Path, child_env: dict) -> None:
    out = tmp_path / "out"
    driver = Path(__file__).with_name("reasons_driver.py")
    proc = subprocess.run([sys.executable, str(driver), str(tmp_path / "data"), str(out)], env=child_env,
                          capture_output=True, text=True, timeout=300, cwd=str(Path(__file__).resolve().parents[2]))
    result = out / "result.json"
    assert result.exists(), f"driver crashed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    facts = json.loads(result.read_text(encoding="utf-8"))
    assert facts["ok"], f"{facts['error']}\n{proc.stderr[-4000:]}"
    assert facts["lang"] == "de" and facts["done_tag"] == "Verworfen"
    done = facts["done_reasons"]
    assert done[0] == "•  Verworfen: Studium, kein Käufer"
    assert "•  Budget genehmigt +30" in done and f"•  {DE_DISCARD}" in done
    assert "•  80 Punkte: Warm (Warm ab 40, Heiß ab 70)" in done
    assert not any("points" in line or "needs" in line for line in done)
    lead = facts["lead_reasons"]
    assert lead[-1] == "•  Personal hat die Einstufung auf Heiß gesetzt (das Formular ergab Warm)"
    assert facts["lead_discard_text"] == ""   # a tag chosen by staff reinstates the discarded lead (issue 17)
    assert facts["stored_reasons"][0] == "budget approved +30"
    # the record stays in the form's first language, and now says that staff set the tag
    assert facts["stored_after_retag"] == facts["stored_reasons"] + [
        "staff set the tag to hot (the form computed warm)"]
