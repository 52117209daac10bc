"""``leadkiosk read-card`` as a user runs it: a real subprocess, the real RapidOCR engine, cards
rendered with PIL at test time. One invocation reads every image so the models load once (bounded:
a handful of images, one timeout)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.scan.card.render import render_card

pytestmark = pytest.mark.slow

KEYS = ["first_name", "last_name", "title", "company", "email", "phone", "country", "website"]

CARDS = {
    "de.png": ([("Müller Maschinenbau GmbH", 40, True), ("Anna SCHMIDT", 52, False),
                ("Leiterin Vertrieb", 30, False), ("Tel. 089 1234 5678", 26, False),
                ("anna.schmidt@mueller-maschinenbau.de", 26, False),
                ("www.mueller-maschinenbau.de", 26, False)], {}),
    "fr.png": ([("Jean-Pierre Dubois", 46, True), ("Directeur Commercial", 30, False),
                ("Lumière Optique SAS", 32, False), ("+33 1 23 45 67 89", 26, False),
                ("jp.dubois@lumiere-optique.fr", 26, False)],
               {"serif": True, "background": "#f3ead8"}),
    "en-upside-down.png": ([("Northwind Analytics Ltd", 40, True), ("Sarah Connor", 48, False),
                            ("Purchasing Manager", 30, False), ("+44 20 7946 0958", 26, False),
                            ("sarah.connor@northwind.co.uk", 26, False)], {"rotate": 180}),
    "dark-sideways.png": ([("Berg Logistics B.V.", 40, True), ("Jan van der Berg", 48, False),
                           ("Hoofd Inkoop", 30, False), ("M +31 6 12345678", 26, False),
                           ("jan@berglogistics.nl", 26, False)],
                          {"background": "#1d2333", "ink": "#f0f0f0", "rotate": 90}),
    "arabic.png": ([("محمد أحمد", 52, False), ("مدير المبيعات", 34, False)], {}),
}

EXPECTED = {
    "de.png": {"first_name": "Anna", "last_name": "Schmidt", "title": "Leiterin Vertrieb",
               "company": "Müller Maschinenbau GmbH", "email": "anna.schmidt@mueller-maschinenbau.de",
               "phone": "+498912345678", "website": "www.mueller-maschinenbau.de"},
    "fr.png": {"first_name": "Jean-Pierre", "last_name": "Dubois", "title": "Directeur Commercial",
               "company": "Lumière Optique SAS", "email": "jp.dubois@lumiere-optique.fr",
               "phone": "+33123456789", "country": "FR"},
    "en-upside-down.png": {"first_name": "Sarah", "last_name": "Connor",
                           "title": "Purchasing Manager", "company": "Northwind Analytics Ltd",
                           "email": "sarah.connor@northwind.co.uk", "phone": "+442079460958"},
    "dark-sideways.png": {"first_name": "Jan", "last_name": "van der Berg", "title": "Hoofd Inkoop",
                          "company": "Berg Logistics B.V.", "email": "jan@berglogistics.nl",
                          "phone": "+31612345678"},
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], str, int]:
    root = tmp_path_factory.mktemp("cards")
    files = []
    for name, (rows, style) in CARDS.items():
        files.append(render_card(root / name, rows, **style))
    noise = root / "noise.png"
    Image.fromarray(np.random.default_rng(7).integers(0, 256, (480, 800, 3), dtype=np.uint8)).save(noise)
    blank = root / "blank.png"
    Image.new("RGB", (800, 480), "white").save(blank)
    broken = root / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    argv = [str(p) for p in files] + [str(noise), str(blank), str(broken), str(root / "missing.png")]
    out = subprocess.run([sys.executable, "-m", "kiosk", "read-card", *argv, "--region", "DE", "--json"],
                         capture_output=True, text=True, timeout=540)
    by_name = {Path(json.loads(line)["file"]).name: json.loads(line)
               for line in out.stdout.splitlines()}
    return by_name, out.stderr, out.returncode


def test_every_readable_image_gives_one_line_in_the_contract_shape(results) -> None:
    by_name, stderr, rc = results
    assert set(by_name) == set(CARDS) | {"noise.png", "blank.png"}
    for line in by_name.values():
        assert list(line) == ["file", "contact", "confidence", "text", "ms"]
        assert list(line["contact"]) == KEYS and list(line["confidence"]) == KEYS
        assert all(0.0 <= v <= 1.0 for v in line["confidence"].values())
        assert isinstance(line["text"], list) and line["ms"] >= 0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_card_fields_read(results, name: str) -> None:
    line = results[0][name]
    for key, value in EXPECTED[name].items():
        assert line["contact"][key] == value, (key, line)
        assert line["confidence"][key] >= 0.5, (key, line["confidence"])


@pytest.mark.parametrize("name", ["noise.png", "blank.png", "arabic.png"])
def test_no_contact_in_noise_blank_or_other_scripts(results, name: str) -> None:
    line = results[0][name]
    for key in ("first_name", "last_name", "company", "email", "phone"):
        assert line["contact"][key] is None, (key, line)
        assert line["confidence"][key] == 0.0


def test_unreadable_files_are_clear_errors_not_tracebacks(results) -> None:
    _, stderr, rc = results
    assert rc == 1
    assert "Traceback" not in stderr
    assert "broken.jpg: not an image" in stderr
    assert "missing.png: cannot read the file" in stderr


def test_bad_region_is_refused() -> None:
    out = subprocess.run([sys.executable, "-m", "kiosk", "read-card", "x.png", "--region", "Germany"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "--region" in out.stderr and "Traceback" not in out.stderr


def test_without_json_one_readable_line_per_image(tmp_path: Path) -> None:
    name, (rows, style) = next(iter(CARDS.items()))
    card = render_card(tmp_path / name, rows, **style)
    out = subprocess.run([sys.executable, "-m", "kiosk", "read-card", str(card), "--region", "DE"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and not lines[0].startswith("{")
    expected = EXPECTED[name]
    assert lines[0].startswith(f"{card}: ") and expected["email"] in lines[0]
    assert f"{expected['first_name']} {expected['last_name']}" in lines[0] and lines[0].endswith(" ms)")


def test_readable_line_marks_doubtful_fields_and_escapes_control_characters() -> None:
    from kiosk.cli.card_cmd import readable
    out = {"file": "a.jpg", "ms": 812,
           "contact": {"first_name": "Ana", "last_name": "Li\u202e", "title": None, "company": "X\nGmbH",
                       "email": "ana@x.example", "phone": None, "country": "DE", "website": None},
           "confidence": {"first_name": 0.9, "last_name": 0.6, "company": 0.9, "email": 1.0, "country": 0.5}}
    line = readable(out)
    assert line == "a.jpg: Ana Li\\u202e? | X\\nGmbH | ana@x.example | DE? (812 ms)"
    empty = dict(out, contact={k: None for k in out["contact"]}, confidence={})
    assert readable(empty) == "a.jpg: (nothing readable) (812 ms)"
