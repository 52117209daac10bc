"""The heavy path for frames where a code is seen but not read (issue 21): spend effort only
where a code is. It runs in the live loop through ``kiosk.scan.fusion`` (on the fused window of
the last frames, in ``kiosk.scan.live``'s low-priority worker, a read counting only once two
attempts agree); ``bench/booth_bench.py --heavy`` measures it per step (ablation rows) against
the plain pipeline and raw zxing-cpp, and checks it on the public corpus. Single-frame use (as
that bench does) has no agreement between attempts: there the decoders' checksums and, for 1D
profiles, two agreeing row bands are the guard. Open question: on the corpus it reads
zxing-qrcode-2/13.png as "...aerial photography of..." where that image's truth file says
"photograph" (the same picture in zxing-cpp-qrcode-2/13.webp has "photography" as its truth, so
the truth file is the likely culprit).

Steps, each switchable so the bench can ablate it:
1. candidates: zxing-cpp's own detections that failed to decode (``return_errors``: it found
   finder patterns / start-stop patterns but the payload did not check out) and the
   gradient-energy rectangles of ``regions.candidate_rects`` (cheap, on a <= 400 px copy),
   then the light quadrilaterals of ``regions.light_quads`` (the card or white field around
   the code, in perspective: energy blobs merge a code with nearby texture and are rotated
   rectangles, so a keystoned PDF417 stayed too skewed to read);
2. rectify the candidate quadrilateral (grown by a quiet-zone margin) with a perspective
   warp into an upright crop whose short side is ``TARGET_SHORT`` px, i.e. a small code is
   enlarged and a keystoned one squared up (module count is unknown before decoding, so the
   size is fixed rather than the module);
3. denoise (small gaussian) and sharpen (unsharp mask) against blur and sensor noise;
4. decode with two binarizers (local average, then global histogram for glare gradients);
5. deblur (when 1-4 read nothing): the candidate's bounding box enlarged 2x (cubic) and a few
   Richardson-Lucy iterations with a gaussian PSF (the booth blur is defocus), then 4. again;
   then the same on the first two light quadrilaterals, rectified before enlarging, at two
   PSF sigmas;
6. 1D profiles (``kiosk.scan.profiles``): a bar-code region turned bars-vertical, row bands
   averaged and deconvolved in 1D; a read needs two bands to agree.
7. QR model fit (``kiosk.scan.qrgrid``), for QR too small and blurred for zxing-cpp to detect
   at all (2-3.5 px per module): finder patterns by template correlation in the candidate
   regions, a homography fitted to the modules the standard fixes, module values by least
   squares under a blur model, then a clean rendering decoded by zxing-cpp; when that fails,
   a soft read (``kiosk.scan.qrsymbol``): the codewords whose modules the fit is least sure
   of are erased and each Reed-Solomon block corrected within ``2 e + f <= n - k - 2`` (two
   check symbols kept unused so a block beyond reach fails instead of turning into another
   codeword), then the corrected symbol is drawn and decoded by zxing-cpp as before.
8. Code 128 and Code 39 model fit (``kiosk.scan.barmodel``; the bars found in a region by
   ``kiosk.scan.barregion``), for codes below ~2.7 px per module where no threshold separates
   the bars: the bars' own box (also in smaller, text-merged regions than step 6 looks at;
   inside the frame; turned so it is wider than high; more than the largest blob when a shirt's
   stripes beside the badge make it), three row bands on the bars' own rows (along the slanted
   bar ends of a badge tilted in perspective), each fitted with the symbol's known structure
   (Code 128: 11 m + 35 modules; Code 39: fixed pitch, wide:narrow 2, 2.5 or 3; a keystoned
   grid, gaussian blur, start/stop patterns, every symbol a valid pattern); zxing-cpp decodes
   the drawn fit, two bands must agree.
9. PDF417 model fit (``kiosk.scan.pdfmodel``, the symbol in ``kiosk.scan.pdfsymbol``), for
   PDF417 at 1-2.5 px per module whose 3-module rows blur into each other: the start and stop
   patterns' thick bars in the light quads and energy boxes fix the perspective, each row band
   is averaged, unmixed from its neighbours and fitted slot by slot with the row cluster's
   17-module patterns under blur; zxing-cpp decodes the clean drawing (Reed-Solomon, 16 EC
   codewords at the badges' level 3), else the fit's codewords are corrected by the model's own
   soft read (up to 7 wrong, two check codewords kept unused), at one sigma or jointly at
   three, and the corrected drawing read.
Step 8 skips the regions inside a QR that step 7 fitted and could not read: the bar fit on a
QR's texture cost ~0.3 s a region and can read nothing there (a hard QR clip's heavy attempt
0.5 s -> 0.2 s a frame, the same bar code reads on issue-hard and hard seeds 21 and 24).
Every read still passes the decoder's own checksums (Reed-Solomon for QR/PDF417, check digit
for Code 128); nothing here accepts a result zxing marks invalid, nor a PDF417 that spent all
its error correction (``decoder.ec_spent``: a garbage read came through that way). Code 39 has
no check character (a wrong grid snapped to valid characters once read with a residual close
to a right one's), so its fit has its own guards: a tighter residual bound, every character
decided by a margin over its runner-up, and no row band reading another text (``barmodel``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
import zxingcpp

from kiosk.scan import barregion, pdfmodel, profiles, qrgrid
from kiosk.scan.decoder import FROM_ZX, MIN_LINEAR_LENGTH, Code, Decoder, unique_codes, to_gray
from kiosk.scan.regions import candidate_rects, light_quads

TARGET_SHORT = 360      # px of the rectified crop's short side
MAX_LONG = 1100         # px cap for the long side (a 1D code is ~4x wider than high)
MARGIN = 0.22           # quad grown by this fraction per side: the decoder needs a quiet zone
MAX_CANDIDATES = 3
DEBLUR_UPSCALE = 2      # measured (booth bench, missed hard QR): 2x + sigma 1.2 read most; 3x and
DEBLUR_SIGMA = 1.2      # sigma 1.6/2.0 read fewer at 3-8x the time (ringing amplifies noise)
DEBLUR_ITERATIONS = 10
QUAD_SIGMAS = (1.2, 1.6)  # PSF sigmas (frame px) tried on a rectified light quad
ZOOM_MAX_LONG = 2000    # px cap for the long side of an enlarged rectified crop
DEBLUR_GROW = 1.3       # the candidate's box grown by this factor (quiet zone, finder patterns)
_LINEAR = {zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.Code39}


@dataclass(frozen=True)
class HeavyOptions:
    """What the heavy path does; the defaults are the measured best (bench ablation)."""

    zxing_detections: bool = True
    energy_regions: bool = True
    light_quads: bool = True    # step 1: the light field around a code, rectified as a quad
    rectify: bool = True        # False: axis-aligned bounding-box crop, same enlargement
    sharpen: bool = True
    denoise: bool = True
    second_binarizer: bool = True
    deblur: bool = True         # step 5
    profiles: bool = True       # step 6
    qrgrid: bool = True         # step 7
    qr_erasures: bool = True    # step 7's soft read (erasures) when the plain fit fails
    barmodel: bool = True       # step 8
    pdfmodel: bool = True       # step 9


def candidate_quads(gray: np.ndarray, formats: zxingcpp.BarcodeFormats | tuple,
                    opts: HeavyOptions, rects: list | None = None
                    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(zxing's failed detections and energy rectangles, light quadrilaterals); ``rects``: the
    frame's ``candidate_rects`` when the caller already has them."""
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
        for rect in candidate_rects(gray) if rects is None else rects:
            quads.append(cv2.boxPoints(rect).astype(np.float32))
    return quads[:MAX_CANDIDATES], light_quads(gray) if opts.light_quads else []


def _rectified(gray: np.ndarray, quad: np.ndarray, opts: HeavyOptions,
               zoom: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(crop, 3x3 map crop -> frame); ``zoom``: enlarge by this factor (capped at
    ``ZOOM_MAX_LONG``) instead of to a fixed short side."""
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
    if zoom is None:
        scale = TARGET_SHORT / max(1.0, min(w, h))
        scale = min(scale, MAX_LONG / max(1.0, max(w, h)))
    else:
        scale = min(zoom, ZOOM_MAX_LONG / max(1.0, max(w, h)))
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
    rects = candidate_rects(gray)   # steps 1, 6 and 7 all start from the same regions
    found, lights = candidate_quads(gray, decoder.formats, opts, rects)
    quads = found + lights
    for quad in quads:
        crop, back = _rectified(gray, quad, opts)
        crop = _enhance(crop, opts)
        for binarizer in binarizers:
            codes = decoder._zx(crop, "heavy", binarizer=binarizer, spare_ec=True)
            if codes:
                return unique_codes([replace(c, position=_to_frame(c.position, back))
                                     for c in codes])
    if opts.deblur:
        for quad in quads[:2]:
            codes = _deblurred(gray, quad, decoder, binarizers)
            if codes:
                return codes
        for quad in lights[:2]:
            codes = _deblurred_rectified(gray, quad, decoder, binarizers, opts)
            if codes:
                return codes
    linear = tuple(f for f in decoder.formats if f in _LINEAR)
    if opts.profiles and linear:
        for rect in rects:
            codes = _linear_codes(profiles.read_region(gray, rect, linear), rect, "profiles")
            if codes:
                return codes
    qr_fitted: list[np.ndarray] = []
    if opts.qrgrid and zxingcpp.BarcodeFormat.QRCode in decoder.formats:
        got = qrgrid.read_frame(gray, rects, lights, opts.qr_erasures, qr_fitted)
        if got is not None:
            return [Code("QR", got.text, got.raw, got.corners, "qrgrid")]
    if opts.barmodel and linear:
        for rect in candidate_rects(gray, barregion.REGION_MIN_AREA, barregion.REGIONS,
                                    barregion.REGION_MIN_FILL):
            if any(cv2.pointPolygonTest(q.astype(np.float32), rect[0], False) >= 0
                   for q in qr_fitted):
                continue   # a QR the model fitted (unread): bars are not there
            codes = _linear_codes(barregion.read_region(gray, rect, linear), rect, "barmodel")
            if codes:
                return codes
    if opts.pdfmodel and zxingcpp.BarcodeFormat.PDF417 in decoder.formats:
        got = pdfmodel.read_frame(gray, lights + [cv2.boxPoints(r) for r in rects])
        if got is not None:
            return [Code("PDF417", got.text, got.raw, got.corners, "pdfmodel")]
    return []


def _linear_codes(reads: list[tuple[str, str, bytes]], rect: tuple, stage: str) -> list[Code]:
    """Steps 6 and 8 read a region, not a located symbol: the region's box is the position,
    and a 1D read shorter than the pipeline's ``MIN_LINEAR_LENGTH`` is dropped as it is there
    (a short 1D read in a blurred frame is the usual false read)."""
    corners = tuple((int(x), int(y)) for x, y in cv2.boxPoints(rect))
    return unique_codes([Code(FROM_ZX[name], text, raw, corners, stage)
                         for name, text, raw in reads
                         if name in FROM_ZX and len(text) >= MIN_LINEAR_LENGTH])


def richardson_lucy(img: np.ndarray, sigma: float, iterations: int) -> np.ndarray:
    """Richardson-Lucy deconvolution by a gaussian PSF of ``sigma`` px (uint8 in and out)."""
    observed = img.astype(np.float32) + 8.0   # offset: RL needs a positive signal
    estimate = observed.copy()
    for _ in range(iterations):
        blurred = cv2.GaussianBlur(estimate, (0, 0), sigma) + 1e-3
        estimate *= cv2.GaussianBlur(observed / blurred, (0, 0), sigma)
    return np.clip(estimate - 8.0, 0, 255).astype(np.uint8)


def _deblurred(gray: np.ndarray, quad: np.ndarray, decoder: Decoder, binarizers: list
               ) -> list[Code]:
    """Step 5: no rectification (zxing's QR/DataMatrix/Aztec samplers handle perspective
    themselves), the box enlarged so the PSF spans several px, then deconvolved."""
    centre = quad.mean(axis=0)
    grown = centre + (quad - centre) * DEBLUR_GROW
    x0, y0 = np.maximum(grown.min(axis=0), 0).astype(int)
    x1, y1 = np.minimum(grown.max(axis=0), (gray.shape[1], gray.shape[0])).astype(int)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return []
    big = cv2.resize(gray[y0:y1, x0:x1], None, fx=DEBLUR_UPSCALE, fy=DEBLUR_UPSCALE,
                     interpolation=cv2.INTER_CUBIC)
    sharp = richardson_lucy(big, DEBLUR_SIGMA * DEBLUR_UPSCALE, DEBLUR_ITERATIONS)
    for binarizer in binarizers:
        codes = decoder._zx(sharp, "deblur", binarizer=binarizer, spare_ec=True,
                            scale=1.0 / DEBLUR_UPSCALE, offset=(float(x0), float(y0)))
        if codes:
            return unique_codes(codes)
    return []


def _deblurred_rectified(gray: np.ndarray, quad: np.ndarray, decoder: Decoder, binarizers: list,
                         opts: HeavyOptions) -> list[Code]:
    """Step 5 on a light quadrilateral: rectified first (zxing's PDF417 and 1D readers, unlike
    its QR sampler, need the rows near level), enlarged ``DEBLUR_UPSCALE`` x, then deconvolved
    at each of ``QUAD_SIGMAS``: the blur is unknown and one sigma reads what the other
    misses (booth bench: a hard PDF417 at 1.2, a Code 128 and a QR at 1.6)."""
    crop, back = _rectified(gray, quad, opts, zoom=DEBLUR_UPSCALE)
    for sigma in QUAD_SIGMAS:
        sharp = richardson_lucy(crop, sigma * DEBLUR_UPSCALE, DEBLUR_ITERATIONS)
        for binarizer in binarizers:
            codes = decoder._zx(sharp, "deblur", binarizer=binarizer, spare_ec=True)
            if codes:
                return unique_codes([replace(c, position=_to_frame(c.position, back))
                                     for c in codes])
    return []


def _to_frame(points: tuple[tuple[int, int], ...], back: np.ndarray
              ) -> tuple[tuple[int, int], ...]:
    if not points:
        return ()
    arr = cv2.perspectiveTransform(np.array([points], dtype=np.float64), back)[0]
    return tuple((int(round(x)), int(round(y))) for x, y in arr)
