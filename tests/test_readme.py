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
