"""Reed-Solomon with erasures over GF(256) (kiosk/scan/reedsolomon.py, ``QR``), the heavy
path's QR soft read (GF(929) for PDF417: test_reedsolomon_gf929.py): a
block is corrected exactly when ``2 e + f <= n - k - margin``, and beyond that bound the decoder
reports failure instead of returning another codeword, in the cases the module claims."""
from __future__ import annotations

import random

import numpy as np
import pytest
import segno

from kiosk.scan import reedsolomon as rs
from kiosk.scan import qrsymbol


def _damaged(seed: int, k: int, nsym: int, errors: int, erasures: int
             ) -> tuple[list[int], list[int], list[int]]:
    """(codeword, received word, erased positions): ``errors`` symbols changed at unknown
    places, ``erasures`` changed at places the decoder is told."""
    rng = random.Random(seed)
    data = [rng.randrange(256) for _ in range(k)]
    word = rs.encode(data, nsym)
    places = rng.sample(range(len(word)), errors + erasures)
    got = list(word)
    for p in places:
        got[p] ^= rng.randrange(1, 256)
    return word, got, places[:erasures]


def test_encoder_matches_segno_block() -> None:
    """Our encoder's check codewords are the ones a real QR encoder wrote: segno's v1-M symbol
    read back through the standard placement has zero syndromes and re-encodes to itself."""
    matrix = np.array(segno.make("lead 0042", version=1, error="m", micro=False,
                                 boost_error=False).matrix, bool)
    level, mask, dist = qrsymbol.read_format((~matrix).astype(float))
    assert (level, dist) == ("M", 0.0)
    rows, cols = qrsymbol.data_places(1)
    stream = np.packbits(matrix[rows, cols] ^ qrsymbol.mask_pattern(mask, 21)[rows, cols])
    word = stream.tolist()
    assert rs.syndromes(word, 10) == [0] * 10
    assert rs.encode(word[:16], 10) == word


# (data codewords, check codewords, errors, erasures): all within 2e + f <= nsym - margin
WITHIN = [(16, 10, 5, 0), (16, 10, 0, 10), (16, 10, 3, 4), (27, 16, 7, 2), (27, 16, 1, 14),
          (43, 24, 6, 12), (43, 24, 0, 24), (9, 17, 8, 1), (116, 30, 10, 10), (68, 18, 4, 10)]


@pytest.mark.parametrize("k,nsym,errors,erasures", WITHIN)
def test_corrects_within_the_bound(k: int, nsym: int, errors: int, erasures: int) -> None:
    for seed in range(20):
        word, got, erased = _damaged(seed, k, nsym, errors, erasures)
        assert rs.decode(got, nsym, erased) == (word, errors + erasures)


@pytest.mark.parametrize("k,nsym,errors,erasures,margin", [
    (16, 10, 5, 1, 0), (16, 10, 6, 0, 0), (27, 16, 8, 1, 0), (27, 16, 0, 17, 0),
    (27, 16, 8, 0, 2), (27, 16, 0, 15, 2), (27, 16, 2, 11, 2), (43, 24, 11, 1, 2),
    (43, 24, 0, 23, 2)])
def test_beyond_the_bound_is_refused_not_miscorrected(k: int, nsym: int, errors: int,
                                                      erasures: int, margin: int) -> None:
    """Just past the bound: ``margin`` 0 refuses most and may miscorrect a few (a plain
    bounded-distance decoder); with ``margin`` 2 (what the QR reader uses) none of 200 words
    comes back as another codeword, and words within the bound the margin leaves are still
    corrected."""
    wrong = 0
    for seed in range(200):
        word, got, erased = _damaged(seed, k, nsym, errors, erasures)
        out = rs.decode(got, nsym, erased, margin)
        assert out is None or out[0] != word  # never the true word past the bound
        wrong += out is not None
    assert wrong == 0 if margin else wrong <= 20


def test_margin_keeps_check_symbols_unused() -> None:
    """2e + f = nsym: corrected with margin 0, refused with margin 1 and 2."""
    word, got, erased = _damaged(7, 27, 16, 4, 8)
    assert rs.decode(got, 16, erased, 0) == (word, 12)
    assert rs.decode(got, 16, erased, 1) is None
    assert rs.decode(got, 16, erased, 2) is None


def test_erasures_of_correct_symbols_cost_nothing_more() -> None:
    """An erased position that was right anyway still counts against the bound but decodes
    to the codeword, reporting only the symbols it changed."""
    word, got, _ = _damaged(3, 27, 16, 3, 0)
    untouched = [p for p in range(len(word)) if got[p] == word[p]][:6]
    assert rs.decode(got, 16, untouched, 2) == (word, 3)


def test_bad_arguments_are_refused() -> None:
    word = rs.encode(list(range(20)), 10)
    assert rs.decode(word, 10, [len(word)]) is None          # erasure outside the block
    assert rs.decode(word, 10, list(range(11))) is None      # more erasures than checks
    assert rs.decode(word, 10) == (word, 0)
