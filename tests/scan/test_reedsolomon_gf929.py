"""Reed-Solomon over GF(929) with erasures (kiosk/scan/reedsolomon.py, ``PDF417``), the PDF417
model fit's soft read: its check codewords are the encoder's, a word is corrected exactly when
``2 e + f <= k - margin``, and beyond that bound the decoder reports failure instead of
returning another codeword."""
from __future__ import annotations

import random

import pytest
from pdf417gen.encoding import encode_high
from pdf417gen.error_correction import compute_error_correction_code_words

from kiosk.scan import reedsolomon as rs


def _damaged(seed: int, errors: int, erasures: int) -> tuple[list[int], list[int], list[int]]:
    """(codeword, received word, erased places): a booth badge's 54 codewords (16 check
    codewords, security level 3) with ``errors`` changed at unknown places and ``erasures``
    changed at places the decoder is told."""
    rng = random.Random(seed)
    word = encode_high(b"FX204811^Ilse^Van der Berg^Kivu Energy^i.berg@example.org^DE^Buyer",
                       3, 3)
    places = rng.sample(range(len(word)), errors + erasures)
    got = list(word)
    for p in places:
        got[p] = (got[p] + rng.randrange(1, 929)) % 929
    return list(word), got, places[:erasures]


@pytest.mark.parametrize("level", [0, 1, 3, 5])
def test_check_codewords_are_the_encoder_s(level: int) -> None:
    """pdf417gen (an independent encoder) computes the same check codewords."""
    data = [random.Random(level).randrange(929) for _ in range(40)]
    nsym = 2 ** (level + 1)
    assert rs.encode(data, nsym, rs.PDF417)[40:] == compute_error_correction_code_words(data, level)
    assert not any(rs.syndromes(rs.encode(data, nsym, rs.PDF417), nsym, rs.PDF417))


@pytest.mark.parametrize("errors,erasures", [(0, 0), (1, 0), (7, 0), (0, 16), (3, 10),
                                             (6, 2), (5, 4)])
def test_corrects_within_the_bound(errors: int, erasures: int) -> None:
    for seed in range(5):
        word, got, erased = _damaged(seed, errors, erasures)
        assert rs.decode(got, 16, erased, code=rs.PDF417) == (word, errors + erasures)


@pytest.mark.parametrize("errors,erasures,margin", [(8, 0, 2), (7, 1, 2), (6, 4, 2),
                                                    (9, 0, 0), (12, 0, 2)])
def test_beyond_the_bound_is_no_word(errors: int, erasures: int, margin: int) -> None:
    """Beyond ``2 e + f <= 16 - margin`` nothing comes back, not another codeword."""
    for seed in range(20):
        _, got, erased = _damaged(100 + seed, errors, erasures)
        assert rs.decode(got, 16, erased, margin, code=rs.PDF417) is None


def test_an_unreadable_codeword_may_be_erased() -> None:
    word, got, _ = _damaged(7, 2, 0)
    got[10] = -1
    assert rs.decode(got, 16, [10], 2, code=rs.PDF417) == (word, 3)
