"""Reading a blurred 1D bar code from averaged scan-line profiles (issue 21, heavy path).

Why: in a small, blurred badge photo a Code 128 narrow bar is 1-3 px wide and the blur (sigma
1-2 px) nearly closes the narrow spaces; zxing-cpp binarizes single rows, where sensor noise
decides. Bars are long, so once a region is turned with its bars vertical, averaging a band of
rows removes most of the noise, and what is left is a 1D signal blurred by a known kind of kernel
(defocus ~ gaussian): a few Richardson-Lucy iterations on the enlarged profile reopen the narrow
spaces. Each profile is tiled into a short image for zxing-cpp, so every read still passes its
checks (Code 128 check character, Code 39 start/stop and structure).

False-read guard: a text counts only when two different row bands of the region read it (the
in-frame form of "two attempts agree"); deblurring can invent an edge in one band, not the same
valid symbol in two.

Measured in ``bench/booth_bench.py --heavy`` (ablation row ``+heavy-noprof``).
"""
from __future__ import annotations

from typing import Callable, Iterator

import cv2
import numpy as np
import zxingcpp

from kiosk.scan.decoder import read_drawn

BAND_ROWS = 10      # rows averaged per profile (noise / ~3)
BAND_STEP = 5       # px between band starts: bands overlap by half
UPSCALE = 3         # the profile is enlarged before deblurring: sub-pixel edges for zxing
SIGMAS = (0.0, 1.5, 2.0)   # gaussian PSF sigmas tried, in frame px (scaled by UPSCALE)
ITERATIONS = 20
MIN_COHERENCE = 0.25       # gradient orientation coherence: below it the region has no bars
MAX_BANDS = 12
VOTES = 2


def orientation(gray: np.ndarray) -> tuple[float, float]:
    """(angle in degrees that turns the dominant gradient horizontal, coherence 0..1): the
    structure tensor of the whole patch; a bar code is one strong orientation."""
    g = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), 1.0)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1)
    sxx, syy, sxy = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    angle = 0.5 * float(np.degrees(np.arctan2(2 * sxy, sxx - syy)))
    coherence = float(np.hypot(sxx - syy, 2 * sxy) / (sxx + syy + 1e-6))
    return angle, coherence


def upright(gray: np.ndarray, rect: tuple[tuple[float, float], tuple[float, float], float],
            orient: Callable[[np.ndarray], tuple[float, float]] | None = None,
            border: int = cv2.BORDER_REPLICATE) -> tuple[np.ndarray, float]:
    """The region ``rect`` (a ``cv2.minAreaRect``) cut square and turned so its bars stand
    vertical, with the orientation coherence; ``orient`` replaces ``orientation``, ``border``
    the fill beyond the frame (its replicated edge rows streak across the crop)."""
    (cx, cy), (rw, rh), _ = rect
    box = cv2.boxPoints(rect)
    x0, y0 = np.maximum(box.min(axis=0) - 8, 0).astype(int)
    x1, y1 = np.minimum(box.max(axis=0) + 8, (gray.shape[1], gray.shape[0])).astype(int)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return gray[:0, :0], 0.0
    angle, coherence = (orient or orientation)(gray[y0:y1, x0:x1])
    side = int(max(rw, rh) * 1.4 + 24)
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[0, 2] += side / 2 - cx
    matrix[1, 2] += side / 2 - cy
    turned = cv2.warpAffine(gray, matrix, (side, side), flags=cv2.INTER_CUBIC,
                            borderMode=border)
    return turned, coherence


def bands(turned: np.ndarray) -> Iterator[np.ndarray]:
    """Mean profiles of overlapping row bands across the bars, cut to the bars plus a quiet
    zone: rows whose strongest horizontal-edge stretch is at least half the best row's."""
    f = turned.astype(np.float32)
    gx = np.abs(cv2.Sobel(cv2.GaussianBlur(f, (0, 0), 1.0), cv2.CV_32F, 1, 0))
    row_energy = np.convolve(cv2.blur(gx, (15, 1)).max(axis=1), np.ones(5) / 5, "same")
    rows = np.flatnonzero(row_energy > 0.5 * row_energy.max()) if row_energy.max() > 0 else []
    if len(rows) == 0:
        return
    top, bottom = int(rows.min()), int(rows.max())
    column_energy = np.convolve(gx[top:bottom + 1].mean(axis=0), np.ones(9) / 9, "same")
    cols = np.flatnonzero(column_energy > 0.25 * column_energy.max())
    left, right = int(cols.min()), int(cols.max())
    pad = int(0.15 * (right - left)) + 10
    left, right = max(0, left - pad), min(f.shape[1], right + pad)
    starts = list(range(top, max(top + 1, bottom - BAND_ROWS + 2), BAND_STEP))[:MAX_BANDS]
    for y in starts:
        yield f[y:y + BAND_ROWS, left:right].mean(axis=0)


def richardson_lucy_1d(profile: np.ndarray, sigma: float, iterations: int) -> np.ndarray:
    """Richardson-Lucy deconvolution of a positive 1D signal by a gaussian PSF."""
    x = np.arange(-int(4 * sigma) - 1, int(4 * sigma) + 2)
    kernel = np.exp(-x ** 2 / (2 * sigma ** 2))
    kernel /= kernel.sum()
    observed = profile - profile.min() + 5.0
    estimate = observed.copy()
    for _ in range(iterations):
        blurred = np.maximum(np.convolve(estimate, kernel, "same"), 1e-6)
        estimate *= np.convolve(observed / blurred, kernel, "same")
    return estimate


def read_profile(profile: np.ndarray, formats: tuple) -> list[tuple[str, str, bytes]]:
    """(format name, text, bytes) zxing-cpp reads from the profile, trying the PSF sigmas in
    turn; [] when none reads."""
    up = cv2.resize(profile[None].astype(np.float32), (len(profile) * UPSCALE, 1),
                    interpolation=cv2.INTER_CUBIC)[0].astype(np.float64)
    for sigma in SIGMAS:
        signal = richardson_lucy_1d(up, sigma * UPSCALE, ITERATIONS) if sigma else up
        lo, hi = np.percentile(signal, 2), np.percentile(signal, 98)
        line = np.clip((signal - lo) / max(hi - lo, 1e-6) * 255, 0, 255).astype(np.uint8)
        tile = cv2.copyMakeBorder(np.tile(line, (16, 1)), 0, 0, 24, 24, cv2.BORDER_REPLICATE)
        for binarizer in (zxingcpp.Binarizer.GlobalHistogram, zxingcpp.Binarizer.LocalAverage):
            out = read_drawn(tile, formats, binarizer=binarizer, try_invert=False)
            if out:
                return out
    return []


def read_region(gray: np.ndarray, rect: tuple[tuple[float, float], tuple[float, float], float],
                formats: tuple) -> list[tuple[str, str, bytes]]:
    """Reads two row bands of the region agree on, [] otherwise (see the module docstring)."""
    turned, coherence = upright(gray, rect)
    if coherence < MIN_COHERENCE or turned.size == 0:
        return []
    votes: dict[tuple[str, str, bytes], int] = {}
    for profile in bands(turned):
        for read in set(read_profile(profile, formats)):
            votes[read] = votes.get(read, 0) + 1
            if votes[read] >= VOTES:
                return [read]
    return []
