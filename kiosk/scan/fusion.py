"""Reading a badge from several frames (issue 21): a badge held in front of the camera gives many
noisy views of the same code, so the heavy path aligns the last few rectified crops of the code
region and decodes their mean, where sensor noise has fallen with the square root of the frame
count. A read made this way (or by the single-frame heavy path) counts only once two attempts
on different frames agree: the cheap pipeline's reads stay immediate, the effortful ones must
repeat, which keeps zero false reads a rule rather than a hope.

Pure of threads and clocks: ``FrameFusion.add(gray)`` per frame, ``Agreement.confirm(codes)``
per attempt; ``kiosk.scan.live`` runs them in a background worker.
"""
from __future__ import annotations

from collections import deque
from dataclasses import replace

import cv2
import numpy as np

from kiosk.scan.decoder import Code, Decoder, unique_codes, to_gray
from kiosk.scan.heavy import HeavyOptions, candidate_quads, heavy_decode

FUSE_FRAMES = 5        # frames kept: noise / sqrt(5) ~ 0.45, while hand motion stays small
MIN_MATCH = 0.5        # normalised correlation after alignment below this: not the same view
WINDOW_MARGIN = 0.3    # the candidate regions' bounding box grown by this fraction per side
MAX_WINDOW = 900       # px cap of the window's long side (a whole 1280x720 frame costs ECC time)
_ALIGN_SIZE = 96       # px of the short side the similarity is measured at
DEBLUR_MIN_FUSED = 3   # the heavy path's deconvolution step only on a mean of >= 3 frames:
                       # it amplifies noise, and on fewer frames it cost a noise-limited badge
                       # a later read (tests/scan/test_booth_bench.py: 0.33 s -> 0.6 s)


def _small(img: np.ndarray) -> np.ndarray:
    scale = _ALIGN_SIZE / max(1, min(img.shape[:2]))
    return cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    return float(cv2.matchTemplate(a, b, cv2.TM_CCOEFF_NORMED)[0, 0])


def align(reference: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, float]:
    """``image`` (the same window cut from an earlier frame, so off by the hand's tremor only:
    a few px and a degree) warped onto ``reference`` by the rigid motion that maximises their
    enhanced correlation (OpenCV's ECC, sub-pixel), found on half-size, smoothed copies so
    noise does not steer it; returns (aligned, similarity), similarity the normalised
    correlation after alignment (1 = identical), 0 when ECC does not converge."""
    h, w = reference.shape[:2]
    ref_half = cv2.GaussianBlur(cv2.pyrDown(reference), (0, 0), 1.5).astype(np.float32)
    img_half = cv2.GaussianBlur(cv2.pyrDown(image), (0, 0), 1.5).astype(np.float32)
    warp = np.eye(2, 3, dtype=np.float32)
    try:
        _, warp = cv2.findTransformECC(ref_half, img_half, warp, cv2.MOTION_EUCLIDEAN,
                                       (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-4),
                                       None, 1)
    except cv2.error:
        return image, 0.0
    warp[:, 2] *= 2.0  # half-size translation -> full size
    if abs(warp[0, 2]) > w / 4 or abs(warp[1, 2]) > h / 4:
        return image, 0.0
    aligned = cv2.warpAffine(image, warp, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REPLICATE)
    score = _ncc(cv2.GaussianBlur(_small(reference), (0, 0), 1.0).astype(np.float32),
                 cv2.GaussianBlur(_small(aligned), (0, 0), 1.0).astype(np.float32))
    return aligned, score


def _window(quads: list[np.ndarray], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the candidates' bounding box, grown, clipped, capped in size."""
    pts = np.vstack(quads)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    grow = (hi - lo) * WINDOW_MARGIN + 16
    lo, hi = lo - grow, hi + grow
    centre, half = (lo + hi) / 2, np.minimum((hi - lo) / 2, MAX_WINDOW / 2)
    x0, y0 = np.maximum(centre - half, 0).astype(int)
    x1, y1 = np.minimum(centre + half, (shape[1], shape[0])).astype(int)
    return int(x0), int(y0), int(x1), int(y1)


class FrameFusion:
    """``add(frame)`` for consecutive frames: finds the candidate code regions (as the heavy
    path does); cuts the window around them from this frame and from the last ``frames``
    frames, aligns those onto this one, and decodes their mean with the pipeline and then the
    heavy path (which rectifies and enlarges the code inside it). ``[]`` when no region or
    nothing reads. ``last_fused`` says how many frames the read fused, ``last_regions`` how
    many candidate regions the frame had."""

    def __init__(self, decoder: Decoder | None = None, frames: int = FUSE_FRAMES,
                 opts: HeavyOptions = HeavyOptions()) -> None:
        self.decoder = decoder or Decoder()
        self.frames = max(1, frames)
        self.opts = opts
        self._history: deque[np.ndarray] = deque(maxlen=self.frames)
        self.last_fused = 0
        self.last_regions = 0

    def reset(self) -> None:
        self._history.clear()

    def close(self) -> None:
        """Nothing to release in-process (``FusionEngine``: a child-process twin has)."""

    def add(self, frame: np.ndarray) -> list[Code]:
        self.last_fused = 0
        if frame is None or frame.size == 0:
            return []
        gray = to_gray(frame)
        if self._history and self._history[-1].shape != gray.shape:
            self._history.clear()
        # the energy regions: a light card is in view whether or not a code is, so it does not
        # steer the window
        quads, _lights = candidate_quads(gray, self.decoder.formats, self.opts)
        self.last_regions = len(quads)
        if not quads:
            self._history.clear()  # nothing to fuse: the badge is not (yet) in view
            return []
        x0, y0, x1, y1 = _window(quads, gray.shape)
        window = gray[y0:y1, x0:x1]
        views = [window.astype(np.float32)]
        for old in reversed(self._history):
            aligned, score = align(window, old[y0:y1, x0:x1])
            if score >= MIN_MATCH:
                views.append(aligned.astype(np.float32))
        self._history.append(gray)
        fused = np.clip(np.mean(views, axis=0) + 0.5, 0, 255).astype(np.uint8)
        n = len(views)
        stage = f"fused{n}" if n > 1 else "heavy"
        opts = replace(self.opts, denoise=n < 3,
                       deblur=self.opts.deblur and n >= DEBLUR_MIN_FUSED)
        codes = (self.decoder.decode(fused) if n > 1 else []) or \
            heavy_decode(fused, self.decoder, opts)
        if not codes:
            return []
        self.last_fused = n
        return unique_codes([replace(c, stage=stage, position=tuple(
            (x + x0, y + y0) for x, y in c.position)) for c in codes])


class Agreement:
    """Effortful reads must repeat: ``confirm(codes)`` per attempt (one frame) returns those of
    ``codes`` read in at least ``votes`` of the last ``window`` attempts (this one included), so
    a badge held in view keeps being reported like the cheap pipeline's every-sighting reads.
    The zxing checksums already reject almost every misread; a misread of noise or of a
    warped crop does not repeat on the next frame, a real code does."""

    def __init__(self, votes: int = 2, window: int = 6) -> None:
        if votes < 1 or window < votes:
            raise ValueError(f"need 1 <= votes <= window, got votes={votes}, window={window}")
        self.votes = votes
        self._recent: deque[set[tuple[str, str]]] = deque(maxlen=window)

    def confirm(self, codes: list[Code]) -> list[Code]:
        keys = {(c.format, c.text) for c in codes}
        self._recent.append(keys)
        return [c for c in unique_codes(codes)
                if sum((c.format, c.text) in attempt for attempt in self._recent) >= self.votes]

    def reset(self) -> None:
        """Forget the votes (the badge left; the next sighting must agree anew)."""
        self._recent.clear()
