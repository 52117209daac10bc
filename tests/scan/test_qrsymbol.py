"""The QR layout and soft read (kiosk/scan/qrsymbol.py) behind heavy-path step 7's erasure
decoding: the layout is checked against an independent encoder (segno) for every version and
level it covers, the soft read corrects what errors-only RS cannot when the unsure codewords
are the wrong ones, it reads nothing from garbage or from a code with a block beyond reach,
and on booth photos it reads codes the plain model fit misses, without reading a QR into
frames that hold none."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import segno

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.booth_photos import make_shot  # noqa: E402
from kiosk.scan import qrgrid, qrsymbol, reedsolomon  # noqa: E402
from kiosk.scan.decoder import Decoder, to_gray  # noqa: E402
from kiosk.scan.heavy import HeavyOptions, heavy_decode  # noqa: E402
from kiosk.scan.regions import candidate_rects, light_quads  # noqa: E402

TEXT = "MECARD:N:Okafor,Chidi;EMAIL:c.okafor@example.org;;"


def _symbol(text: str, version: int | None = None, level: str = "M"
            ) -> tuple[np.ndarray, int, int]:
    """(dark-module matrix, version, mask) from segno."""
    qr = segno.make(text, version=version, error=level.lower(), micro=False, boost_error=False)
    return np.array(qr.matrix, bool), int(qr.version), int(qr.mask)


def _stream(matrix: np.ndarray, version: int, mask: int) -> np.ndarray:
    rows, cols = qrsymbol.data_places(version)
    bits = matrix[rows, cols] ^ qrsymbol.mask_pattern(mask, matrix.shape[0])[rows, cols]
    return np.packbits(bits).astype(int)


@pytest.mark.parametrize("version", range(1, 11))
def test_layout_matches_segno(version: int) -> None:
    """Format word, mask, placement order, block table and interleaving: segno's symbol reads
    back with zero syndromes in every block, and rebuilding it from its codewords gives the
    same matrix (the few remainder modules aside, which carry nothing)."""
    for level in "LMQH":
        matrix, _, mask = _symbol(f"v{version}{level}", version, level)
        assert qrsymbol.read_format((~matrix).astype(float)) == (level, mask, 0.0)
        stream = _stream(matrix, version, mask)
        nsym, blocks = qrsymbol.block_layout(version, level)
        assert sorted(p for b in blocks for p in b) == list(range(len(stream)))
        for block in blocks:
            assert reedsolomon.syndromes(stream[block].tolist(), nsym) == [0] * nsym
        rebuilt = qrsymbol.build_matrix(version, level, mask, stream.tolist())
        known, _ = qrsymbol.function_modules(version)
        used = known.copy()
        used[qrsymbol.format_places(matrix.shape[0])] = True
        used[qrsymbol.data_places(version)] = True
        assert (rebuilt[used] == matrix[used]).all()
        assert (~used).sum() in (0, 7)            # remainder bits: 7 for versions 2-6
        assert qrsymbol.soft_read((~matrix).astype(float), version)[1] == 0


def _corrupted(per_block: int, confident: bool, seed: int = 5
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(fitted values, flip costs, true matrix, version) of a v4-M code (2 blocks, 18 check
    codewords each) whose values are slightly noisy and where ``per_block`` codewords of each
    block sit on the wrong side of 0.5: just (0.45/0.55, unsure) or fully (``confident``:
    0/1, as the fit's binary push leaves them; then only their low flip cost tells)."""
    matrix, version, mask = _symbol(TEXT)
    assert version == 4
    rng = np.random.default_rng(seed)
    values = np.where(matrix, 0.0, 1.0) + rng.normal(0, 0.05, matrix.shape)
    values = np.clip(values, 0.0, 1.0)
    costs = rng.uniform(4000, 9000, matrix.shape)
    rows, cols = qrsymbol.data_places(version)
    _, blocks = qrsymbol.block_layout(version, "M")
    for block in blocks:
        for cw in rng.choice(block, per_block, replace=False):
            r, c = rows[cw * 8:cw * 8 + 8], cols[cw * 8:cw * 8 + 8]
            values[r, c] = np.where(matrix[r, c], 1.0, 0.0) if confident \
                else np.where(matrix[r, c], 0.55, 0.45)
            costs[r, c] = rng.uniform(0, 1500, 8) if confident else costs[r, c]
    return values, costs, matrix, version


def test_unsure_codewords_are_erased() -> None:
    """12 wrong codewords per block: errors-only RS corrects 9, so zxing-cpp on the
    thresholded values reads nothing; erasing the least sure codewords corrects all 24."""
    values, costs, matrix, version = _corrupted(12, confident=False)
    assert qrgrid.decode_matrix(values < 0.5) is None
    got = qrsymbol.soft_read(values, version, costs)
    assert got is not None and got[1] == 24
    assert qrgrid.decode_matrix(got[0]) == (TEXT, TEXT.encode())


def test_confidently_wrong_codewords_are_found_by_flip_cost() -> None:
    """Wrong modules pinned at 0/1 look sure by value; their flip cost gives them away."""
    values, costs, _, version = _corrupted(12, confident=True)
    assert qrsymbol.soft_read(values, version) is None
    got = qrsymbol.soft_read(values, version, costs)
    assert got is not None and qrgrid.decode_matrix(got[0]) == (TEXT, TEXT.encode())


def test_too_many_unsure_codewords_are_refused() -> None:
    """17 wrong codewords per block (> 18 - MARGIN even when all are erased): no read."""
    values, costs, _, version = _corrupted(17, confident=False)
    assert qrsymbol.soft_read(values, version, costs) is None


def test_garbage_with_valid_patterns_reads_nothing() -> None:
    """Random data modules behind correct finders, timing, version and format information
    (what a wrong fit on a textured badge could produce), values spread around 0.5 so every
    erasure count is tried: no block passes, no read, in 60 symbols of versions 1-10."""
    rng = np.random.default_rng(21)
    for trial in range(60):
        version = trial % 10 + 1
        known, dark = qrsymbol.function_modules(version)
        n = known.shape[0]
        values = rng.uniform(0.0, 1.0, (n, n))
        values[known] = np.where(dark[known], 0.0, 1.0)
        word = qrsymbol.format_word("LMQH"[trial % 4], trial % 8)
        rows, cols = qrsymbol.format_places(n)
        values[rows, cols] = [0.0 if (word >> (i % 15)) & 1 else 1.0 for i in range(30)]
        assert qrsymbol.soft_read(values, version, rng.uniform(0, 9000, (n, n))) is None


def _block_modules(version: int, block: list[int]) -> np.ndarray:
    """N x N: True on the data modules of the codewords at these stream positions."""
    rows, cols = qrsymbol.data_places(version)
    out = np.zeros((17 + 4 * version,) * 2, bool)
    for cw in block:
        out[rows[cw * 8:cw * 8 + 8], cols[cw * 8:cw * 8 + 8]] = True
    return out


def test_one_block_beyond_reach_is_not_miscorrected() -> None:
    """A real code whose first block is scrambled (every codeword random, values unsure) and
    whose other blocks are clean: the scrambled block must fail, not come back as some other
    codeword (a wrong payload), in 60 tries. The other blocks alone do not make a read."""
    matrix, version, mask = _symbol(TEXT * 2, 6)      # v6-M: 4 blocks of 43, 16 checks
    _, blocks = qrsymbol.block_layout(version, "M")
    first = _block_modules(version, blocks[0])
    rng = np.random.default_rng(24)
    for _ in range(60):
        values = np.where(matrix, 0.0, 1.0)
        values[first] = rng.uniform(0.3, 0.7, first.sum())
        assert qrsymbol.soft_read(values, version, rng.uniform(0, 9000, matrix.shape)) is None


def test_blocks_that_decode_are_kept_when_another_does_not() -> None:
    """The soft read's rounds (``qrgrid.read_soft``) need the blocks that did decode: with the
    first block scrambled beyond reach, the other three come back corrected, flagged, and their
    data modules (with the format's) are the known modules handed to the next fit, at the
    values of the true symbol; the scrambled block's modules are not among them."""
    matrix, version, mask = _symbol(TEXT * 2, 6)      # v6-M: 4 blocks of 43, 16 checks
    rows, cols = qrsymbol.data_places(version)
    _, blocks = qrsymbol.block_layout(version, "M")
    first = _block_modules(version, blocks[0])
    rng = np.random.default_rng(7)
    values = np.where(matrix, 0.0, 1.0)
    values[first] = rng.uniform(0.3, 0.7, first.sum())
    others = np.zeros(matrix.shape, bool)
    for block in blocks[1:]:
        for cw in block[:3]:                          # a few wrong codewords in every other block
            others[rows[cw * 8], cols[cw * 8]] = True
    values[others] = 1.0 - values[others]
    got = qrsymbol.read_blocks(values, version)
    assert got is not None and (got.level, got.mask) == ("M", mask)
    assert got.decoded == (False, True, True, True) and not got.complete
    assert got.fixed == 9
    assert qrsymbol.soft_read(values, version) is None
    known, dark = got.known_modules()
    frows, fcols = qrsymbol.format_places(matrix.shape[0])
    assert known[frows, fcols].all()
    assert not (known & first).any()
    data = np.zeros(matrix.shape, bool)
    data[rows, cols] = True
    assert (known & data).sum() == 3 * 43 * 8
    assert (dark[known] == matrix[known]).all()


def test_format_far_from_every_valid_word_is_refused() -> None:
    matrix, _, _ = _symbol(TEXT)
    values = np.where(matrix, 0.0, 1.0)
    rows, cols = qrsymbol.format_places(matrix.shape[0])
    values[rows, cols] = 0.5                       # 30 modules all undecided: 15 soft errors
    assert qrsymbol.read_format(values) is None


@pytest.mark.parametrize("index,kind", [(182, "qr-id"), (107, "qr-url")])
def test_booth_shot_read_only_with_erasures(index: int, kind: str) -> None:
    """Hard-band booth shots (seed 24) at 3.5 and 2.4 px per module, blurred, tilted, noisy,
    JPEG-compressed: the pipeline and the heavy path without the soft read find nothing (the
    model fit has 23 and 44 wrong modules); with it the heavy path reads exactly the payload."""
    shot = make_shot(24, index, "hard", kind)
    gray = to_gray(shot.image)
    decoder = Decoder()
    assert decoder.decode(gray) == []
    assert heavy_decode(gray, decoder, HeavyOptions(qr_erasures=False)) == []
    codes = heavy_decode(gray, decoder)
    assert [(c.format, c.text, c.stage) for c in codes] == [("QR", shot.truth, "qrgrid")]


@pytest.mark.parametrize("index,kind", [(2, "pdf417"), (6, "pdf417"), (10, "code128"),
                                        (14, "code39"), (50, "pdf417"), (58, "code128")])
def test_other_symbologies_give_no_qr(index: int, kind: str) -> None:
    """Hard-band frames with a PDF417, Code 128 or Code 39 badge: the QR fit with its soft read
    finds no QR in them."""
    shot = make_shot(24, index, "hard", kind)
    gray = to_gray(shot.image)
    assert qrgrid.read_frame(gray, candidate_rects(gray), light_quads(gray)) is None
