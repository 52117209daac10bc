"""The QR symbol's standard layout (ISO/IEC 18004, versions 1-10) and a soft-decision read of
its codewords, for the heavy path's model fit (``kiosk.scan.qrgrid``, issue 21).

The fit gives a continuous value per module (1 = light); at 2-3 frame px per module too many
come out on the wrong side of 0.5 for Reed-Solomon level M to correct by errors alone. But a
module near 0.5 is a module the fit is unsure of: the codewords holding the least sure modules
are declared *erased*, and an RS block then corrects ``2 e + f <= n - k`` errata instead of
``2 e <= n - k`` (``kiosk.scan.reedsolomon``). The corrected codewords are placed back into a
clean matrix (same version, level, mask) that the caller hands to zxing-cpp, so the payload
parse and its checks stay zxing's. The blocks that did decode are reported even when
another did not (``read_blocks``): the model fit holds them fixed and fits again
(``qrgrid.read_soft``). Functional core: numpy only, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kiosk.scan import reedsolomon

# version -> level -> (check codewords per block, ((blocks, data codewords per block), ...))
BLOCKS: dict[int, dict[str, tuple[int, tuple[tuple[int, int], ...]]]] = {
    1: {"L": (7, ((1, 19),)), "M": (10, ((1, 16),)), "Q": (13, ((1, 13),)),
        "H": (17, ((1, 9),))},
    2: {"L": (10, ((1, 34),)), "M": (16, ((1, 28),)), "Q": (22, ((1, 22),)),
        "H": (28, ((1, 16),))},
    3: {"L": (15, ((1, 55),)), "M": (26, ((1, 44),)), "Q": (18, ((2, 17),)),
        "H": (22, ((2, 13),))},
    4: {"L": (20, ((1, 80),)), "M": (18, ((2, 32),)), "Q": (26, ((2, 24),)),
        "H": (16, ((4, 9),))},
    5: {"L": (26, ((1, 108),)), "M": (24, ((2, 43),)), "Q": (18, ((2, 15), (2, 16))),
        "H": (22, ((2, 11), (2, 12)))},
    6: {"L": (18, ((2, 68),)), "M": (16, ((4, 27),)), "Q": (24, ((4, 19),)),
        "H": (28, ((4, 15),))},
    7: {"L": (20, ((2, 78),)), "M": (18, ((4, 31),)), "Q": (18, ((2, 14), (4, 15))),
        "H": (26, ((4, 13), (1, 14)))},
    8: {"L": (24, ((2, 97),)), "M": (22, ((2, 38), (2, 39))), "Q": (22, ((4, 18), (2, 19))),
        "H": (26, ((4, 14), (2, 15)))},
    9: {"L": (30, ((2, 116),)), "M": (22, ((3, 36), (2, 37))), "Q": (20, ((4, 16), (4, 17))),
        "H": (24, ((4, 12), (4, 13)))},
    10: {"L": (18, ((2, 68), (2, 69))), "M": (26, ((4, 43), (1, 44))),
         "Q": (24, ((6, 19), (2, 20))), "H": (28, ((6, 15), (2, 16)))},
}
_LEVEL_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}
MARGIN = 2            # RS check symbols per block kept unused for correcting (see soft_read)
MAX_FORMAT_DIST = 6.0  # soft bit errors allowed over both format copies (30 modules)


# -- fixed patterns -----------------------------------------------------------------------------
_ALIGN = {1: (), 2: (6, 18), 3: (6, 22), 4: (6, 26), 5: (6, 30), 6: (6, 34), 7: (6, 22, 38),
          8: (6, 24, 42), 9: (6, 26, 46), 10: (6, 28, 50)}


def _version_bits(version: int) -> int:
    """18-bit version information (BCH(18,6), generator 0x1F25), versions 7 and up."""
    rem = version << 12
    for bit in range(17, 11, -1):
        if rem & (1 << bit):
            rem ^= 0x1F25 << (bit - 12)
    return (version << 12) | rem


@lru_cache(maxsize=16)
def function_modules(version: int) -> tuple[np.ndarray, np.ndarray]:
    """(known, dark) boolean N x N matrices: the modules whose value the standard fixes for this
    version, whatever the payload (format information excluded: it depends on mask/EC level)."""
    n = 17 + 4 * version
    known = np.zeros((n, n), bool)
    dark = np.zeros((n, n), bool)
    finder = np.ones((7, 7), bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    for r, c in ((0, 0), (0, n - 7), (n - 7, 0)):
        known[max(r - 1, 0):r + 8, max(c - 1, 0):c + 8] = True   # finder + separator
        dark[r:r + 7, c:c + 7] = finder
    known[6, 8:n - 8] = True
    known[8:n - 8, 6] = True
    dark[6, 8:n - 8:2] = True
    dark[8:n - 8:2, 6] = True
    centres = _ALIGN[version]
    for r in centres:
        for c in centres:
            if (r, c) in ((6, 6), (6, centres[-1]), (centres[-1], 6)):
                continue
            known[r - 2:r + 3, c - 2:c + 3] = True
            dark[r - 2:r + 3, c - 2:c + 3] = True
            dark[r - 1:r + 2, c - 1:c + 2] = False
            dark[r, c] = True
    known[n - 8, 8] = True          # the always-dark module
    dark[n - 8, 8] = True
    if version >= 7:
        bits = _version_bits(version)
        for k in range(18):
            row, col = k // 3, n - 11 + k % 3
            on = bool((bits >> k) & 1)
            known[row, col] = known[col, row] = True
            dark[row, col] = dark[col, row] = on
    known.setflags(write=False)
    dark.setflags(write=False)
    return known, dark


# -- format information -------------------------------------------------------------------------
def format_word(level: str, mask: int) -> int:
    """The 15 format bits (BCH(15,5), generator 0x537, XORed with 0x5412)."""
    data = _LEVEL_BITS[level] << 3 | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return ((data << 10) | rem) ^ 0x5412


def format_places(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of format bits 0..14 of both copies (30 x): first around the top-left
    finder, then split between the other two."""
    first = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)] + \
        [(8, 14 - i) for i in range(9, 15)]
    second = [(8, n - 1 - i) for i in range(8)] + [(n - 15 + i, 8) for i in range(8, 15)]
    rc = np.array(first + second)
    return rc[:, 0], rc[:, 1]


def read_format(values: np.ndarray) -> tuple[str, int, float] | None:
    """(level, mask, soft distance) of the valid format word nearest both copies: the soft
    distance sums each module's disagreement (|bit - darkness|, darkness = 1 - value) over the
    30 modules; None when the nearest is farther than ``MAX_FORMAT_DIST`` (valid words differ
    in at least 7 bits per copy, so 6 soft bit errors still leave a clear winner)."""
    rows, cols = format_places(values.shape[0])
    darkness = 1.0 - np.clip(values[rows, cols], 0.0, 1.0)
    best: tuple[str, int, float] | None = None
    for level in _LEVEL_BITS:
        for mask in range(8):
            word = format_word(level, mask)
            bits = np.array([(word >> i) & 1 for i in range(15)] * 2, float)
            dist = float(np.abs(bits - darkness).sum())
            if best is None or dist < best[2]:
                best = (level, mask, dist)
    return best if best is not None and best[2] <= MAX_FORMAT_DIST else None


# -- data placement -----------------------------------------------------------------------------
@lru_cache(maxsize=8)
def mask_pattern(mask: int, n: int) -> np.ndarray:
    """True where mask ``mask`` inverts a module (row i, column j)."""
    i, j = np.indices((n, n))
    out = [(i + j) % 2 == 0, i % 2 == 0, j % 3 == 0, (i + j) % 3 == 0,
           (i // 2 + j // 3) % 2 == 0, (i * j) % 2 + (i * j) % 3 == 0,
           ((i * j) % 2 + (i * j) % 3) % 2 == 0, ((i + j) % 2 + (i * j) % 3) % 2 == 0][mask]
    out.setflags(write=False)
    return out


@lru_cache(maxsize=16)
def data_places(version: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the codeword bits in stream order (most significant bit first), the
    standard's two-column zigzag from the bottom right; remainder bits left out."""
    n = 17 + 4 * version
    known, _ = function_modules(version)
    reserved = known.copy()
    rows, cols = format_places(n)
    reserved[rows, cols] = True
    out: list[tuple[int, int]] = []
    right = n - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = ((right + 1) & 2) == 0
        for vert in range(n):
            row = n - 1 - vert if upward else vert
            for col in (right, right - 1):
                if not reserved[row, col]:
                    out.append((row, col))
        right -= 2
    total = sum(b * (d + BLOCKS[version]["L"][0]) for b, d in BLOCKS[version]["L"][1])
    rc = np.array(out[:total * 8])
    rc.setflags(write=False)
    return rc[:, 0], rc[:, 1]


def block_layout(version: int, level: str) -> tuple[int, list[list[int]]]:
    """(check codewords per block, each block's positions in the interleaved stream: data
    codewords dealt round-robin over the blocks, then the check codewords likewise)."""
    nsym, groups = BLOCKS[version][level]
    sizes = [d for b, d in groups for _ in range(b)]
    blocks: list[list[int]] = [[] for _ in sizes]
    pos = 0
    for i in range(max(sizes)):
        for b, size in enumerate(sizes):
            if i < size:
                blocks[b].append(pos)
                pos += 1
    for _ in range(nsym):
        for b in range(len(sizes)):
            blocks[b].append(pos)
            pos += 1
    return nsym, blocks


def build_matrix(version: int, level: str, mask: int, stream: list[int]) -> np.ndarray:
    """The dark-module matrix of a symbol with this interleaved codeword stream."""
    n = 17 + 4 * version
    known, dark = function_modules(version)
    matrix = dark.copy()
    word = format_word(level, mask)
    rows, cols = format_places(n)
    matrix[rows, cols] = [bool((word >> (i % 15)) & 1) for i in range(30)]
    rows, cols = data_places(version)
    bits = np.unpackbits(np.array(stream, np.uint8)).astype(bool)
    matrix[rows, cols] = bits ^ mask_pattern(mask, n)[rows, cols]
    return matrix


# -- the soft read --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlockRead:
    """What the soft read made of one fit: the format it read, the interleaved codeword stream
    with every block that decoded corrected, which blocks those are, and how many codewords
    were corrected."""

    version: int
    level: str
    mask: int
    stream: tuple[int, ...]
    decoded: tuple[bool, ...]
    fixed: int

    @property
    def complete(self) -> bool:
        return all(self.decoded)

    def matrix(self) -> np.ndarray:
        """The clean dark-module matrix of this stream."""
        return build_matrix(self.version, self.level, self.mask, list(self.stream))

    def known_modules(self) -> tuple[np.ndarray, np.ndarray]:
        """(known, dark) N x N: the format modules and the modules of the decoded blocks, as a
        fit's extra fixed modules (``qrgrid.fit_modules_cost``)."""
        n = 17 + 4 * self.version
        dark = self.matrix()
        known = np.zeros((n, n), bool)
        rows, cols = format_places(n)
        known[rows, cols] = True
        rows, cols = data_places(self.version)
        _, blocks = block_layout(self.version, self.level)
        for block, ok in zip(blocks, self.decoded):
            if ok:
                bits = (np.array(block)[:, None] * 8 + np.arange(8)).reshape(-1)
                known[rows[bits], cols[bits]] = True
        return known, dark


def read_blocks(values: np.ndarray, version: int, costs: np.ndarray | None = None
                ) -> BlockRead | None:
    """Each RS block of the fitted module values (N x N, 1 = light) decoded by errors alone,
    then with its 1, 2, ... least reliable codewords erased, always within
    ``2 e + f <= n - k - MARGIN``; None when the format information does not read. Two
    reliabilities rank the codewords: the smallest |value - 0.5| among a codeword's 8 modules,
    then (``costs``: each module's flip cost from the fit) the sum of its modules' flip costs;
    on the booth bench's missed codes each finds blocks the other does not.

    Why ``MARGIN``: a block beyond reach is accepted by a try with f erasures only if the
    n - f symbols left lie within the remaining radius of a codeword; the riskiest tries erase
    nearly all check symbols, leaving ``MARGIN`` to catch a wrong word, which a random word
    passes with a chance of 256^-MARGIN. Summed over the tries (each try with e errors more
    costs a factor ~n/256 less) and both rankings that is about 3 * 256^-MARGIN, 5e-5 at
    ``MARGIN`` 2 per block that cannot be corrected; blocks all beyond reach (a frame without
    this code) must each pass, (5e-5)^blocks."""
    fmt = read_format(values)
    if fmt is None:
        return None
    level, mask, _ = fmt
    n = values.shape[0]
    rows, cols = data_places(version)
    v = np.clip(values[rows, cols], 0.0, 1.0)
    bits = (v < 0.5) ^ mask_pattern(mask, n)[rows, cols]
    stream = np.packbits(bits).astype(int)
    rankings = [np.abs(v - 0.5).reshape(-1, 8).min(axis=1)]
    if costs is not None:
        rankings.append(costs[rows, cols].reshape(-1, 8).sum(axis=1))
    nsym, blocks = block_layout(version, level)
    out = stream.copy()
    fixed = 0
    decoded = []
    for block in blocks:
        got = _decode_block(stream[block].tolist(), nsym, [r[block] for r in rankings])
        decoded.append(got is not None)
        if got is not None:
            out[block] = got[0]
            fixed += got[1]
    return BlockRead(version, level, mask, tuple(int(c) for c in out), tuple(decoded), fixed)


def soft_read(values: np.ndarray, version: int, costs: np.ndarray | None = None
              ) -> tuple[np.ndarray, int] | None:
    """(clean dark-module matrix, codewords corrected) from fitted module values (N x N,
    1 = light) when every block decodes (``read_blocks``), else None."""
    got = read_blocks(values, version, costs)
    return (got.matrix(), got.fixed) if got is not None and got.complete else None


def _decode_block(word: list[int], nsym: int, rankings: list[np.ndarray]
                  ) -> tuple[list[int], int] | None:
    """Errors only, then for each ranking the 1, 2, ... least reliable codewords erased."""
    for rank in rankings:
        got = reedsolomon.decode_least_sure(word, nsym, np.argsort(rank, kind="stable").tolist(),
                                            MARGIN)
        if got is not None:
            return got
    return None
