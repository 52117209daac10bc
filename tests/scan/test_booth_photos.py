"""The booth-photo generator behind bench/booth_bench.py: same seed, same pixels; its bands
mean something (the hard band really is harder for raw zxing-cpp); and its empty frames are
empty for the kiosk's pipeline. Bounded: a few dozen images."""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import pytest
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.booth_photos import KINDS, generate, make_shot, plan  # noqa: E402
from kiosk.scan.decoder import Decoder, to_gray  # noqa: E402


def test_same_seed_same_pixels_and_a_prefix_is_the_smaller_set() -> None:
    a = generate(seed=7, count=6, empty_per_band=1)
    b = generate(seed=7, count=6, empty_per_band=1)
    assert [s.jpeg for s in a] == [s.jpeg for s in b]
    assert [s.truth for s in a] == [s.truth for s in b]
    other = generate(seed=8, count=6, empty_per_band=1)
    assert all(x.jpeg != y.jpeg for x, y in zip(a, other))
    assert make_shot(7, 4, a[4].band, a[4].kind).jpeg == a[4].jpeg


def test_plan_covers_every_band_kind_and_empty_frames() -> None:
    rows = plan(312, 15)
    assert len(rows) == 312 + 45
    assert {(b, k) for _, b, k in rows} >= {(b, k) for b in ("easy", "medium", "hard")
                                           for k in KINDS + ("empty",)}
    sizes = {make_shot(3, i, "easy", "qr-id").image.shape[:2] for i in range(6)}
    assert sizes == {(480, 640), (720, 1280)}


@pytest.mark.slow
def test_hard_band_is_harder_for_raw_zxing_than_easy_band() -> None:
    def reads(band: str) -> int:
        count = 0
        for i in range(16):
            shot = make_shot(21, i, band, KINDS[i % len(KINDS)])
            gray = to_gray(shot.image)
            texts = [r.text for r in zxingcpp.read_barcodes(
                gray, text_mode=zxingcpp.TextMode.Plain)]
            assert all(t == shot.truth for t in texts), (shot.name, texts)  # no wrong payload
            count += shot.truth in texts
        return count

    easy, hard = reads("easy"), reads("hard")
    assert easy >= 12, easy        # the encoders make real, readable codes
    assert easy - hard >= 4, (easy, hard)


@pytest.mark.slow
def test_empty_frames_decode_to_nothing_in_the_pipeline() -> None:
    decoder = Decoder()
    for band in ("easy", "medium", "hard"):
        for i in range(3):
            shot = make_shot(21, 1000 + i, band, "empty")
            assert shot.truth is None and shot.symbology == "NONE"
            assert decoder.decode(cv2.cvtColor(shot.image, cv2.COLOR_BGR2GRAY)) == [], shot.name


def test_issue_hard_band_is_opt_in_and_stays_in_the_issues_ranges() -> None:
    """``--bands issue-hard``: its own shots, the default plan untouched, and codes no smaller
    than the issue's 16% of the frame width (px per module grows with the code's width)."""
    assert [b for _, b, _ in plan(24, 1)] == [("easy", "medium", "hard")[i % 3] for i in range(27)]
    shots = generate(21, 8, 1, ("issue-hard",))
    assert [s.band for s in shots] == ["issue-hard"] * 9
    assert [s.kind for s in shots[:8]] == list(KINDS) and shots[8].truth is None
    hard = [make_shot(21, i, "hard", kind) for i, kind in enumerate(KINDS)]
    issue = [make_shot(21, i, "issue-hard", kind) for i, kind in enumerate(KINDS)]
    assert [s.image.tobytes() for s in issue] != [s.image.tobytes() for s in hard]
    from bench.booth_photos import _modules
    for shot in issue:   # the code (quiet zone included) spans 16-26% of the frame width
        matrix, _, quiet = _modules(shot.kind, shot.truth)
        share = shot.px_per_module * (matrix.shape[1] + 2 * quiet) / shot.image.shape[1]
        assert 0.16 <= share <= 0.26, (shot.name, share)
