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


QUAD_SIZE = 640            # longest side of the copy light quadrilaterals are searched in
QUAD_BLOCKS = (31, 61)     # adaptive-threshold windows (px of that copy): small and large cards
QUAD_MIN_FRACTION = 0.01   # of the copy's area; a code's quiet zone at kiosk distance is larger
QUAD_MAX_FRACTION = 0.6    # larger: the backdrop or a wall, not a badge
MAX_QUADS = 4


def light_quads(gray: np.ndarray) -> list[np.ndarray]:
    """Light quadrilaterals (4x2 float32 corners, frame px, clockwise), largest first: the
    badge card or the white field a code is printed on, seen in perspective.

    Why: a code needs a light quiet zone, so it sits on a light field whose outline stays
    straight-edged under tilt; that outline is the perspective quadrilateral to rectify with.
    The gradient-energy blobs of ``candidate_rects`` merge a code with neighbouring texture
    (a striped backdrop, the card's text) and are axis-free rectangles, so a keystoned PDF417
    stays too skewed for the decoder. Cheap: two adaptive thresholds and contours on a
    <= 640 px copy. The outline comes out a little inside the field's edge (a uniform field
    is light only near its border, within the threshold's window); the rectify step grows it
    by its quiet-zone margin anyway. Measured (booth bench, seed 21, medium and hard photos
    the pipeline misses): these windows read 17, a variant that traces the exact edge
    (windows 61/121, offset +4) read 13."""
    h, w = gray.shape[:2]
    scale = min(1.0, QUAD_SIZE / max(h, w))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) \
        if scale < 1.0 else gray
    small = cv2.GaussianBlur(small, (0, 0), 1.0)
    area_min, area_max = (f * small.shape[0] * small.shape[1]
                          for f in (QUAD_MIN_FRACTION, QUAD_MAX_FRACTION))
    found: list[tuple[float, np.ndarray]] = []
    for block in QUAD_BLOCKS:
        mask = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY,
                                     block, -2)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            area = cv2.contourArea(contour)
            if not area_min <= area <= area_max:
                continue
            hull = cv2.convexHull(contour)
            poly = cv2.approxPolyDP(hull, 0.04 * cv2.arcLength(hull, True), True)
            if len(poly) != 4 or area < 0.6 * cv2.contourArea(poly):
                continue  # not a straight-edged field (a blob of text, a glare spot)
            quad = _clockwise(poly.reshape(4, 2).astype(np.float32) / scale)
            if all(np.abs(quad - other).max() > 0.05 * max(h, w) for _, other in found):
                found.append((area, quad))
    found.sort(key=lambda item: -item[0])
    return [quad for _, quad in found[:MAX_QUADS]]


def _clockwise(quad: np.ndarray) -> np.ndarray:
    """Corners ordered clockwise on screen (y down), as ``getPerspectiveTransform`` pairs them
    with an upright target; which corner comes first does not matter to the decoder."""
    centre = quad.mean(axis=0)
    return quad[np.argsort(np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0]))]


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
