"""A model-based QR reader for codes too small and blurred for zxing-cpp to even detect (issue
21): at 2-3.5 frame px per module with defocus blur of 1-2 px, zxing's binarizer loses the one
module wide white ring of the finder patterns, so it finds no finder and has nothing to decode.

Instead of binarizing first, this module fits the QR *model* to the grey image:
1. finder patterns are found by normalized cross-correlation with blurred, rendered finder
   templates (several module sizes and rotations) inside a candidate region; a matched filter
   survives blur that a binarizer does not;
2. triples of finder peaks forming a (perspective-skewed) right isosceles triangle give the
   code's frame; for each plausible version (the finder distance in modules is 10 + 4v; every
   version whose implied module size is within ``VERSION_SLACK`` of the matched template's:
   the templates' sizes are coarse, and a span guess +- 1 missed the right version of 2.1-2.4
   px/module codes, e.g. v13 said for a v9: +1 QR on the issue-ranged band of seed 24), a
   homography from module space to the image is refined by maximizing the correlation of the
   image with every module whose value the standard fixes (finders, separators, timing,
   alignment patterns, version information, the quiet zone ring); the two best geometries
   at distinct places get a module fit (``SAME_PLACE``: the same finders as the runner-up
   version cost a fit and never read a miss of the best: hard band seed 21, 39 -> 28 fits on
   the QR misses, same reads); when a place's fit does not read, its geometry is refined on
   with more passes (``FAR_PASSES``) and fitted again if a control point moved: the 4th point
   starts on the parallelogram of the finders, and on a tilted v9 three passes per step left it
   several modules short (issue-hard seed 21 #16: 294 wrong modules, 87 after); always
   refining further instead lost another v9 (issue-hard seed 24 #40), so both are fitted, the
   shorter first (QR, issue-hard and hard seeds 21 and 24: +1 / +1 read, the rest unchanged,
   no false read, 60 empty frames nothing; hard QR shots left to the heavy path +11 % cpu);
3. each module's value comes from a least-squares fit of the image under a blur model
   (``fit_modules``); thresholded at 0.5, the fixed modules written back, a clean QR is
   rendered and decoded by zxing-cpp;
4. when that fails, the soft read (``kiosk.scan.qrsymbol``): at 2-3 px per module a v4-v9
   code comes out with tens of wrong modules, more than Reed-Solomon corrects by errors alone,
   but the fit also says how sure it is of each module (how far from 0.5, how much the
   residual grows if the module alone took the other value), so the least sure codewords of a
   block are declared erasures and corrected within ``2 e + f <= n - k - 2``; the corrected
   codewords are placed into a clean matrix for zxing-cpp. Booth bench (seed 24, hard band):
   3 more QR read; seed 21: none, its misses have 11-25 wrong codewords per 16-check block and
   their wrong modules are as sure as the right ones (the fit errs in collective runs that the
   blur makes near-invisible), so no reliability measure tried (value, flip cost, agreement of
   fits at other blurs) ranks them first.
   When some blocks decode and others do not, the soft read goes on in rounds
   (``read_soft``): the decoded blocks' modules and the format are held fixed and the
   modules fitted again. The blocks are interleaved, so those modules sit beside every
   other block's and the blur model pins their neighbours: issue-hard seed 21 #41 (v6, 76
   wrong modules, 1 of 4 blocks) -> 3 of 4 blocks, 37 wrong -> all 4. QR on the issue-hard
   and hard bands, seeds 21 and 24: +4 reads (issue-hard 21 #41, 24 #42; hard 21 #41, 24
   #50), none lost, no false read; 300 empty frames read nothing, and on 138 frames
   without a QR no block ever decoded, so the rounds never started.
Measured and not kept (hard seed 21, misses at 1.7-2.6 px/module, wrong modules against the
segno matrix of the truth): refitting the 4 control points by Gauss-Newton against the whole
fitted model (every module, not the fixed ones only) and refitting the modules moves the counts
by +-10% either way (e.g. 115 -> 122, 178 -> 161) and the reads by +-1 over hard/issue-hard
seeds 21 and 24, net 0; a per-code blur chosen by the residual picks wider blurs that err more
(99 -> 148), and at the true geometry 0.65 modules is already about the best blur; flipping
modules that lower the residual (ICM) adds errors. The misses are at the model's optimum: the
same shots rendered without sensor noise and JPEG drop to 18-70 wrong (0005: 115 -> 18), and
the hard band's motion smear holds the rest (0293: 65 -> 0 without it), which an anisotropic
gaussian blur in module space did not capture.
So every read still passes the QR format information's BCH code and Reed-Solomon, exactly as a
plain zxing read does, plus the two unused check symbols per block of step 4; nothing here
invents a payload. Functional core: numpy/cv2 only.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Iterator

import cv2
import numpy as np
import zxingcpp

from kiosk.scan import qrsymbol
from kiosk.scan.decoder import read_drawn
from kiosk.scan.qrsymbol import function_modules

MODULE_SIZES = (1.6, 1.9, 2.25, 2.65, 3.1, 3.65, 4.3)  # frame px per module tried
HALF_RES_MODULE = 2.6                # px per module from which finders are matched at half size
ANGLES = (0.0, 22.5, 45.0, 67.5)     # a finder is symmetric under 90 degrees
TEMPLATE_BLUR = 1.2                  # px: the matched filter assumes a typical booth defocus
MIN_PEAK = 0.35                      # NCC a finder peak must reach
MAX_PEAKS = 8                        # per module size
MAX_TRIPLES = 16                     # geometrically distinct triples scored by the model
MAX_REFINE = 4                       # (triple, version) starts refined
MAX_VERSION = 10
VERSION_SLACK = 1.5                  # versions tried for a triple: those whose px per module is
#                                      within this factor of the finder template's; the template
#                                      sizes are coarse and tilt biases them (at 2.1-2.4 px per
#                                      module, triples said v8 for v6 and v13 for v9: outside the
#                                      former span guess +- 1, so the right version never ran)
MAX_REGIONS = 3                      # candidate regions fitted per frame
MAX_FITS = 2                         # module fits per frame (30-300 ms each, by version)
MAX_ASPECT = 2.0                     # longer/shorter side of a region worth fitting
GROW = 1.35                          # candidate region grown by this factor (quiet zone)
RENDER_PX = 4                        # px per module of the rendered clean code
K_PX = 3                             # px per module of the fitted module space
PAD = 2                              # quiet-zone modules around the code in the fit
FIT_ROUNDS = 6
BINARY_PUSH = 0.02
FIT_STEPS = 40
PLACES = 2                           # best distinct places a region's module fit tries
FIT_BLUR = 0.65                      # blur (modules) of the module fit's model
FAR_PASSES = 8                       # a place's geometry refined on with this many passes
FAR_MOVE = 0.5                       # ... is fitted too when a point moved this far (modules)
SOFT_ROUNDS = 4                      # soft reads of a fit, each after a refit holding the
#                                      blocks decoded so far (``read_soft``)
MIN_START = 0.4                      # fixed-module correlation of an unrefined start to refine it
MIN_FIT = 0.55                       # ... and of a refined geometry to fit its modules
SAME_PLACE = 2.0                     # template modules: refined finders this close are one place


@dataclass(frozen=True)
class GridRead:
    """A decoded QR: zxing's result on the rendered code and the code's corners in the frame."""

    text: str
    raw: bytes
    corners: tuple[tuple[int, int], ...]


@lru_cache(maxsize=64)
def _template(module: float, angle: float) -> np.ndarray:
    """A finder pattern with its one-module white ring, ``module`` px per module, rotated by
    ``angle`` degrees, area-sampled and blurred by the typical defocus (float32)."""
    size = int(np.ceil(9 * module)) | 1
    ss = 4
    c = (size - 1) / 2
    idx = (np.arange(size * ss) + 0.5) / ss - 0.5 - c
    y, x = np.meshgrid(idx, idx, indexing="ij")
    a = np.radians(angle)
    u = (x * np.cos(a) + y * np.sin(a)) / module
    v = (-x * np.sin(a) + y * np.cos(a)) / module
    r = np.maximum(np.abs(u), np.abs(v))
    val = np.where(r < 1.5, 0.0, np.where(r < 2.5, 1.0, np.where(r < 3.5, 0.0,
                                                                 np.where(r < 4.5, 1.0, 0.5))))
    img = val.reshape(size, ss, size, ss).mean(axis=(1, 3)).astype(np.float32)
    return cv2.GaussianBlur(img, (0, 0), TEMPLATE_BLUR)


# -- 1. finder patterns --------------------------------------------------------------------------
def finder_peaks(crop: np.ndarray, max_module: float = 99.0) -> list[tuple[float, float, float,
                                                                            float]]:
    """(x, y, module px, score) of finder-pattern candidates in a grey crop: the best peaks of
    each module size (NCC is not comparable across template sizes: a small template matches
    any dark blob, so sizes do not compete; the triangle test and the model fit decide)."""
    full = crop.astype(np.float32)
    half = cv2.resize(full, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    peaks: list[tuple[float, float, float, float]] = []
    for module in MODULE_SIZES:
        if module > max_module:
            break
        # big modules are matched at half resolution: a quarter of the work, same peaks
        f = 2 if module >= HALF_RES_MODULE else 1
        img = half if f == 2 else full
        h, w = img.shape
        resp = None
        for angle in ANGLES:
            t = _template(module / f, angle)
            if t.shape[0] >= min(h, w):
                break
            r = cv2.matchTemplate(img, t, cv2.TM_CCOEFF_NORMED)
            resp = r if resp is None else np.maximum(resp, r)
        if resp is None:
            continue
        off = (_template(module / f, 0.0).shape[0] - 1) / 2
        peaks += [((x + off) * f + (f - 1) / 2, (y + off) * f + (f - 1) / 2, module, s)
                  for x, y, s in _local_maxima(resp, module / f)]
    return peaks


def _local_maxima(resp: np.ndarray, module: float) -> list[tuple[float, float, float]]:
    """(x, y, score) of the strongest NCC maxima at least 3 modules apart, sub-pixel."""
    radius = max(2, int(round(1.5 * module)))
    dil = cv2.dilate(resp, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1,) * 2))
    ys, xs = np.nonzero((resp >= dil) & (resp >= MIN_PEAK))
    order = np.argsort(-resp[ys, xs])
    h, w = resp.shape
    out: list[tuple[float, float, float]] = []
    for i in order:
        y, x = int(ys[i]), int(xs[i])
        if any((px - x) ** 2 + (py - y) ** 2 < (3 * module) ** 2 for px, py, _ in out):
            continue
        dx = dy = 0.0
        c_ = resp[y, x]
        if 0 < x < w - 1:  # sub-pixel: parabola through the neighbours
            l_, r_ = resp[y, x - 1], resp[y, x + 1]
            if l_ - 2 * c_ + r_ < 0:
                dx = float(np.clip(0.5 * (l_ - r_) / (l_ - 2 * c_ + r_), -0.5, 0.5))
        if 0 < y < h - 1:
            t_, b_ = resp[y - 1, x], resp[y + 1, x]
            if t_ - 2 * c_ + b_ < 0:
                dy = float(np.clip(0.5 * (t_ - b_) / (t_ - 2 * c_ + b_), -0.5, 0.5))
        out.append((x + dx, y + dy, float(c_)))
        if len(out) >= MAX_PEAKS:
            break
    return out


def finder_triples(peaks: list[tuple[float, float, float, float]]
                   ) -> list[tuple[np.ndarray, float, float]]:
    """(3x2 array top-left, top-right, bottom-left centres; module px; score), best first: peaks
    of neighbouring template sizes whose triangle is right-angled and isosceles within what
    perspective allows, with a finder distance of 10 + 4v modules for some version v."""
    if len(peaks) < 3:
        return []
    arr = np.array(peaks, np.float64)
    sizes = sorted(set(arr[:, 2]))
    trios: set[tuple[int, int, int]] = set()
    for lo, hi in zip(sizes, sizes[1:] + sizes[-1:]):
        pool = np.nonzero((arr[:, 2] == lo) | (arr[:, 2] == hi))[0]
        trios.update(combinations(pool.tolist(), 3))
    if not trios:
        return []
    idx = np.array(sorted(trios))
    pts = arr[idx][:, :, :2]                                   # T x 3 x 2
    sides = np.stack([np.linalg.norm(pts[:, (k + 1) % 3] - pts[:, (k + 2) % 3], axis=1)
                      for k in range(3)], 1)
    corner = np.argmax(sides, axis=1)                          # opposite the longest side
    rows = np.arange(len(idx))
    a = pts[rows, corner]
    b = pts[rows, (corner + 1) % 3]
    c = pts[rows, (corner + 2) % 3]
    ab, ac = b - a, c - a
    la, lc = np.linalg.norm(ab, axis=1), np.linalg.norm(ac, axis=1)
    cos = (ab * ac).sum(axis=1) / np.maximum(la * lc, 1e-9)
    module = arr[idx][:, :, 2].mean(axis=1)
    span = (la + lc) / 2 / module                              # = 10 + 4 v modules
    ok = (np.maximum(la, lc) <= 1.45 * np.minimum(la, lc)) & (np.abs(cos) <= 0.42) \
        & (span >= 11.0) & (span <= (10 + 4 * MAX_VERSION) * 1.3)
    score = arr[idx][:, :, 3].sum(axis=1) - np.abs(cos) - np.abs(la - lc) / np.maximum(la, lc)
    flip = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0] < 0      # image y points down
    kept: list[tuple[np.ndarray, float, float]] = []
    for t in np.nonzero(ok)[0][np.argsort(-score[ok])]:
        tri = np.array([a[t], c[t], b[t]] if flip[t] else [a[t], b[t], c[t]])
        if any(np.abs(tri - k[0]).max() < 2 * module[t] for k in kept):
            continue  # the same finders at a neighbouring template size: keep the best
        kept.append((tri, float(module[t]), float(score[t])))
        if len(kept) >= MAX_TRIPLES:
            break
    return kept


# -- 2. geometry ---------------------------------------------------------------------------------
def _control_modules(version: int) -> np.ndarray:
    """Module-space points matched to the 4 control points (finder centres + 4th corner)."""
    n = 17 + 4 * version
    fourth = n - 6.5 if version >= 2 else n - 3.5   # bottom-right alignment pattern centre
    return np.array([[3.5, 3.5], [n - 3.5, 3.5], [3.5, n - 3.5], [fourth, fourth]], np.float32)


@lru_cache(maxsize=16)
def _scored_modules(version: int) -> tuple[np.ndarray, np.ndarray]:
    """(module centres (K x 2, x/y), expected light 0/1) for the fixed modules plus the
    quiet-zone ring around the code."""
    known, dark = function_modules(version)
    n = known.shape[0]
    rows, cols = np.nonzero(known)
    pts = [np.stack([cols + 0.5, rows + 0.5], axis=1)]
    vals = [(~dark[rows, cols]).astype(np.float32)]
    ring = [(-0.5, j + 0.5) for j in range(-1, n + 1)] + [(n + 0.5, j + 0.5)
                                                          for j in range(-1, n + 1)]
    ring += [(j + 0.5, -0.5) for j in range(n)] + [(j + 0.5, n + 0.5) for j in range(n)]
    pts.append(np.array(ring, np.float64))
    vals.append(np.ones(len(ring), np.float32))
    return np.concatenate(pts).astype(np.float32), np.concatenate(vals)


def _sample(img: np.ndarray, pts: np.ndarray) -> np.ndarray:
    m = pts.reshape(1, -1, 2).astype(np.float32)
    return cv2.remap(img, m[..., 0], m[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)[0]


def _fit_score(img: np.ndarray, control: np.ndarray, version: int) -> float:
    hom = cv2.getPerspectiveTransform(_control_modules(version), control.astype(np.float32))
    pts, expect = _scored_modules(version)
    got = _sample(img, cv2.perspectiveTransform(pts[None], hom)[0])
    got = got - got.mean()
    e = expect - expect.mean()
    return float((got * e).sum() / (np.sqrt((got * got).sum() * (e * e).sum()) + 1e-6))


def refine(img: np.ndarray, control: np.ndarray, version: int, module: float,
           passes: int = 3) -> tuple[np.ndarray, float]:
    """Coordinate descent of the 4 control points (image px) on the fixed-module correlation,
    at most ``passes`` passes per step size (a pass that moves nothing ends the step)."""
    control = control.astype(np.float32).copy()
    score = _fit_score(img, control, version)
    for step in (0.6 * module, 0.3 * module, 0.15 * module):
        for _ in range(passes):
            moved = False
            for p in range(4):
                for dx, dy in ((step, 0), (-step, 0), (0, step), (0, -step)):
                    trial = control.copy()
                    trial[p] += (dx, dy)
                    s = _fit_score(img, trial, version)
                    if s > score:
                        control, score, moved = trial, s, True
            if not moved:
                break
    return control, score


def _geometries(img: np.ndarray, places: list[tuple[int, np.ndarray, float]]
                ) -> Iterator[tuple[int, np.ndarray]]:
    """(version, control points) to fit, in order: each place's refined geometry, then (only
    when that fit did not read, as this is a generator) the same geometry refined further
    (``FAR_PASSES``) when that moves a control point by more than ``FAR_MOVE`` modules."""
    for version, control, module in places:
        yield version, control
        far, _ = refine(img, control, version, module, FAR_PASSES)
        if np.abs(far - control).max() > FAR_MOVE * module:
            yield version, far


def initial_control(triple: np.ndarray, version: int) -> np.ndarray:
    """The three finder centres plus the 4th control point by the affine (parallelogram) map."""
    src = _control_modules(version)
    affine = cv2.getAffineTransform(src[:3], triple.astype(np.float32))
    fourth = affine @ np.array([src[3, 0], src[3, 1], 1.0])
    return np.vstack([triple, fourth[None]]).astype(np.float32)


# -- 3. module values ---------------------------------------------------------------------------
def module_space(img: np.ndarray, control: np.ndarray, version: int) -> np.ndarray:
    """The code and ``PAD`` modules of quiet zone warped to ``K_PX`` px per module (float32)."""
    n = 17 + 4 * version
    hom = cv2.getPerspectiveTransform(_control_modules(version), control.astype(np.float32))
    shift = np.array([[1 / K_PX, 0, 0.5 / K_PX - PAD], [0, 1 / K_PX, 0.5 / K_PX - PAD],
                      [0, 0, 1]])
    size = (n + 2 * PAD) * K_PX
    return cv2.warpPerspective(img, hom @ shift, (size, size),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)


@lru_cache(maxsize=4)
def _poly_basis(size: int) -> np.ndarray:
    g = (np.arange(size, dtype=np.float32) + 0.5) / size - 0.5
    yy, xx = np.meshgrid(g, g, indexing="ij")
    basis = np.stack([np.ones_like(xx), xx, yy, xx * xx, yy * yy, xx * yy], -1).reshape(-1, 6)
    basis.setflags(write=False)
    return basis


def fit_modules(warped: np.ndarray, version: int, blur: float) -> np.ndarray:
    """The module values of ``fit_modules_cost``."""
    return fit_modules_cost(warped, version, blur)[0]


def fit_modules_cost(warped: np.ndarray, version: int, blur: float,
                     known_more: tuple[np.ndarray, np.ndarray] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(module values, flip costs), both N x N. Least-squares module values (1 = light) of
    the model ``warped = A + B * gauss(render(x), blur)``: the modules rendered at ``K_PX`` px,
    blurred by a gaussian of ``blur`` modules, under illumination ``A`` (offset) and ``B``
    (contrast) that vary smoothly (quadratic in x and y: hall light gradients, vignetting,
    glare flanks). Alternates a linear fit of A, B with projected (FISTA) gradient steps on x
    in [0, 1]; the fixed modules (and the quiet zone) stay at their known value, which anchors
    both. Modules are black or white: a push away from 0.5 that grows over the rounds
    (``BINARY_PUSH``) makes the fit prefer binary explanations (measured on the missed
    hard-band codes: a v6 code's module errors 47 -> 18). ``known_more``: (known, dark) N x N,
    more modules held fixed (the soft read's decoded blocks, ``read_soft``)."""
    n = 17 + 4 * version
    size = n + 2 * PAD
    known = np.ones((size, size), bool)
    light = np.ones((size, size), np.float32)
    fixed, dark = function_modules(version)
    if known_more is not None:
        fixed, dark = fixed | known_more[0], np.where(known_more[0], known_more[1], dark)
    known[PAD:PAD + n, PAD:PAD + n] = fixed
    light[PAD:PAD + n, PAD:PAD + n] = ~dark
    sigma = blur * K_PX
    px = size * K_PX

    def up(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(cv2.resize(x, (px, px), interpolation=cv2.INTER_NEAREST),
                                (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)

    def down(r: np.ndarray) -> np.ndarray:
        blurred = cv2.GaussianBlur(r, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
        return cv2.resize(blurred, (size, size), interpolation=cv2.INTER_AREA) * K_PX * K_PX

    centres = cv2.resize(warped, (size, size), interpolation=cv2.INTER_AREA)
    x = (centres > cv2.GaussianBlur(centres, (0, 0), 3.0)).astype(np.float32)
    x[known] = light[known]
    basis = _poly_basis(px)
    target = warped.reshape(-1)
    for round_ in range(FIT_ROUNDS):
        push = BINARY_PUSH * round_ / (FIT_ROUNDS - 1)
        model = up(x).reshape(-1, 1)
        design = np.concatenate([basis, basis * model], 1)
        normal = design.T @ design + 1e-3 * np.eye(12, dtype=np.float32)
        coef = np.linalg.solve(normal, design.T @ target)
        offset = (basis @ coef[:6]).reshape(px, px)
        gain = (basis @ coef[6:]).reshape(px, px)
        step = 1.0 / (float((gain ** 2).max()) * K_PX * K_PX + 1e-6)
        y, prev, t = x.copy(), x.copy(), 1.0
        for _ in range(FIT_STEPS):
            grad = down(gain * (offset + gain * up(y) - warped))
            nxt = np.clip(y - step * grad + push * (y - 0.5), 0.0, 1.0)
            nxt[known] = light[known]
            t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
            y = nxt + (t - 1) / t_next * (nxt - prev)
            prev, t = nxt, t_next
        x = prev
    # flip cost: how much the squared residual grows if a module alone took the other value
    # (d = 1 - 2x); a wrong module the push pinned to 0 or 1 still costs little to flip
    model = offset + gain * up(x)
    delta = 1.0 - 2.0 * x
    impulse = np.zeros((size, size), np.float32)
    impulse[size // 2, size // 2] = 1.0
    energy = float((up(impulse) ** 2).sum())
    gain_m = cv2.resize(gain, (size, size), interpolation=cv2.INTER_AREA)
    cost = 2 * delta * down(gain * (model - warped)) + delta ** 2 * gain_m ** 2 * energy
    return x[PAD:PAD + n, PAD:PAD + n], cost[PAD:PAD + n, PAD:PAD + n]


def render(matrix: np.ndarray) -> np.ndarray:
    """A clean uint8 QR image: black modules, 4-module quiet zone, ``RENDER_PX`` px each."""
    img = np.where(matrix, 0, 255).astype(np.uint8)
    img = np.pad(img, 4, constant_values=255)
    return np.repeat(np.repeat(img, RENDER_PX, axis=0), RENDER_PX, axis=1)


def decode_matrix(matrix: np.ndarray) -> tuple[str, bytes] | None:
    """zxing-cpp on the rendered code: (text, bytes) only for a valid (checksummed) read."""
    found = read_drawn(render(matrix), zxingcpp.BarcodeFormat.QRCode)
    return (found[0][1], found[0][2]) if found else None


def read_soft(warped: np.ndarray, version: int, values: np.ndarray, costs: np.ndarray
              ) -> tuple[str, bytes] | None:
    """Step 4's soft read, in rounds: when some RS blocks decode and others do not, the decoded
    blocks' modules (and the format's) are held fixed and the modules fitted again, at most
    ``SOFT_ROUNDS`` reads in all. The blocks are interleaved, so a decoded block's modules lie
    beside every other block's, and the blur model then pins their neighbours (issue-hard
    seed 21 #41, v6: 1 of 4 blocks decoded, 76 wrong modules; refitted, 3 of 4 and 37 wrong;
    then all 4 and 0). Every block still has to pass its own RS decode within the margin."""
    known = 0
    for round_ in range(SOFT_ROUNDS):
        got = qrsymbol.read_blocks(values, version, costs)
        if got is None or not any(got.decoded):
            return None
        if got.complete:
            return decode_matrix(got.matrix())
        more = got.known_modules()
        if round_ == SOFT_ROUNDS - 1 or int(more[0].sum()) <= known:
            return None
        known = int(more[0].sum())
        values, costs = fit_modules_cost(warped, version, FIT_BLUR, more)
    return None


def read_frame(gray: np.ndarray, rects: list, quads: list[np.ndarray], erasures: bool = True,
               fitted: list[np.ndarray] | None = None) -> GridRead | None:
    """The model fit on the frame's candidate regions: the gradient-energy rectangles, then the
    light quadrilaterals (the white field around a code, found even when the code is too soft
    to make an energy blob) that do not lie in one of them; at most ``MAX_REGIONS``.
    ``fitted``: the corners (4 x 2, frame px) of every QR whose modules were fitted are
    appended, read or not: a QR is there, so the bar code steps need not look."""
    regions = list(rects)
    for quad in quads:
        centre = tuple(float(v) for v in quad.mean(axis=0))
        if not any(cv2.pointPolygonTest(cv2.boxPoints(r), centre, False) >= 0 for r in regions):
            regions.append(cv2.minAreaRect(quad.astype(np.float32)))
    budget = [MAX_FITS]
    for rect in regions[:MAX_REGIONS]:
        got = read_region(gray, rect, budget, erasures, fitted)
        if got is not None:
            return got
    return None


def read_region(gray: np.ndarray, rect: tuple[tuple[float, float], tuple[float, float], float],
                budget: list[int] | None = None, erasures: bool = True,
                fitted: list[np.ndarray] | None = None) -> GridRead | None:
    """The QR model fitted inside a candidate rotated rectangle of the frame; None: no read.
    ``budget``: module fits left for the frame (decremented; the fits are the costly part);
    ``erasures``: when the thresholded fit does not decode, the soft read (step 4);
    ``fitted``: gets the frame corners of each geometry whose modules were fitted."""
    budget = [PLACES] if budget is None else budget
    (cx, cy), (rw, rh), _ = rect
    if max(rw, rh) > MAX_ASPECT * min(rw, rh):
        return None  # a PDF417 / 1D region: a QR stays square-ish under the booth's tilt
    half = max(rw, rh) * GROW / 2
    x0, y0 = max(0, int(cx - half)), max(0, int(cy - half))
    x1, y1 = min(gray.shape[1], int(cx + half)), min(gray.shape[0], int(cy + half))
    if x1 - x0 < 24 or y1 - y0 < 24:
        return None
    crop = gray[y0:y1, x0:x1]
    max_module = min(rw, rh) / 21 * 1.25
    peaks = finder_peaks(crop, max_module)
    if len(peaks) < 3:
        return None
    raw = crop.astype(np.float32)
    img = cv2.GaussianBlur(raw, (0, 0), 0.6)
    starts = []
    for triple, module, _ in finder_triples(peaks):
        span = (np.linalg.norm(triple[1] - triple[0]) + np.linalg.norm(triple[2] - triple[0])) \
            / 2 / module
        for version in range(1, MAX_VERSION + 1):
            implied = span * module / (10 + 4 * version)   # px per module were it this version
            if not module / VERSION_SLACK <= implied <= module * VERSION_SLACK:
                continue
            control = initial_control(triple, version)
            starts.append((_fit_score(img, control, version), version, control, module))
    starts.sort(key=lambda f: -f[0])
    fits: list[tuple[float, int, np.ndarray, float]] = []
    for start, version, control, module in starts[:MAX_REFINE]:
        if start < MIN_START:
            break
        control, score = refine(img, control, version, module)
        if score >= MIN_FIT:
            fits.append((score, version, control, module))
    fits.sort(key=lambda f: -f[0])
    # the runner-up must be another place, not the same finders at a neighbouring version:
    # that one never read a code the best missed (booth bench, QR misses of hard and
    # issue-hard seeds 21 and 24: 0 of ~110) and cost a module fit (30-300 ms) each time
    places: list[tuple[int, np.ndarray, float]] = []
    for _, version, control, module in fits:
        if not any(np.abs(control[:3] - c[:3]).max() < SAME_PLACE * module
                   for _, c, _ in places):
            places.append((version, control, module))
    # bounded work: the best place, then the best elsewhere (each fit is 30-300 ms, by version)
    for version, control in _geometries(img, places[:PLACES]):
        if budget[0] <= 0:
            break
        budget[0] -= 1
        warped = module_space(raw, control, version)
        values, costs = fit_modules_cost(warped, version, FIT_BLUR)
        got = decode_matrix(values < 0.5)
        if got is None and erasures:   # too many wrong modules for RS alone: erase the least sure
            got = read_soft(warped, version, values, costs)
        n = 17 + 4 * version
        hom = cv2.getPerspectiveTransform(_control_modules(version), control)
        quad = np.array([[[0, 0], [n, 0], [n, n], [0, n]]], np.float32)
        corners = cv2.perspectiveTransform(quad, hom)[0] + (x0, y0)
        if fitted is not None:
            fitted.append(corners)
        if got is not None:
            return GridRead(got[0], got[1],
                            tuple((int(round(x)), int(round(y))) for x, y in corners))
    return None
