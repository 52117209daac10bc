"""Issue 17, item 6: the kiosk's layout on its two panels, 800x480 landscape and 720x1280 portrait,
in a real Kivy window (SDL offscreen) driven by touch events; positions come from the widgets'
window boxes, colours from the rendered pixels (layout_driver.py records both)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import REPO, kivy_env

DRIVER = Path(__file__).with_name("layout_driver.py")
SIZES = ("800x480", "720x1280")
pytestmark = [pytest.mark.ui, pytest.mark.slow]


def run_layout(tmp_path: Path, scenario: str, data: Path, size: str) -> tuple[dict[str, Any], Path]:
    out = tmp_path / f"out-{scenario}-{size}"
    cmd = [sys.executable, str(DRIVER), scenario, str(data), str(out), "none", "staffed", size, "Ana", "en"]
    proc = subprocess.run(cmd, env=kivy_env(tmp_path), capture_output=True, text=True, timeout=180, cwd=str(REPO))
    result = out / "result.json"
    assert result.exists(), f"driver crashed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    facts = json.loads(result.read_text())
    assert facts["ok"], f"scenario failed: {facts['error']}\n{proc.stderr[-4000:]}"
    return facts, out


def inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox - slack and y >= oy - slack and x + w <= ox + ow + slack and y + h <= oy + oh + slack


def overlaps(a: list[float], b: list[float]) -> bool:
    return not (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1])


def luminance(rgb: Any) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""
    def lin(c: float) -> float:
        c = c / 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (float(v) for v in rgb[:3])
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: Any, b: Any) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def crop(png: Path, box: list[float], window: list[int], inset: int = 4) -> Any:
    """The pixels of a window box (y up) in a screenshot (y down), a few pixels inside its edge."""
    import cv2
    img = cv2.imread(str(png))[:, :, ::-1]            # RGB
    scale = img.shape[0] / window[1]                  # export_to_png is at window size
    x, y, w, h = (v * scale for v in box)
    top = img.shape[0] - (y + h)
    return img[int(top) + inset:int(top + h) - inset, int(x) + inset:int(x + w) - inset]


@pytest.mark.parametrize("size", SIZES)
def test_capture_layout(tmp_path: Path, size: str) -> None:
    facts, out = run_layout(tmp_path, "capture_layout", tmp_path / "data", size)
    width, height = facts["window"]
    portrait = height > width
    window = [0, 0, width, height]

    # a corrected e-mail address takes its error away with it
    assert facts["email_error"] == "This email address does not look right."
    assert facts["email_typed"] == "lena@example.com"
    assert facts["email_error_after_fix"] == "" and facts["contact_error_height_after_fix"] == 0

    # the contact screen's error line moves nothing under the finger: the fields, the scroll area
    # and the buttons stay where they were; it is drawn red, on screen, clear of what it is about
    assert facts["name_error"] == "Please enter at least a name or an email address."
    assert facts["contact_fields_after_error"] == facts["contact_fields_before_error"]
    assert facts["contact_scroll_after_error"] == facts["contact_scroll_before_error"]
    assert facts["contact_next_after_error"] == facts["contact_next"]
    assert facts["contact_back_after_error"] == facts["contact_back"]
    label = facts["contact_error_label"]
    assert facts["contact_error_opacity"] == 1 and label[3] >= 24 and inside(label, window)
    for box in (facts["contact_next"], facts["contact_back"], facts["contact_fields_after_error"]["first_name"]):
        assert not overlaps(label, box), (label, box)
    red = crop(out / "contact-error.png", label, facts["window"])
    reds = ((red[:, :, 0] > 150) & (red[:, :, 1] < 90) & (red[:, :, 2] < 90)).mean()
    assert reds > 0.4, f"the contact error is not drawn red where it is ({reds:.2f})"
    assert facts["name_error_after_typing"] == ""                    # typing a name-like e-mail clears it
    # with the keyboard up, the address it complains about stays in view, clear of the line
    assert facts["contact_next_after_email_error"] == facts["contact_next_with_keyboard"]
    assert not overlaps(facts["email_error_label"], facts["email_after_error"])
    assert inside(facts["email_after_error"], facts["contact_scroll_with_keyboard"])
    assert not overlaps(facts["email_error_label"], facts["contact_next_with_keyboard"])

    # the actions: in the header in landscape, at the bottom (thumb reach) in portrait, always on screen
    for key in ("contact_next", "contact_back", "qualify_next", "qualify_back", "contact_next_with_keyboard"):
        box = facts[key]
        assert inside(box, window), (key, box)
        centre_y = box[1] + box[3] / 2
        if portrait:
            assert centre_y < height * 0.4, (key, box)         # lower part of the screen
            assert box[3] >= 56 and box[2] >= 200, (key, box)   # big, thumb-sized targets
        else:
            assert centre_y > height - 70, (key, box)           # in the 64 px header

    # "please answer" moves nothing under the finger and is seen, clear of the buttons
    assert facts["qualify_error"].startswith("Please answer")
    assert facts["option_after_error"] == facts["option_before_error"]
    assert facts["next_after_error"] == facts["qualify_next"]
    label = facts["error_label"]
    assert facts["error_opacity"] == 1 and label[3] >= 24 and inside(label, window)
    assert not overlaps(label, facts["qualify_next"]) and not overlaps(label, facts["option_after_error"])
    red = crop(out / "qualify-error.png", label, facts["window"])
    reds = ((red[:, :, 0] > 150) & (red[:, :, 1] < 90) & (red[:, :, 2] < 90)).mean()
    assert reds > 0.4, f"the error banner is not drawn red where it is ({reds:.2f})"
    assert facts["error_after_answer"] == ""

    # a question revealed by an answer is wholly in view, without scrolling
    for step in ("revealed_3", "revealed_4"):
        assert inside(facts[step]["card"], facts[step]["view"]), (step, facts[step])

    # every option of step 5 (two questions) is on screen at once
    hidden = [k for k, box in facts["step5_options"].items() if not inside(box, facts["step5_view"])]
    assert not hidden, f"options below the fold at {size}: {hidden}"
    assert len(facts["step5_options"]) == 9
    assert_thumb_reach(facts)


def assert_thumb_reach(facts: dict[str, Any]) -> None:
    """In portrait every screen's actions sit in the lower part of the screen, where thumbs are,
    thumb-sized (issue 17: Back and Next were moved on the form steps only; PIN pad, staff list,
    lead detail and edit, and tools kept theirs in the header). In landscape they stay on screen."""
    width, height = facts["window"]
    assert facts["actions"]
    for key, box in facts["actions"].items():
        if height < width and key == "lead.save":
            continue                    # landscape: the edit card's last row, reached by scrolling
        assert inside(box, [0, 0, width, height]), (key, box)
        if height > width:
            assert box[1] + box[3] / 2 < height * 0.4, (key, box)
            assert box[3] >= 56 and box[2] >= 200, (key, box)


@pytest.fixture(scope="module")
def leads_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Thirty saved leads: more than one screen of the staff list, even in portrait."""
    from forms import default_form_path, load_form, score
    from kiosk.store import new_lead, open_store
    data = tmp_path_factory.mktemp("leads") / "data"
    form = load_form(default_form_path())
    answers = {"budget": "planned", "authority": "influencer", "need": "important", "timing": "3_6_months",
               "evaluated_competitors": False, "role": "buyer", "follow_up": "call", "consent": True}
    store = open_store(data)
    for i in range(30):
        store.save(new_lead(show_id="demo", kiosk_id="k", staff="Ana",
                            contact={"first_name": f"Visitor{i:02d}", "last_name": "Lang", "company": "Acme"},
                            answers=answers, score=score(form, answers).to_dict()))
    store.close()
    return data


@pytest.mark.parametrize("size", SIZES)
def test_staff_layout(tmp_path: Path, leads_data: Path, size: str) -> None:
    import shutil
    data = tmp_path / "data"
    shutil.copytree(leads_data, data)
    facts, out = run_layout(tmp_path, "staff_layout", data, size)
    window = [0, 0, *facts["window"]]

    # the list keeps its place; each lead opens at its top, not where the previous one was left
    assert facts["detail_scroll_first_open"] == pytest.approx(1.0)
    assert facts["list_scroll_after_back"] == pytest.approx(0.0, abs=0.02)
    assert facts["second_lead"] != facts["first_lead"]
    assert facts["detail_scroll_second_open"] == pytest.approx(1.0)

    # Save says so, where it can be seen
    assert facts["save_message"] == "Changes saved" and facts["save_message_error"] is False
    msg = facts["save_message_rect"]
    assert msg[3] >= 24 and inside(msg, window)
    assert facts["keyboard_after_save"] == 0

    assert_thumb_reach(facts)
    if facts["window"][0] > facts["window"][1]:   # landscape: the header keeps its buttons
        header = [k for k in facts["actions"] if k != "lead.save"]
        assert all(facts["actions"][k][1] > facts["window"][1] - 70 for k in header), facts["actions"]

    # a disabled button is still readable: its text against its own fill, from the rendered pixels
    assert facts["sync_disabled"] is True and facts["sync_text"] == "Sync is not set up on this kiosk"
    pixels = crop(out / "tools.png", facts["sync_rect"], facts["window"], inset=6).reshape(-1, 3)
    lum = [luminance(p) for p in pixels[:: max(1, len(pixels) // 4000)]]
    order = sorted(range(len(lum)), key=lum.__getitem__)
    fill = pixels[:: max(1, len(pixels) // 4000)][order[len(order) // 2]]      # the median pixel: the fill
    ink = pixels[:: max(1, len(pixels) // 4000)][order[0]]                      # the darkest: the text
    lightest = pixels[:: max(1, len(pixels) // 4000)][order[-1]]
    text = ink if contrast(ink, fill) >= contrast(lightest, fill) else lightest
    ratio = contrast(text, fill)
    assert ratio >= 3.0, f"disabled button text {tuple(text)} on {tuple(fill)}: {ratio:.2f}:1"


def test_staffed_capture_taps_and_the_way_back(tmp_path: Path) -> None:
    """Issue 17's tap budget, badge read to lead saved with the default form: at most 14 taps (it
    was 16). Steps of one-tap questions move on by themselves; Back still returns to them."""
    facts, _out = run_layout(tmp_path, "taps", tmp_path / "data", "800x480")
    assert facts["capture_taps"] <= 14, facts
    assert facts["advanced_to"] == 2
    assert facts["after_back_step"] == 1 and facts["kept"] == "down"
    assert facts["changed_answer"] == "none"
