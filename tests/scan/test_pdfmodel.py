"""The PDF417 model fit (kiosk/scan/pdfmodel.py and pdfsymbol.py, heavy path step 9): it reads a small,
keystoned, blurred, noisy PDF417 that every earlier step misses, reads hard booth shots the
earlier steps miss, and reads nothing from code-free frames, other symbologies or a symbol
damaged beyond its error correction."""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pdf417gen
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.booth_photos import make_shot  # noqa: E402
from kiosk.scan import pdf417codes, pdfmodel, pdfsymbol  # noqa: E402
from kiosk.scan.decoder import Decoder, to_gray  # noqa: E402
from kiosk.scan.heavy import HeavyOptions, heavy_decode  # noqa: E402
from kiosk.scan.regions import candidate_rects, light_quads  # noqa: E402

PAYLOAD = "FX204811^Ilse^Van der Berg^Kivu Energy^i.berg@example.org^DE^Buyer"


def _symbol(payload: str) -> np.ndarray:
    """Module matrix (1 = bar, one row per PDF417 row) from pdf417gen, an independent
    encoder: 3 data columns, security level 3, as the booth badges are printed."""
    codes = pdf417gen.encode(payload, columns=3, security_level=3)
    img = np.array(pdf417gen.render_image(codes, scale=1, ratio=1, padding=0).convert("L"))
    return (img < 128).astype(np.uint8)


def _photo(matrix: np.ndarray, px_per_module: float, sigma: float, seed: int) -> np.ndarray:
    """A 1280x720 grey frame: the symbol (rows 3 modules tall, 2-module quiet zone) on a
    white card with a dark band of text-like blocks, keystoned (the card's far edge 25%
    shorter) and turned 12 degrees, then blurred by ``sigma`` px, with sensor noise and a
    JPEG round trip at quality 60."""
    up = 8
    code = np.repeat(np.repeat(1 - matrix, 3 * up, axis=0), up, axis=1) * 255
    code = cv2.copyMakeBorder(code.astype(np.uint8), 2 * up, 2 * up, 2 * up, 2 * up,
                              cv2.BORDER_CONSTANT, value=255)
    card = np.full((code.shape[0] + 60 * up, code.shape[1] + 24 * up), 235, np.uint8)
    card[12 * up:12 * up + code.shape[0], 12 * up:12 * up + code.shape[1]] = code
    for k in range(4):   # a name and an organisation below the code
        x0 = 12 * up + k * 30 * up
        card[-40 * up:-30 * up, x0:x0 + 22 * up] = 60
    h, w = card.shape
    s = px_per_module / up
    cw, chh = w * s, h * s
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = np.array([[0, 0], [cw, 0.12 * chh], [cw, 0.88 * chh], [0, chh]], np.float32)
    turn = cv2.getRotationMatrix2D((cw / 2, chh / 2), 12, 1.0)
    dst = (np.hstack([dst, np.ones((4, 1), np.float32)]) @ turn.T + [500, 200]).astype(
        np.float32)
    frame = np.full((720, 1280), 110, np.uint8)
    warped = cv2.warpPerspective(card, cv2.getPerspectiveTransform(src, dst), (1280, 720),
                                 flags=cv2.INTER_AREA, borderValue=0)
    mask = cv2.warpPerspective(np.full_like(card, 255), cv2.getPerspectiveTransform(src, dst),
                               (1280, 720))
    frame = np.where(mask > 127, warped, frame).astype(np.float32)
    frame = 60 + frame * 0.7     # contrast squeezed
    frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    frame += np.random.default_rng(seed).normal(0, 3.0, frame.shape)
    out = np.clip(frame, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 60])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_reads_a_small_keystoned_blurred_pdf417_the_old_path_misses() -> None:
    """1.5 px per module, keystoned and turned, blur sigma 1.6 px (more than a module), noise,
    JPEG 60: the pipeline and heavy steps 1-8 read nothing, the model fit reads the exact
    caret-delimited payload."""
    gray = _photo(_symbol(PAYLOAD), 1.5, 1.6, seed=1)
    decoder = Decoder()
    assert decoder.decode(gray) == []
    assert heavy_decode(gray, decoder, HeavyOptions(pdfmodel=False)) == []
    codes = heavy_decode(gray, decoder)
    assert [(c.text, c.format, c.stage) for c in codes] == [(PAYLOAD, "PDF417", "pdfmodel")]
    xs = [x for x, _ in codes[0].position]
    assert 480 < min(xs) < max(xs) < 740   # the symbol's corners, in the frame


@pytest.mark.parametrize("seed,index,band", [(21, 257, "hard"), (24, 89, "hard"),
                                             (21, 5, "issue-hard"), (24, 13, "hard"),
                                             (24, 21, "hard"), (21, 45, "issue-hard")])
def test_reads_booth_shots_the_earlier_steps_miss(seed: int, index: int, band: str) -> None:
    """Booth shots at 1.5-2 px per module, tilted 15-30 degrees, blur 1.1-2.0 px: steps 1-8
    read nothing, step 9 reads the truth from the frame's light fields and energy boxes."""
    shot = make_shot(seed, index, band, "pdf417")
    gray = to_gray(shot.image)
    decoder = Decoder()
    assert decoder.decode(gray) == []
    assert heavy_decode(gray, decoder, HeavyOptions(pdfmodel=False)) == []
    quads = light_quads(gray) + [cv2.boxPoints(r) for r in candidate_rects(gray)]
    got = pdfmodel.read_frame(gray, quads)
    assert got is not None and got.text == shot.truth


def test_pattern_set_holds_every_codeword_the_encoder_draws() -> None:
    """The fit chooses among all 4-bar/4-space patterns of a row's cluster; every codeword
    pdf417gen draws (start and stop stripped) is one of them, in its row's cluster."""
    matrix = _symbol(PAYLOAD)
    for r, row in enumerate(matrix):
        allowed = {p.tobytes() for p in pdfsymbol.patterns((r % 3) * 3)}
        for k in range(5):
            assert row[17 + 17 * k:34 + 17 * k].tobytes() in allowed


def test_a_fit_decodes_only_through_error_correction() -> None:
    """The clean drawing of a fitted matrix is what zxing-cpp judges: the exact matrix reads,
    three wrong codewords are corrected; six (within the 16 EC codewords' reach, but leaving
    less than half of them to check the correction) and fourteen (beyond it) read nothing
    rather than something wrong."""
    matrix = _symbol(PAYLOAD)
    assert pdfsymbol.read_matrix(matrix) == (PAYLOAD, PAYLOAD.encode())
    rng = np.random.default_rng(5)
    slots = [(r, k) for r in range(len(matrix)) for k in range(1, 4)]
    order = rng.permutation(len(slots))
    for wrong, reads in ((3, True), (6, False), (14, False)):
        damaged = matrix.copy()
        for i in order[:wrong]:
            r, k = slots[i]
            pats = pdfsymbol.patterns((r % 3) * 3)
            current = damaged[r, 17 + 17 * k:34 + 17 * k].copy()
            choice = pats[rng.integers(len(pats))]
            while (choice == current).all():
                choice = pats[rng.integers(len(pats))]
            damaged[r, 17 + 17 * k:34 + 17 * k] = choice
        got = pdfsymbol.read_matrix(damaged)
        assert (got == (PAYLOAD, PAYLOAD.encode())) if reads else got is None


def test_the_codeword_table_is_the_encoder_s() -> None:
    """The table the row indicators are drawn from holds, per cluster, the 929 patterns
    pdf417gen (an independent encoder) draws, each in its row's cluster."""
    from pdf417gen.codes import CODES as ENCODER_CODES
    assert [list(t) for t in pdf417codes.CODES] == [list(t) for t in ENCODER_CODES]
    for k in range(3):
        allowed = {p.tobytes() for p in pdfsymbol.patterns(3 * k)}
        assert all(pdfsymbol._pattern_bits(v, k).tobytes() in allowed for v in range(929))


def test_row_indicators_naming_other_rows_are_redrawn_from_the_layout() -> None:
    """Three wrong data codewords and two left row indicators fitted as another row's (the
    row three below, same cluster): zxing-cpp files codewords under the wrong rows and the
    read spends its error correction, so nothing is read; with the indicators redrawn from
    the layout (rows and columns known, the error correction level voted from the others)
    the read keeps its spare correction. A matrix whose indicators name no level is left."""
    matrix = _symbol(PAYLOAD)
    rows = len(matrix)
    damaged = matrix.copy()
    for r, k in ((2, 1), (9, 2), (15, 3)):
        damaged[r, 17 + 17 * k:34 + 17 * k] = pdfsymbol._pattern_bits(5, r)
    for r in (1, 4):
        left, _ = pdfsymbol.indicators(r + 3, rows, 3, 3)
        damaged[r, 17:34] = pdfsymbol._pattern_bits(left, r)
    assert pdfsymbol.read_matrix(damaged) is None
    clean = pdfsymbol.clean_indicators(damaged, 3)
    assert clean is not None and (clean[:, 17:34] == matrix[:, 17:34]).all()
    assert (clean[:, 85:102] == matrix[:, 85:102]).all()
    assert pdfsymbol.read_matrix(clean) == (PAYLOAD, PAYLOAD.encode())
    blank = matrix.copy()
    blank[:, 17:34] = 0
    blank[:, 85:102] = 0
    assert pdfsymbol.clean_indicators(blank, 3) is None


def test_the_soft_read_corrects_what_zxing_may_not() -> None:
    """Seven wrong data codewords: beyond what zxing-cpp's correction is trusted with here
    (half its capacity left unused), within the soft read's ``2 e + f <= 16 - 2``, so the
    corrected drawing reads; ten wrong (beyond it) read nothing rather than something wrong.
    Slots whose pattern is no codeword are erased, so nine wrong of which four are such
    patterns are within reach too (2 * 5 + 4 <= 14)."""
    matrix = _symbol(PAYLOAD)
    rows = len(matrix)
    rng = np.random.default_rng(3)
    slots = [(r, k) for r in range(rows) for k in range(1, 4)]
    order = rng.permutation(len(slots))
    sure = np.ones((rows, 5), np.float32)
    for wrong, invalid, reads in ((7, 0, True), (10, 0, False), (9, 4, True)):
        damaged = matrix.copy()
        for n, i in enumerate(order[:wrong]):
            r, k = slots[i]
            value = int(damaged[r, 17 + 17 * k:34 + 17 * k].dot(1 << np.arange(16, -1, -1)))
            index = pdfsymbol._values()[r % 3][value]
            damaged[r, 17 + 17 * k:34 + 17 * k] = (
                _NOT_A_CODEWORD if n < invalid else pdfsymbol._pattern_bits((index + 1) % 929, r))
        if not invalid:
            assert pdfsymbol.read_matrix(damaged) is None
        got = pdfsymbol.soft_read(damaged, sure, 3)
        if reads:
            assert got is not None and pdfsymbol.read_matrix(got) == (PAYLOAD, PAYLOAD.encode())
        else:
            assert got is None or pdfsymbol.read_matrix(got) is None


def test_fits_at_three_sigmas_are_read_jointly() -> None:
    """Three fits with eleven wrong data codewords each (beyond each one's soft read, which
    erases ten right but still less sure slots first): two wrong alike in all three, nine
    each at places of its own and less sure there than the other fits. Jointly each slot
    takes the surest fit's pattern, the nine-and-nine-and-nine differ between the fits and
    are marked unsure, and the read is right. Two fits disagreeing on 18 data codewords are
    worth the third fit (at most 2 * 14); on 36 they are not."""
    matrix = _symbol(PAYLOAD)
    rows = len(matrix)
    slots = [(r, k) for r in range(rows) for k in range(1, 4)]
    order = np.random.default_rng(9).permutation(len(slots))
    common, own = order[:2], [order[2 + 9 * f:11 + 9 * f] for f in range(3)]
    decoys = [order[29 + 10 * f:39 + 10 * f] for f in range(3)]
    fitted = []
    for f in range(3):
        fit = matrix.copy()
        sure = np.full((rows, 5), 0.3, np.float32)
        for i in list(common) + list(own[f]):
            r, k = slots[i]
            fit[r, 17 + 17 * k:34 + 17 * k] = pdfsymbol._pattern_bits(
                7 if i in common else 8 + f, r)
            if i in own[f]:
                sure[r, k] = 0.1
        for i in decoys[f]:
            sure[slots[i]] = 0.05
        assert pdfsymbol.soft_read(fit, sure, 3) is None
        fitted.append((fit, sure))
    joint, sure, unsure = pdfsymbol.joint_fit(fitted, 3)
    assert int(unsure[:, 1:4].sum()) == 27
    got = pdfsymbol.soft_read(joint, sure, 3, unsure)
    assert got is not None and pdfsymbol.read_matrix(got) == (PAYLOAD, PAYLOAD.encode())
    assert pdfsymbol.joint_in_reach(fitted[:2], 3)
    far = fitted[1][0].copy()
    for i in order[29:47]:
        r, k = slots[i]
        far[r, 17 + 17 * k:34 + 17 * k] = pdfsymbol._pattern_bits(11, r)
    assert not pdfsymbol.joint_in_reach([fitted[0], (far, fitted[1][1])], 3)


# 4 bars and 4 spaces, 17 modules, but in no cluster's table (checked in the test below)
_NOT_A_CODEWORD = np.array([1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], np.uint8)


def test_the_pattern_used_as_no_codeword_is_none() -> None:
    value = int(_NOT_A_CODEWORD.dot(1 << np.arange(16, -1, -1)))
    assert all(value not in table for table in pdfsymbol._values())


def test_code_free_frames_other_codes_and_fake_symbols_read_nothing() -> None:
    """Empty booth frames in every band, badges with QR and Code 128, and a fake PDF417 (real
    start and stop patterns around random modules: the thick bars are found, the fit runs)
    read nothing."""
    frames = [to_gray(make_shot(21, 3000 + i, band, "empty").image)
              for band in ("easy", "medium", "hard") for i in range(2)]
    frames += [to_gray(make_shot(21, i, "medium", kind).image)
               for i, kind in ((1, "qr-vcard"), (19, "code128"))]
    fake = _symbol(PAYLOAD)
    fake[:, 17:-18] = np.random.default_rng(2).integers(0, 2, fake[:, 17:-18].shape)
    frames.append(_photo(fake, 1.8, 1.2, seed=3))
    for gray in frames:
        quads = light_quads(gray) + [cv2.boxPoints(r) for r in candidate_rects(gray)]
        assert pdfmodel.read_frame(gray, quads) is None
    # the fake symbol's bars were found, so the fit itself ran and was rejected
    assert any(pdfmodel.anchors(frames[-1], q) for q in light_quads(frames[-1]))


def test_a_dark_card_s_margins_do_not_hide_the_thick_bars(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """A dark badge with the code on a white label (booth photo issue-hard seed 21 #5, 1.7 px
    per module): in every crop the two widest dark runs are the card either side of the
    label, not the start and stop bars. Only the fallback pairs of dark runs (narrower,
    alike in width) find the bars; without them the frame reads nothing."""
    shot = make_shot(21, 5, "issue-hard", "pdf417")
    gray = to_gray(shot.image)
    quads = light_quads(gray) + [cv2.boxPoints(r) for r in candidate_rects(gray)]
    got = pdfmodel.read_frame(gray, quads)
    assert got is not None and got.text == shot.truth
    monkeypatch.setattr(pdfmodel, "MAX_FALLBACK", 0)
    assert pdfmodel.read_frame(gray, quads) is None


def test_bars_too_far_apart_for_a_pdf417_s_rows_are_no_anchors(corpus_dir: Path) -> None:
    """A corpus PDF417 printed with tall rows (zxing-pdf417-3/15.png): some pairs of dark
    runs there measure as 180-340 rows of 3 modules, more than the standard's 90; such a
    pair is not taken as thick bars (it once left the row-count search an empty range and
    the heavy path raised ValueError), and the frame reads nothing or its truth."""
    path = corpus_dir / "barcodes" / "zxing-pdf417-3" / "15.png"
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert gray is not None
    quads = light_quads(gray) + [cv2.boxPoints(r) for r in candidate_rects(gray)]
    assert all(anc.rows <= pdfsymbol.MAX_ROWS for q in quads for anc in pdfmodel.anchors(gray, q))
    got = pdfmodel.read_frame(gray, quads)
    truth = path.with_suffix(".txt").read_text(encoding="utf-8")
    assert got is None or got.text == truth
