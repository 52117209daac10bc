"""The PDF417 symbol, for the model fit of small, blurred PDF417 (``kiosk.scan.pdfmodel`` finds
where a symbol is and samples its rows; this module fits and reads them, issue 21, heavy
path step 9): every row codeword pattern of a cluster under a gaussian blur, the slot-by-slot
fit of a row, the row indicators the layout fixes, a soft read over GF(929), the joint read of
fits at several sigmas, and the clean drawing that zxing-cpp decodes. Functional core: numpy
and cv2 only, no I/O.

The pattern set is every 4-bar/4-space 17-module pattern of the cluster (the standard's 929
per cluster are a subset of these; a pattern outside them is decoded by zxing to its closest
codeword or an erasure), so the fit needs no codeword table. The row indicators do use one
(``kiosk.scan.pdf417codes``): their values follow from the layout, and the fit knows the rows
and columns, so when a fit does not read, its indicators are redrawn from the layout with the
error correction level the fitted ones vote for (``clean_indicators``), and the drawing is
read once more. Why: an indicator fitted as another row's makes zxing-cpp file codewords under
the wrong row, which spends error correction the data codewords need. Measured (step 9 with
its usual anchors, rows and sigmas): hard seed 24 PDF417 6 -> 7 of 13 (#13: UEC 0.43 -> 0.62),
hard seed 21 and issue-hard seeds 21 and 24 unchanged (5, 5, 5 of 13), no read lost, 0 false.

When neither drawing reads, the fit's codewords are corrected here (``soft_read``, Reed-Solomon
over GF(929) in ``kiosk.scan.reedsolomon``): zxing-cpp's own correction is trusted only with
half its capacity left (``MIN_SPARE_EC``, ~4 wrong codewords of the badges' 16 check
codewords), the soft read takes up to 7 (``2 e + f <= 16 - MARGIN``, slots that are no codeword
and then the least sure ones erased) with two check codewords and the length descriptor left to
catch a wrong correction. Measured: hard seed 24 PDF417 7 -> 8 of 13 (#21, 1.8 px per module: 7
wrong data codewords), hard 21 and issue-hard 21 and 24 unchanged, no read lost, 0 false.

When both sigmas' fits fail but disagree on few data codewords (``_joint_in_reach``), a third
fit at the sigma between them is made and the three are read jointly (``joint_fit``): each
slot from the fit surest of it, the slots where they disagree erased first. Measured:
issue-hard seed 21 PDF417 5 -> 6 of 13 (#45, 1.29 px per module: 9-17 wrong data codewords
per fit, 8 jointly, all but one among the unsure), the other bands unchanged, 0 false.
"""
from __future__ import annotations

from functools import lru_cache
from math import erf, sqrt

import cv2
import numpy as np
import zxingcpp

from kiosk.scan import reedsolomon
from kiosk.scan.decoder import read_drawn
from kiosk.scan.pdf417codes import CODES

START = (8, 1, 1, 1, 1, 1, 1, 3)      # element widths, bar first
STOP = (7, 1, 1, 3, 1, 1, 1, 2, 1)
MAX_ROWS = 90                         # the standard's most rows
QUIET = 2                             # modules of quiet zone drawn around the clean symbol
SPP = 4                               # samples per module along a row


def element_bits(widths: tuple[int, ...]) -> np.ndarray:
    return np.concatenate([np.full(w, 1 - i % 2, np.uint8) for i, w in enumerate(widths)])


@lru_cache(maxsize=3)
def patterns(cluster: int) -> np.ndarray:
    """(n, 17) uint8, 1 = bar: every 4-bar/4-space pattern of 17 modules, elements 1-6 wide,
    in ``cluster`` (0, 3 or 6: (b1 - b2 + b3 - b4) mod 9 over the bar widths)."""
    out = [element_bits(w) for w in _compositions(17, 8)
           if (w[0] - w[2] + w[4] - w[6]) % 9 == cluster]
    return np.array(out, dtype=np.uint8)


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    """Every way to write ``total`` as ``parts`` widths of 1-6 modules, in order."""
    if parts == 1:
        return [(total,)] if 1 <= total <= 6 else []
    return [(w,) + rest for w in range(1, 7) if total - w >= parts - 1
            for rest in _compositions(total - w, parts - 1)]


CONTEXT = 3                           # modules of the neighbours a slot's blur reaches


def blur_rows(rows: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0:
        return rows.astype(np.float32)
    return cv2.GaussianBlur(rows.astype(np.float32), (0, 0), sigmaX=sigma * SPP, sigmaY=1e-6,
                            borderType=cv2.BORDER_CONSTANT)


@lru_cache(maxsize=32)   # 3 clusters x (the 4 SIGMAS and the joint read's up to 6 midpoints)
def _cores(cluster: int, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(centred templates transposed to (17 * SPP, n), their squared norms): each pattern
    (1 = dark) on a zero background, blurred by ``sigma`` modules, cut to its own 17 modules.
    Blur is linear, so a slot's template is this plus its neighbours' spill-over (``_spill``)."""
    pats = np.repeat(patterns(cluster), SPP, axis=1).astype(np.float32)
    padded = np.pad(pats, ((0, 0), (CONTEXT * SPP, CONTEXT * SPP)))
    cores = blur_rows(padded, sigma)[:, CONTEXT * SPP:(CONTEXT + 17) * SPP]
    cores = cores - cores.mean(axis=1, keepdims=True)
    # transposed and contiguous: (windows, 68) @ (68, n) is ~8x faster than the other way
    return np.ascontiguousarray(cores.T), (cores * cores).sum(axis=1)


def _spill(left: np.ndarray, right: np.ndarray, sigma: float) -> np.ndarray:
    """(17 * SPP,): what the ``CONTEXT`` modules either side add to a slot under blur."""
    ctx = np.concatenate([left, np.zeros(17), right])
    fine = np.repeat(ctx, SPP)[None, :]
    return blur_rows(fine, sigma)[0, CONTEXT * SPP:(CONTEXT + 17) * SPP]


def _best(windows: np.ndarray, cores: tuple[np.ndarray, np.ndarray], spill: np.ndarray
          ) -> tuple[int, int, float]:
    """(pattern index, window index, margin) of the template (core plus ``spill``) that best
    matches one of ``windows`` up to gain and offset (lighting and contrast vary across the
    symbol): correlation expanded so the templates are never formed one by one. The margin
    (its correlation less the best other pattern's) says how sure the choice is."""
    cen_t, norm2 = cores
    v = (spill - spill.mean()).astype(np.float32)
    wins = (windows - windows.mean(axis=1, keepdims=True)).astype(np.float32)
    wins = wins / np.maximum(np.linalg.norm(wins, axis=1, keepdims=True), 1e-6)
    dots = wins @ cen_t + (wins @ v)[:, None]                   # (windows, n)
    norms = np.sqrt(np.maximum(norm2 + 2 * (v @ cen_t) + float(v @ v), 1e-9))
    scores = dots / norms[None, :]
    j, i = np.unravel_index(int(np.argmax(scores)), scores.shape)
    per = scores.max(axis=0)
    per[i] = -np.inf
    return int(i), int(j), float(scores[j, i] - per.max()) if len(per) > 1 else 0.0


def unmix_rows(profiles: np.ndarray, sigma: float, row_height: float,
               band: tuple[float, float] = (0.3, 0.7)) -> np.ndarray:
    """Profiles with the vertical blur between neighbouring rows undone: each averaged band
    is (under a gaussian PSF of ``sigma`` modules) a fixed mix of its own row and the rows
    above and below; solving that tridiagonal mix separates them."""
    rows = len(profiles)
    if sigma <= 0 or rows < 2:
        return profiles
    ys = np.linspace(band[0], band[1], 9) * row_height

    def share(lo: float, hi: float) -> float:
        return float(np.mean([0.5 * (erf((hi - y) / (sigma * sqrt(2)))
                                     - erf((lo - y) / (sigma * sqrt(2)))) for y in ys]))
    own, side = share(0, row_height), share(row_height, 2 * row_height)
    mix = np.eye(rows) * own + (np.eye(rows, k=1) + np.eye(rows, k=-1)) * side
    return np.linalg.solve(mix, profiles.astype(np.float64)).astype(np.float32)


def fit_rows(profiles: np.ndarray, columns: int, sigma: float, first_cluster: int = 0,
             max_shift: float = 0.75, passes: int = 2) -> np.ndarray:
    """``fit_rows_scored`` without the margins."""
    return fit_rows_scored(profiles, columns, sigma, first_cluster, max_shift, passes)[0]


def fit_rows_scored(profiles: np.ndarray, columns: int, sigma: float, first_cluster: int = 0,
                    max_shift: float = 0.75, passes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(rows, 17 * (columns + 4) + 1) uint8 module matrix: start pattern, the best pattern of
    the row's cluster for each of the ``columns + 2`` codeword slots (row indicators
    included), stop pattern. A first pass goes left to right, each slot free to shift by up
    to ``max_shift`` modules from where the previous one ended (the grid is only as good as
    the fitted perspective) and only what every neighbour is known to have at its edge as
    context; ``passes`` more refit each slot with its neighbours' fitted patterns. Also
    (rows, columns + 2): each slot's margin in its last fit (see ``_best``)."""
    rows, n = len(profiles), 17 * SPP
    slots = columns + 2
    width = 17 * (columns + 4) + 1
    out = np.zeros((rows, width), np.uint8)
    margins = np.zeros((rows, slots), np.float32)
    shifts = list(range(-int(max_shift * SPP), int(max_shift * SPP) + 1))
    prof_pad = np.pad(profiles, ((0, 0), (n, n)), mode="edge")
    for r in range(rows):
        cluster = ((r + first_cluster) % 3) * 3
        pats, cores = patterns(cluster), _cores(cluster, sigma)
        out[r, :17] = element_bits(START)
        out[r, width - 18:] = element_bits(STOP)
        edge = _spill(np.array([0.5, 0.5, 0.0]), np.array([1.0, 0.5, 0.5]), sigma)
        starts = []
        drift = 0
        for s in range(slots):
            base = (17 + 17 * s) * SPP + drift + n
            i, j, margins[r, s] = _best(
                np.stack([prof_pad[r, base + d:base + d + n] for d in shifts]), cores, edge)
            d = shifts[j]
            out[r, 17 + 17 * s:34 + 17 * s] = pats[i]
            drift += d
            starts.append(base + d)
        for _ in range(passes):
            for s in range(slots):
                a = 17 + 17 * s
                spill = _spill(out[r, a - CONTEXT:a], out[r, a + 17:a + 17 + CONTEXT], sigma)
                i, _, margins[r, s] = _best(np.stack([prof_pad[r, starts[s] + d:starts[s] + d + n]
                                                      for d in (-1, 0, 1)]), cores, spill)
                out[r, a:a + 17] = pats[i]
    return out, margins


@lru_cache(maxsize=1)
def _values() -> tuple[dict[int, int], ...]:
    """Per cluster index (0, 1, 2 = clusters 0, 3, 6): 17-bit pattern -> codeword value."""
    return tuple({pattern: value for value, pattern in enumerate(table)} for table in CODES)


def _pattern_bits(value: int, row: int) -> np.ndarray:
    return np.array([int(c) for c in format(CODES[row % 3][value], "017b")], np.uint8)


def indicators(row: int, rows: int, columns: int, ec_level: int) -> tuple[int, int]:
    """(left, right) row indicator codeword values of ``row`` (ISO/IEC 15438): each row's
    indicators carry a third of the layout (rows, columns, error correction level) by cluster."""
    info = ((rows - 1) // 3, ec_level * 3 + (rows - 1) % 3, columns - 1)
    k = row % 3
    return 30 * (row // 3) + info[k], 30 * (row // 3) + info[(k + 2) % 3]


def clean_indicators(matrix: np.ndarray, columns: int) -> np.ndarray | None:
    """``matrix`` with every row indicator redrawn from the layout, or None (no row's fitted
    indicators name an error correction level). Why: the row and column counts are the fit's
    own, so of the indicators only the error correction level is unknown; it is voted from the
    indicators that carry it. A wrongly fitted indicator otherwise costs zxing-cpp error
    correction (booth photo hard seed 24 #13: 3 data codewords wrong, 7 indicators wrong, read
    right at UEC 0.43, below ``MIN_SPARE_EC``; with the indicators redrawn UEC 0.62)."""
    level = _ec_level(matrix, columns)
    if level is None:
        return None
    rows = len(matrix)
    out = matrix.copy()
    for r in range(rows):
        left, right = indicators(r, rows, columns, level)
        out[r, 17:34] = _pattern_bits(left, r)
        out[r, 17 * (columns + 2):17 * (columns + 3)] = _pattern_bits(right, r)
    return out


def _slot_value(matrix: np.ndarray, row: int, slot: int) -> int | None:
    """Codeword value of slot ``slot`` (0 = left row indicator) of ``row``, None when its
    pattern is no codeword of the row's cluster."""
    a = 17 + 17 * slot
    pattern = int("".join(str(int(b)) for b in matrix[row, a:a + 17]), 2)
    return _values()[row % 3].get(pattern)


def _ec_level(matrix: np.ndarray, columns: int) -> int | None:
    """The error correction level most of the fitted row indicators that carry it name."""
    rows = len(matrix)
    if not 3 <= rows <= MAX_ROWS or not 1 <= columns <= 30:
        return None
    votes: dict[int, int] = {}
    for r in range(rows):
        k = r % 3
        if k == 0:
            continue
        value = _slot_value(matrix, r, 0 if k == 1 else columns + 1)
        if value is None:
            continue
        x = value - 30 * (r // 3) - (rows - 1) % 3
        if x >= 0 and x % 3 == 0 and x // 3 <= 8:
            votes[x // 3] = votes.get(x // 3, 0) + 1
    if not votes:
        return None
    return max(votes, key=lambda v: votes[v])


MARGIN = 2    # check codewords the soft read keeps unused for correcting (see ``soft_read``)


def soft_read(matrix: np.ndarray, margins: np.ndarray, columns: int,
              unsure: np.ndarray | None = None) -> np.ndarray | None:
    """A clean module matrix from a fit whose codewords Reed-Solomon corrects here
    (``kiosk.scan.reedsolomon``, GF(929)), or None. The codewords (slots whose pattern is no
    codeword of the row's cluster erased) are decoded by errors alone, then with the 1, 2, ...
    least sure (``unsure`` slots first, then the smallest ``margins``) erased too, always
    within ``2 e + f <= k - MARGIN`` for the k check codewords of the error correction level
    the row indicators vote for; the first codeword (the symbol length descriptor) must then
    count the data codewords. The corrected codewords and the layout's indicators are drawn
    for zxing-cpp to parse.

    Why: zxing-cpp's correction is trusted only when it leaves half its capacity unused
    (``MIN_SPARE_EC``), i.e. up to ~k / 4 wrong codewords; here up to (k - 2) / 2 are. Why
    ``MARGIN`` 2: a word beyond reach passes a try only if its symbols left lie within the
    remaining radius of a codeword, a chance of about 929^-2 per try; with up to k tries per
    fit and the length descriptor's own check (~1/929) that is ~2e-8 per fit."""
    level = _ec_level(matrix, columns)
    rows = len(matrix)
    if level is None:
        return None
    nsym = 2 ** (level + 1)
    count = rows * columns
    if nsym >= count:
        return None
    word, erased = [], []
    for r in range(rows):
        for s in range(1, columns + 1):
            value = _slot_value(matrix, r, s)
            if value is None:
                erased.append(len(word))
            word.append(-1 if value is None else value)
    if len(erased) > nsym - MARGIN:
        return None
    sure = margins[:, 1:columns + 1].ravel()
    first = (np.zeros(len(sure), bool) if unsure is None
             else unsure[:, 1:columns + 1].ravel().astype(bool))
    skip = set(erased)
    order = [i for i in np.lexsort((sure, ~first)).tolist() if i not in skip]
    got = reedsolomon.decode_least_sure(word, nsym, order, MARGIN, reedsolomon.PDF417, erased)
    if got is None or got[0][0] != count - nsym:
        return None
    out = matrix.copy()
    for i, value in enumerate(got[0]):
        r, s = divmod(i, columns)
        out[r, 17 + 17 * (s + 1):34 + 17 * (s + 1)] = _pattern_bits(value, r)
    return clean_indicators(out, columns)


def render(matrix: np.ndarray, row_height: int = 3, scale: int = 2) -> np.ndarray:
    """The module matrix drawn clean (uint8, dark bars on white, quiet zone around)."""
    img = np.repeat(np.repeat(1 - matrix, row_height * scale, axis=0), scale, axis=1) * 255
    q = QUIET * scale
    return cv2.copyMakeBorder(img.astype(np.uint8), q, q, q, q, cv2.BORDER_CONSTANT, value=255)


# share of the error correction a read must leave unused (zxing-cpp's "UEC"): a symbol
# corrected up to its capacity has nothing left to check the correction with, and zxing-cpp
# reads garbage that way (booth photo issue-hard seed 24 #281 through heavy steps 1-4: UEC
# 0.0, a wrong text). Right fits of booth shots left 0.62-1.0 unused (at most 3 errors).
# Fits with more wrong codewords go through ``soft_read`` (own correction, own bound) instead.
MIN_SPARE_EC = 0.5


def read_matrix(matrix: np.ndarray) -> tuple[str, bytes] | None:
    """(text, bytes) zxing-cpp reads from the clean drawing of a module matrix, or None:
    its Reed-Solomon decoding and cluster checks judge every fit, and the correction must
    leave ``MIN_SPARE_EC`` of its capacity unused (a fit is one guess among several)."""
    found = [(text, raw) for _, text, raw in read_drawn(
        render(matrix), zxingcpp.BarcodeFormat.PDF417, min_spare_ec=MIN_SPARE_EC,
        try_rotate=True, try_downscale=True) if text]
    return found[0] if found else None


def read_fit(matrix: np.ndarray, margins: np.ndarray, columns: int) -> tuple[str, bytes] | None:
    """One fit read as drawn, with its row indicators redrawn, or by the soft read."""
    got = read_matrix(matrix)
    if got is None:
        clean = clean_indicators(matrix, columns)
        got = None if clean is None else read_matrix(clean)
    if got is None:
        corrected = soft_read(matrix, margins, columns)
        got = None if corrected is None else read_matrix(corrected)
    return got


def joint_in_reach(fitted: list[tuple[np.ndarray, np.ndarray]], columns: int) -> bool:
    """Whether the two best sigmas' fits disagree on few enough data codewords for the joint
    read (``joint_fit``) to be worth a third fit: at most twice the erasures the soft read
    may make. Why: where two fits disagree one is wrong, and the joint read erases those
    slots first. Measured (booth photos, the PDF417 that steps 1-9 miss): the one joint read
    (issue-hard seed 21 #45) came from fits disagreeing on 22 of 72 data codewords (limit 28
    at 16 check codewords); every other layout tried disagreed on 50-79%, which the check
    keeps from the third fit's cost."""
    (a, _), (b, _) = fitted[:2]
    level = _ec_level(a, columns)
    if level is None:
        return False
    rows = len(a)
    data = slice(34, 17 * (columns + 2))
    differ = (a[:, data].reshape(rows, columns, 17) != b[:, data].reshape(rows, columns, 17)
              ).any(axis=2)
    return int(differ.sum()) <= 2 * (2 ** (level + 1) - MARGIN)


def joint_fit(fitted: list[tuple[np.ndarray, np.ndarray]], columns: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(matrix, margins, unsure) from fits of one layout at several sigmas: each slot the
    pattern of the fit most sure of it, ``unsure`` where the fits disagree. Why: a sigma a
    little off blurs some slots' templates wrongly, and which slots differs with the sigma;
    where the fits disagree the choice is a guess, so those slots are erased first. Measured
    (booth photo issue-hard seed 21 #45, 1.29 px per module, sigmas 1.2 / 1.35 / 1.5): 12, 9
    and 17 wrong data codewords of 72 (beyond reach of each soft read), jointly 8 wrong of
    which 23 unsure slots hold all but 1 (in reach: 5 erased, 2 e + f = 14)."""
    stack = np.stack([m for m, _ in fitted])                  # (fits, rows, width)
    sure = np.stack([g for _, g in fitted])                  # (fits, rows, slots)
    best = np.argmax(sure, axis=0)
    rows, slots = best.shape
    matrix = stack[0].copy()
    unsure = np.zeros((rows, slots), bool)
    for r in range(rows):
        for s in range(slots):
            a = 17 + 17 * s
            matrix[r, a:a + 17] = stack[best[r, s], r, a:a + 17]
            unsure[r, s] = bool((stack[:, r, a:a + 17] != stack[0, r, a:a + 17]).any())
    return matrix, sure.max(axis=0), unsure
