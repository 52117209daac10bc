"""The model-based 1D bar code fit (kiosk/scan/barmodel.py, heavy path step 8): it reads a
Code 128 profile blurred far below what a threshold can separate, reads a hard booth shot the
earlier steps miss, and reads nothing from stripes or code-free frames."""
from __future__ import annotations

import sys
from pathlib import Path

import barcode
import numpy as np
import pytest
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.booth_photos import make_shot  # noqa: E402
from kiosk.scan import barmodel  # noqa: E402
from kiosk.scan.decoder import Decoder, to_gray  # noqa: E402
from kiosk.scan.heavy import HeavyOptions, heavy_decode  # noqa: E402
from kiosk.scan.regions import candidate_rects  # noqa: E402

CODE128 = (zxingcpp.BarcodeFormat.Code128,)


def _blurred_profile(bits: np.ndarray, px: float, sigma: float, seed: int) -> np.ndarray:
    """A mean row band as a camera sees it: light paper 200, bars 120 darker, the code
    ``px`` px per module after a 30.3 px quiet zone, gaussian blur, noise of 2 grey levels."""
    n = len(bits)
    length = int(2 * 30.3 + n * px)
    blur = barmodel.design(length, 30.3, 30.3 + n * px, n, 1.0, sigma)
    rng = np.random.default_rng(seed)
    return 200.0 - 120.0 * (blur @ bits) + rng.normal(0.0, 2.0, length)


@pytest.mark.parametrize("flip", [False, True])
def test_fit_reads_a_profile_blurred_below_a_threshold(flip: bool) -> None:
    """1.5 px per module under a sigma 1.5 px blur: the narrow spaces are gone from the
    profile (no threshold finds every bar), the model fit reads the exact text, either way
    round (a badge may hang upside down). Bits from python-barcode, an independent encoder."""
    truth = "2026123456"
    bits = np.array([c == "1" for c in barcode.get_barcode_class("code128")(truth).build()[0]],
                    dtype=np.float64)
    profile = _blurred_profile(bits[::-1] if flip else bits, 1.5, 1.5, seed=3)
    dark = profile < 0.5 * (profile.max() + profile.min())
    runs = np.count_nonzero(np.diff(dark.astype(int)) == 1)
    assert runs < int(np.count_nonzero(np.diff(np.concatenate([[0], bits])) == 1))
    assert barmodel.read_profile(profile, CODE128) == [("Code128", truth, truth.encode())]


def test_stripes_and_flat_profiles_read_nothing() -> None:
    """A shirt's stripes fit the grid of some module count, but no valid symbol sequence
    with a matching check character explains them."""
    x = np.arange(400)
    for period in (5.0, 7.3, 11.0):
        stripes = 140 + 50 * np.sign(np.sin(2 * np.pi * x / period))
        stripes[:40] = stripes[-40:] = 190
        assert barmodel.read_profile(stripes.astype(np.float64), CODE128) == []
    assert barmodel.read_profile(np.full(200, 128.0), CODE128) == []


def test_reads_a_hard_badge_the_earlier_steps_miss() -> None:
    """Hard band, 1280x720, code 2.5 px per module before a 15-30 degree tilt, blur sigma
    1.1-2.0 px, JPEG: steps 1-6 read nothing, the model fit reads the truth."""
    shot = make_shot(21, 212, "hard", "code128")
    gray = to_gray(shot.image)
    decoder = Decoder()
    assert shot.truth not in [c.text for c in decoder.decode(gray)]
    assert heavy_decode(gray, decoder, HeavyOptions(barmodel=False)) == []
    codes = heavy_decode(gray, decoder)
    assert [(c.text, c.format, c.stage) for c in codes] == [(shot.truth, "Code128",
                                                                "barmodel")]


def test_code_free_frames_read_nothing() -> None:
    """Empty booth frames (badges without a code, striped backdrops) in every band."""
    for band in ("easy", "medium", "hard"):
        for i in range(3):
            gray = to_gray(make_shot(21, 3000 + i, band, "empty").image)
            rects = candidate_rects(gray, barmodel.REGION_MIN_AREA, barmodel.REGIONS,
                                    barmodel.REGION_MIN_FILL)
            assert [r for rect in rects for r in barmodel.read_region(gray, rect, CODE128)] \
                == [], (band, i)
