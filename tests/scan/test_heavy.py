"""The opt-in heavy path (kiosk/scan/heavy.py): it reads booth photos the pipeline misses,
reports where the code is in the frame, and reads nothing on frames without a code (the
synthetic empty frames and the corpus NONE photos)."""
from __future__ import annotations

import csv
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.booth_photos import make_shot  # noqa: E402
from kiosk.scan.decoder import Decoder, to_gray  # noqa: E402
from kiosk.scan.heavy import HeavyOptions, heavy_decode  # noqa: E402


@pytest.mark.parametrize("index,kind", [(8, "qr-vcard"), (21, "pdf417")])
def test_reads_a_tilted_badge_the_pipeline_misses(index: int, kind: str) -> None:
    shot = make_shot(21, index, "medium", kind)
    gray = to_gray(shot.image)
    decoder = Decoder()
    assert shot.truth not in [c.text for c in decoder.decode(gray)]
    codes = heavy_decode(gray, decoder)
    assert [c.text for c in codes] == [shot.truth]
    h, w = gray.shape
    pts = np.array(codes[0].position)
    assert pts.shape == (4, 2)
    assert (pts[:, 0] >= -5).all() and (pts[:, 0] <= w + 5).all()
    assert (pts[:, 1] >= -5).all() and (pts[:, 1] <= h + 5).all()
    assert codes[0].stage == "heavy"


def test_empty_booth_frames_read_nothing() -> None:
    decoder = Decoder()
    for band in ("easy", "medium", "hard"):
        for i in range(2):
            shot = make_shot(21, 2000 + i, band, "empty")
            assert heavy_decode(to_gray(shot.image), decoder) == [], shot.name
    assert heavy_decode(np.zeros((0, 0), np.uint8), decoder) == []


@pytest.mark.slow
def test_corpus_photos_without_a_code_read_nothing(corpus_dir: Path) -> None:
    base = corpus_dir / "barcodes"
    with open(base / "manifest.tsv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if not r["expected"]]
    assert rows
    decoder = Decoder()
    for row in rows:
        gray = cv2.imread(str(base / row["image"]), cv2.IMREAD_GRAYSCALE)
        # the product's options only: an ablation variant doubled the suite's slowest test
        assert heavy_decode(gray, decoder, HeavyOptions()) == [], row["image"]


@pytest.mark.parametrize("index,kind,stage", [(155, "qr-url", "deblur"),
                                              (260, "code128", "profiles")])
def test_deblur_and_profiles_read_hard_badges_the_earlier_steps_miss(index: int, kind: str,
                                                                      stage: str) -> None:
    """Hard-band shots (code ~2.5 px per module, blur sigma 1.1-2.0): steps 1-4 read nothing,
    the Richardson-Lucy step (QR) or the averaged-profile step (Code 128) reads the truth.
    Without light quads: with them, the deblur step reads the Code 128 first."""
    shot = make_shot(21, index, "hard", kind)
    gray = to_gray(shot.image)
    decoder = Decoder()
    opts = HeavyOptions(light_quads=False)
    assert heavy_decode(gray, decoder, replace(opts, deblur=False, profiles=False,
                                               qrgrid=False, barmodel=False)) == []
    codes = heavy_decode(gray, decoder, opts)
    assert [(c.text, c.stage) for c in codes] == [(shot.truth, stage)]
    h, w = gray.shape
    pts = np.array(codes[0].position)
    assert pts.shape == (4, 2) and (pts >= -5).all()
    assert (pts[:, 0] <= w + 5).all() and (pts[:, 1] <= h + 5).all()


def test_profiles_need_two_bands_to_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """One band reading is not enough: with a single band the region reads nothing."""
    import zxingcpp

    from kiosk.scan import profiles
    from kiosk.scan.regions import candidate_rects
    shot = make_shot(21, 260, "hard", "code128")
    gray = to_gray(shot.image)
    formats = (zxingcpp.BarcodeFormat.Code128,)
    rects = candidate_rects(gray)
    reads = [read for r in rects for read in profiles.read_region(gray, r, formats)]
    assert [text for _, text, _ in reads] == [shot.truth]
    alone = [p for r in rects for p in profiles.bands(profiles.upright(gray, r)[0])
             if profiles.read_profile(p, formats)]
    assert alone  # a band reads on its own ...
    monkeypatch.setattr(profiles, "bands", lambda turned: iter(alone[:1]))
    assert not any(profiles.read_region(gray, r, formats) for r in rects)  # ... but is not enough


def test_richardson_lucy_sharpens_a_blurred_edge() -> None:
    from kiosk.scan.heavy import richardson_lucy
    step = np.zeros((40, 40), np.uint8)
    step[:, 20:] = 200
    blurred = cv2.GaussianBlur(step, (0, 0), 2.0)
    sharp = richardson_lucy(blurred, 2.0, 20)
    slope = lambda img: int(np.abs(np.diff(img[20].astype(int))).max())  # noqa: E731
    assert slope(sharp) > 1.5 * slope(blurred)
    assert sharp.dtype == np.uint8 and sharp.shape == blurred.shape


@pytest.mark.parametrize("index,band,kind", [(40, "medium", "pdf417"), (88, "medium", "pdf417"),
                                             (164, "hard", "code128"), (41, "hard", "pdf417")])
def test_light_quads_read_codes_whose_energy_region_merges_with_clutter(index: int, band: str,
                                                                       kind: str) -> None:
    """The gradient-energy region of these shots takes in the striped backdrop next to the
    badge; rectifying the light card outline instead reads them (the hard PDF417 only once
    the rectified quad is also deblurred; the PDF417 model fit, step 9, reads it from the
    energy box too)."""
    shot = make_shot(21, index, band, kind)
    gray = to_gray(shot.image)
    decoder = Decoder()
    assert heavy_decode(gray, decoder, HeavyOptions(light_quads=False, barmodel=False,
                                                 pdfmodel=False)) == []
    assert [c.text for c in heavy_decode(gray, decoder)] == [shot.truth]


def test_light_quads_find_a_tilted_white_field_in_perspective() -> None:
    from kiosk.scan.regions import light_quads
    frame = np.full((480, 640), 60, np.uint8)
    corners = np.array([[250, 90], [470, 150], [430, 380], [210, 330]], np.int32)
    cv2.fillConvexPoly(frame, corners, 215)
    cv2.putText(frame, "noise", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 200, 2)
    quads = light_quads(cv2.GaussianBlur(frame, (0, 0), 1.2))
    assert quads, "no quadrilateral found"
    best = min(quads, key=lambda q: np.abs(q.mean(axis=0) - corners.mean(axis=0)).max())
    assert np.abs(best.mean(axis=0) - corners.mean(axis=0)).max() < 5
    diagonal = float(np.linalg.norm(corners[2] - corners[0]))
    for corner in corners:  # the outline, a little inside the edge (the threshold's window)
        assert np.linalg.norm(best - corner, axis=1).min() < 0.15 * diagonal
    assert cv2.contourArea(best) > 0.6 * cv2.contourArea(corners.astype(np.float32))
    assert light_quads(np.full((480, 640), 128, np.uint8)) == []


def test_pdf417_reads_that_spent_all_error_correction_are_dropped() -> None:
    """A crop of this hard booth shot makes zxing-cpp correct the PDF417 up to its capacity
    into a wrong text (UEC 0: nothing left to check with); the heavy path drops that read
    and goes on to one that reads the truth."""
    shot = make_shot(24, 281, "issue-hard", "pdf417")
    gray = to_gray(shot.image)
    decoder = Decoder()
    assert decoder.decode(gray) == []
    assert [c.text for c in heavy_decode(gray, decoder)] == [shot.truth]
