"""The README is what a newcomer follows: the commands it pipes into ``leadkiosk capture`` must be
JSON lines, and every picture and file it links must exist."""
from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_leads_piped_to_capture_are_json_lines() -> None:
    piped = re.findall(r"echo '([^']*)'\s*\\?\s*\n?\s*\|\s*\S*leadkiosk capture", README)
    assert piped, "the README shows no capture example"
    for text in piped:
        assert "\n" not in text, "capture reads one lead per line"
        lead = json.loads(text)
        assert {"contact", "answers"} <= set(lead)


def test_linked_files_exist() -> None:
    targets = re.findall(r"\]\(([^)#\s]+)\)", README)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert local
    missing = [t for t in local if not (REPO / t).exists()]
    assert missing == []


def test_camera_options_are_the_accepted_ones() -> None:
    """Issue 17 item 9: the README's ``--camera`` list names every source kiosk.toml accepts
    (none and demo were missing), and each listed one is accepted."""
    from kiosk.config.settings import CAMERA_RE
    listed = re.search(r"--camera ([a-z0-9:|A-Z]+)\]", README)
    assert listed, "the README lists no --camera values"
    values = listed.group(1).split("|")
    assert {"auto", "none", "demo", "picamera2"} <= set(values), values
    examples = {"opencv:0": "opencv:0", "video:FILE": "video:x.mp4", "images:DIR": "images:/tmp/x"}
    assert all(CAMERA_RE.match(examples.get(v, v)) for v in values), values
