"""The heavy path for frames where a code is seen but not read (issue 21): spend effort only
where a code is. Opt-in and not wired into the live loop yet: ``bench/booth_bench.py --heavy``
measures it (ablation rows) against the plain pipeline and raw zxing-cpp, and checks it on the
public corpus. Why not live yet: on the corpus it reads zxing-qrcode-2/13.png as "...aerial
photography of..." where that image's truth file says "photograph" (the same picture in
zxing-cpp-qrcode-2/13.webp has "photography" as its truth, so the truth file is the likely
culprit), and zero false reads is a hard rule until someone settles it; the background-worker
wiring and the preview-fps row (bench/ui_bench.py) are not built.

Steps, each switchable so the bench can ablate it:
1. candidates: zxing-cpp's own detections that failed to decode (``return_errors``: it found
   finder patterns / start-stop patterns but the payload did not check out) and the
   gradient-energy rectangles of ``regions.candidate_rects`` (cheap, on a <= 400 px copy);
2. rectify the candidate quadrilateral (grown by a quiet-zone margin) with a perspective
   warp into an upright crop whose short side is ``TARGET_SHORT`` px, i.e. a small code is
   enlarged and a keystoned one squared up (module count is unknown before decoding, so the
   size is fixed rather than the module);
3. denoise (small gaussian) and sharpen (unsharp mask) against blur and sensor noise;
4. decode with two binarizers (local average, then global histogram for glare gradients).
Every read still passes the decoder's own checksums (Reed-Solomon for QR/PDF417, check digit
for Code 128); nothing here accepts a result zxing marks invalid.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
import zxingcpp

from kiosk.scan.decoder import Code, Decoder, _unique, to_gray
from kiosk.scan.regions import candidate_rects

TARGET_SHORT = 360      # px of the rectified crop's short side
MAX_LONG = 1100         # px cap for the long side (a 1D code is ~4x wider than high)
MARGIN = 0.22           # quad grown by this fraction per side: the decoder needs a quiet zone
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class HeavyOptions:
    """What the heavy path does; the defaults are the measured best (bench ablation)."""

    zxing_detections: bool = True
    energy_regions: bool = True
    rectify: bool = True        # False: axis-aligned bounding-box crop, same enlargement
    sharpen: bool = True
    denoise: bool = True
    second_binarizer: bool = True


def _quads(gray: np.ndarray, formats: zxingcpp.BarcodeFormats | tuple, opts: HeavyOptions
           ) -> list[np.ndarray]:
    quads: list[np.ndarray] = []
    if opts.zxing_detections:
        try:
            found = zxingcpp.read_barcodes(gray, formats=formats, try_rotate=True,
                                           try_downscale=True, try_invert=False,
                                           return_errors=True)
        except (RuntimeError, ValueError, TypeError):
            found = []
        for r in found:
            p = r.position
            quad = np.array([[p.top_left.x, p.top_left.y], [p.top_right.x, p.top_right.y],
                             [p.bottom_right.x, p.bottom_right.y],
                             [p.bottom_left.x, p.bottom_left.y]], dtype=np.float32)
            if cv2.contourArea(quad) > 64:
                quads.append(quad)
    if opts.energy_regions:
        for rect in candidate_rects(gray):
            quads.append(cv2.boxPoints(rect).astype(np.float32))
    return quads[:MAX_CANDIDATES]


def _rectified(gray: np.ndarray, quad: np.ndarray, opts: HeavyOptions
               ) -> tuple[np.ndarray, np.ndarray]:
    """(crop, 3x3 map crop -> frame)."""
    if np.linalg.norm(quad[1] - quad[0]) * 1.3 < np.linalg.norm(quad[2] - quad[1]):
        quad = np.roll(quad, 1, axis=0)  # long side first: a bar code's bars end up vertical
    centre = quad.mean(axis=0)
    grown = centre + (quad - centre) * (1 + 2 * MARGIN)
    if not opts.rectify:
        x0, y0 = grown.min(axis=0)
        x1, y1 = grown.max(axis=0)
        grown = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    w = float(max(np.linalg.norm(grown[1] - grown[0]), np.linalg.norm(grown[2] - grown[3])))
    h = float(max(np.linalg.norm(grown[3] - grown[0]), np.linalg.norm(grown[2] - grown[1])))
    scale = TARGET_SHORT / max(1.0, min(w, h))
    scale = min(scale, MAX_LONG / max(1.0, max(w, h)))
    out_w, out_h = max(16, int(w * scale)), max(16, int(h * scale))
    dst = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(grown.astype(np.float32), dst)
    crop = cv2.warpPerspective(gray, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)
    return crop, np.linalg.inv(matrix)


def _enhance(crop: np.ndarray, opts: HeavyOptions) -> np.ndarray:
    if opts.denoise:
        crop = cv2.GaussianBlur(crop, (0, 0), 1.0)
    if opts.sharpen:
        soft = cv2.GaussianBlur(crop, (0, 0), 3.0)
        crop = cv2.addWeighted(crop, 2.0, soft, -1.0, 0)
    return crop


def heavy_decode(frame: np.ndarray, decoder: Decoder | None = None,
                 opts: HeavyOptions = HeavyOptions()) -> list[Code]:
    """Codes read by working on candidate regions only; [] when there is nothing to read."""
    decoder = decoder or Decoder()
    if frame is None or frame.size == 0:
        return []
    gray = to_gray(frame)
    binarizers = [zxingcpp.Binarizer.LocalAverage]
    if opts.second_binarizer:
        binarizers.append(zxingcpp.Binarizer.GlobalHistogram)
    for quad in _quads(gray, decoder._formats, opts):
        crop, back = _rectified(gray, quad, opts)
        crop = _enhance(crop, opts)
        for binarizer in binarizers:
            codes = decoder._zx(crop, "heavy", binarizer=binarizer)
            if codes:
                return _unique([replace(c, position=_to_frame(c.position, back))
                                for c in codes])
    return []


def _to_frame(points: tuple[tuple[int, int], ...], back: np.ndarray
              ) -> tuple[tuple[int, int], ...]:
    if not points:
        return ()
    arr = cv2.perspectiveTransform(np.array([points], dtype=np.float64), back)[0]
    return tuple((int(round(x)), int(round(y))) for x, y in arr)
