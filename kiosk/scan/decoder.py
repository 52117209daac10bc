"""Barcode decoding: zxing-cpp first (fast, reads PDF417/DataMatrix/Aztec), then only the
retries the benchmark (``bench/scan_bench.py``) showed to pay for themselves.

Stage order is cheapest first and every stage stops the pipeline once it reads something, so a
frame with a clear badge costs one fast zxing call (~0.3 ms at 640x480) and an idle frame costs a
bounded, small set of retries. This is the only module that calls the decoders, so their
exceptions stop here: a broken frame is logged and decodes to nothing, it never raises.

pyzbar was measured as a fallback after these stages and read nothing more (and it produces the
only false read on the corpus), so it is off by default (``zbar=True`` enables it for QR).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Sequence

import cv2
import numpy as np
import zxingcpp

from kiosk.scan.regions import candidate_rects, region_crops
from kiosk.scan.symbologies import SYMBOLOGIES

log = logging.getLogger(__name__)

_ZX = zxingcpp.BarcodeFormat
_TO_ZX = {"QR": (_ZX.QRCode, _ZX.MicroQRCode), "Code128": (_ZX.Code128,),
          "Code39": (_ZX.Code39,), "PDF417": (_ZX.PDF417,), "DataMatrix": (_ZX.DataMatrix,),
          "Aztec": (_ZX.Aztec,)}
# zxing-cpp's format names -> ours (the heavy path maps its drawn reads back the same way)
FROM_ZX = {"QRCode": "QR", "MicroQRCode": "QR", "Code128": "Code128", "Code39": "Code39",
            "Code39Ext": "Code39", "Code39Std": "Code39", "PDF417": "PDF417",
            "DataMatrix": "DataMatrix", "Aztec": "Aztec", "AztecCode": "Aztec"}
# 1D symbologies have weak checks; a lone character off a patterned shirt is not a badge.
MIN_LINEAR_LENGTH = 2


@dataclass(frozen=True)
class Code:
    """One decoded symbol. ``text`` is the payload as text (zxing's plain mode: no HRI
    rewriting, so control characters in delimited badges survive); ``raw`` the bytes."""

    format: str
    text: str
    raw: bytes = b""
    position: tuple[tuple[int, int], ...] = field(default=(), compare=False)
    stage: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, str]:
        return {"format": self.format, "text": self.text}


def to_gray(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)




class Decoder:
    """The project's decoding pipeline (thread-safe: no shared mutable state per call)."""

    def __init__(self, symbologies: Sequence[str] = SYMBOLOGIES, *, regions: bool = True,
                 deskew_first: bool | None = None, zbar: bool = False) -> None:
        """``symbologies``: what the show's badges use (fewer = cheaper idle frames).
        ``deskew_first``: look for skewed bar/row codes before the fast pass. Measured trade
        (bench, CPU time): rotated PDF417 -45% time, but +0.3 ms per QR frame and +1 ms per
        upright 1D/PDF417 frame, and +20% per idle frame. Default (None): only when the show uses
        no QR, i.e. its badges are PDF417/1D, where rotated codes are the usual case."""
        unknown = [s for s in symbologies if s not in _TO_ZX]
        if unknown:
            raise ValueError(f"unknown symbologies {unknown}; expected some of {SYMBOLOGIES}")
        self.symbologies = tuple(symbologies)
        # zxing-cpp's formats for the show's symbologies: the heavy path asks only for these too
        self.formats = tuple(f for s in self.symbologies for f in _TO_ZX[s])
        # zxing finds QR, DataMatrix and Aztec at any angle already; a deskewed crop only needs
        # the row/bar codes it cannot read rotated.
        self._skew_formats = tuple(f for s in self.symbologies if s in ("PDF417", "Code128",
                                                                         "Code39")
                                   for f in _TO_ZX[s])
        self.regions = regions
        self.deskew_first = ("QR" not in self.symbologies) if deskew_first is None \
            else deskew_first
        self.zbar = zbar

    # -- zxing calls -------------------------------------------------------------------------
    def _zx(self, gray: np.ndarray, stage: str, *, full: bool = False,
            binarizer: "zxingcpp.Binarizer | None" = None, scale: float = 1.0,
            formats: tuple | None = None,
            offset: tuple[float, float] = (0.0, 0.0), inverse: np.ndarray | None = None,
            spare_ec: bool = False) -> list[Code]:
        """``spare_ec``: drop PDF417 reads that spent all their error correction (see
        ``ec_spent``); the heavy path asks for it, the fast pipeline does not."""
        try:
            kwargs = {}
            if binarizer is not None:
                kwargs["binarizer"] = binarizer
            results = zxingcpp.read_barcodes(
                gray, formats=formats or self.formats, try_rotate=full, try_downscale=full,
                try_invert=full, text_mode=zxingcpp.TextMode.Plain, **kwargs)
        except (RuntimeError, ValueError, TypeError) as exc:  # a broken frame is just no code
            log.debug("zxing failed on a frame: %s", exc)
            return []
        codes = []
        for result in results:
            fmt = FROM_ZX.get(result.format.name)
            if fmt is None or not result.valid:
                continue
            if spare_ec and fmt == "PDF417" and ec_spent(result):
                continue
            raw = bytes(result.bytes)
            text = result.text
            if fmt in ("Code128", "Code39") and len(text) < MIN_LINEAR_LENGTH:
                continue
            codes.append(Code(fmt, text, raw, _points(result.position, scale, offset, inverse),
                              stage))
        return codes

    def _zbar(self, gray: np.ndarray) -> list[Code]:
        from pyzbar import pyzbar  # only when enabled: it is not needed by default
        try:
            results = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
        except Exception as exc:  # noqa: BLE001 - zbar raises plain exceptions on bad input
            log.debug("zbar failed on a frame: %s", exc)
            return []
        out = []
        for r in results:
            out.append(Code("QR", r.data.decode("utf-8", errors="replace"), r.data,
                            tuple((int(p.x), int(p.y)) for p in r.polygon), "zbar"))
        return out

    # -- the pipeline ------------------------------------------------------------------------
    def decode(self, frame: np.ndarray, retry_slot: int | None = None) -> list[Code]:
        """All codes found in the frame (deduplicated), stopping at the first stage that reads.

        ``retry_slot`` (live camera use): run the always-on stages plus only retry stage
        ``retry_slot % retry_count``. A camera delivers the same badge many times a second, so
        spreading the retries over consecutive frames reads the same codes a few frames later
        while an idle frame pays for one retry instead of all of them.
        """
        if frame is None or frame.size == 0:
            return []
        gray = to_gray(frame)
        always, retries = self._stages(gray)
        if retry_slot is not None and retries:
            retries = [retries[retry_slot % len(retries)]]
        for stage in always + retries:
            codes = stage()
            if codes:
                return unique_codes(codes)
        return []

    @property
    def retry_count(self) -> int:
        """How many retry stages follow the always-on ones (the period of ``retry_slot``)."""
        return 2 + int(self.regions) + int(self.zbar)

    def _stages(self, gray: np.ndarray) -> tuple[list[Callable[[], list[Code]]],
                                                  list[Callable[[], list[Code]]]]:
        """(always-on stages, retry stages), cheapest and most productive first.

        Measured on the corpus (bench/scan_bench.py): "fast" (no rotate/downscale/invert) reads
        ~97% of what zxing's try-everything mode reads at a quarter of its cost. Rotated PDF417
        and 1D codes, which it cannot read, are found by a region search and turned upright
        (before the fast pass with ``deskew_first``, else as the first retry). Inverted codes
        need only an inverted pass, low-contrast ones a global threshold, small ones an
        enlarged crop. zxing's 90/180-degree rotation and downscaling, CLAHE, a
        2x whole frame and pyzbar were measured and add (almost) nothing (bench ablation table).
        """
        rects: list = []

        def regions() -> list:
            if not rects:
                rects.append(candidate_rects(gray))
            return rects[0]

        always: list[Callable[[], list[Code]]] = []
        first = self.regions and self.deskew_first and bool(self._skew_formats)
        if first:
            always.append(lambda: self._crops(gray, ("deskew",), regions(), elongated=True))
        always.append(lambda: self._zx(gray, "fast"))
        retries: list[Callable[[], list[Code]]] = []
        if self.regions:
            retries.append(lambda: self._crops(gray, ("upscale", "deskew"), regions(),
                                               elongated=False if first else None))
        retries.append(lambda: self._zx(cv2.bitwise_not(gray), "inverted"))
        retries.append(lambda: self._zx(gray, "global",
                                        binarizer=zxingcpp.Binarizer.GlobalHistogram))
        if self.zbar:
            retries.append(lambda: self._zbar(gray))
        return always, retries

    def _crops(self, gray: np.ndarray, kinds: tuple[str, ...], rects: list,
               elongated: bool | None) -> list[Code]:
        """Decode upright ("deskew") or enlarged ("upscale") crops of barcode-like regions."""
        for crop, inverse, kind in region_crops(gray, kinds, rects, elongated=elongated):
            formats = self._skew_formats if kind == "deskew" and elongated is not False else None
            # resampling softens the crop: the global threshold rescues what the local one loses
            codes = self._zx(crop, kind, inverse=inverse, formats=formats) or self._zx(
                crop, kind, inverse=inverse, formats=formats,
                binarizer=zxingcpp.Binarizer.GlobalHistogram)
            if codes:
                return codes
        return []


def ec_spent(result: "zxingcpp.Result") -> bool:
    """True when zxing-cpp corrected a PDF417 up to its capacity (its "UEC", unused error
    correction, is 0): nothing was left to check the correction with. Why: the heavy path
    tries a frame many ways, and one such read was garbage (booth photo issue-hard seed 24
    #281: a wrong text at UEC 0.0, while another crop of the same frame reads it right).
    The heavy path's two right reads at UEC 0 on the booth photos (seeds 21 and 24, PDF417,
    every band) are read again by another attempt, so the heavy path drops such reads; the
    fast pipeline keeps them (it read an easy shot at UEC 0, with no other attempt)."""
    spare = spare_ec(result)
    return spare is not None and spare <= 0.0


def spare_ec(result: "zxingcpp.Result") -> float | None:
    """The share of its error correction a read left unused (zxing-cpp's "UEC"), None when
    zxing-cpp does not report it (only the Reed-Solomon symbologies do)."""
    extra = result.extra if isinstance(result.extra, dict) else {}
    spare = extra.get("UEC")
    return None if spare is None else float(spare)


def read_drawn(img: np.ndarray, formats: object, *, min_spare_ec: float | None = None,
               try_rotate: bool = False, try_downscale: bool = False, **options: object
               ) -> list[tuple[str, str, bytes]]:
    """(format name, text, bytes) of the valid codes zxing-cpp reads in an image the heavy
    path drew (a tiled profile, a fitted module matrix): already upright and full size, so
    by default no rotation or downscaling; a zxing error is no read. ``min_spare_ec``: also
    drop reads that left less of their error correction unused (a fit is one guess among
    several, so a read that needed nearly all of it is not trusted)."""
    try:
        found = zxingcpp.read_barcodes(img, formats=formats, try_rotate=try_rotate,
                                       try_downscale=try_downscale,
                                       text_mode=zxingcpp.TextMode.Plain, **options)
    except (RuntimeError, ValueError, TypeError):
        found = []
    out = []
    for r in found:
        if not r.valid:
            continue
        if min_spare_ec is not None:
            spare = spare_ec(r)
            if spare is None or spare < min_spare_ec:
                continue
        out.append((r.format.name, r.text, bytes(r.bytes)))
    return out


def _points(position: object, scale: float, offset: tuple[float, float],
            inverse: np.ndarray | None) -> tuple[tuple[int, int], ...]:
    try:
        pts = [(p.x, p.y) for p in (position.top_left, position.top_right,  # type: ignore[attr-defined]
                                    position.bottom_right, position.bottom_left)]
    except AttributeError:
        return ()
    arr = np.array(pts, dtype=np.float64)
    if inverse is not None:
        arr = np.hstack([arr, np.ones((4, 1))]) @ inverse.T
    else:
        arr = arr * scale + np.array(offset)
    return tuple((int(round(x)), int(round(y))) for x, y in arr)


def unique_codes(codes: list[Code]) -> list[Code]:
    """The codes in order, each (format, text) once: several crops, steps or frames often read
    the same badge, and the caller must see it as one scan."""
    seen: set[tuple[str, str]] = set()
    out = []
    for code in codes:
        key = (code.format, code.text)
        if key not in seen:
            seen.add(key)
            out.append(code)
    return out
