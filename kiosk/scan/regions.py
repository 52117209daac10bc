"""Finding barcode-like regions and turning them upright, for codes the decoder cannot read
at their angle (zxing-cpp reads PDF417 only up to a few degrees of in-plane rotation).

Barcodes are dense, high-contrast texture: a gradient-energy map, closed into blobs, gives
candidate rectangles whose ``minAreaRect`` angle is the skew. Detection runs on a small copy of
the frame so an idle frame pays about a millisecond.
"""
from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np

DETECT_SIZE = 400          # longest side of the copy the regions are searched in
MIN_AREA_FRACTION = 0.02   # smaller blobs are text or noise, not a badge code at kiosk distance
MIN_SKEW_DEG = 2.5         # below this the plain decoder already reads it
MAX_CANDIDATES = 2
ELONGATED = 1.3            # PDF417 and 1D codes are wide; QR, DataMatrix, Aztec are square
SMALL_REGION = 200         # crops with a shorter side than this are enlarged 2x


def candidate_rects(gray: np.ndarray, min_area_fraction: float = MIN_AREA_FRACTION,
                    max_candidates: int = MAX_CANDIDATES, min_fill: float = 0.6
                    ) -> list["Rect"]:
    """Rotated rectangles (centre, size, angle) in full-frame coordinates, largest first;
    ``min_fill``: the blob's share of its rectangle below which it is not a code (a small
    code merges with the badge text next to it, so a caller that looks for the bars inside
    the rectangle itself may pass less)."""
    h, w = gray.shape[:2]
    scale = min(1.0, DETECT_SIZE / max(h, w))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) \
        if scale < 1.0 else gray
    gx = cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_16S, 0, 1, ksize=3)
    energy = cv2.add(cv2.convertScaleAbs(gx), cv2.convertScaleAbs(gy))
    energy = cv2.blur(energy, (7, 7))
    _, mask = cv2.threshold(energy, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_area = min_area_fraction * small.shape[0] * small.shape[1]
    rects = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < min_area:
            continue
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
        if rw * rh <= 0 or area / (rw * rh) < min_fill:  # not rectangular: not a code
            continue
        rects.append((area, ((cx / scale, cy / scale), (rw / scale, rh / scale), angle)))
    rects.sort(key=lambda item: -item[0])
    return [rect for _, rect in rects[:max_candidates]]


def _upright(rect: tuple[tuple[float, float], tuple[float, float], float]
             ) -> tuple[float, float, float]:
    """(long side, short side, angle of the long side in image degrees, in (-90, 90]): rotating
    by that angle with ``getRotationMatrix2D`` lays the code horizontal."""
    box = cv2.boxPoints(rect)
    sides = [box[1] - box[0], box[2] - box[1]]
    lengths = [float(np.hypot(*v)) for v in sides]
    long_i = 0 if lengths[0] >= lengths[1] else 1
    dx, dy = sides[long_i]
    angle = float(np.degrees(np.arctan2(dy, dx)))
    if angle <= -90.0:
        angle += 180.0
    elif angle > 90.0:
        angle -= 180.0
    return lengths[long_i], lengths[1 - long_i], angle


Rect = tuple[tuple[float, float], tuple[float, float], float]


def region_crops(gray: np.ndarray, kinds: tuple[str, ...] = ("deskew", "upscale"),
                 rects: list[Rect] | None = None, margin: float = 0.12,
                 elongated: bool | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, str]]:
    """Upright, enlarged crops of the candidate regions, each with the affine map crop -> frame
    and what was done ("deskew" or "upscale"), limited to ``kinds``. Regions that are neither
    skewed nor small give nothing: the whole-frame passes already saw them as well as a crop
    would. ``rects`` reuses a ``candidate_rects`` result computed earlier for the same frame;
    ``elongated`` keeps only skewed regions that are (True) or are not (False) bar/row-code
    shaped."""
    for rect in candidate_rects(gray) if rects is None else rects:
        (cx, cy) = rect[0]
        rw, rh, angle = _upright(rect)
        skewed = abs(angle) >= MIN_SKEW_DEG
        if not skewed:
            angle = 0.0
        cw = int(rw * (1 + 2 * margin)) + 8
        ch = int(rh * (1 + 2 * margin)) + 8
        zoom = 2.0 if min(cw, ch) < SMALL_REGION else 1.0
        kind = "deskew" if skewed else "upscale"
        if kind not in kinds or (not skewed and zoom == 1.0):
            continue
        if skewed and elongated is not None and (rw >= ELONGATED * rh) != elongated:
            continue
        matrix = cv2.getRotationMatrix2D((cx, cy), angle, zoom)
        matrix[0, 2] += cw * zoom / 2 - cx
        matrix[1, 2] += ch * zoom / 2 - cy
        crop = cv2.warpAffine(gray, matrix, (int(cw * zoom), int(ch * zoom)),
                              flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        yield crop, cv2.invertAffineTransform(matrix), kind
