"""The OCR engine behind a Protocol: the parser and its tests never import it.

RapidOCR on ONNX Runtime is the engine: its wheel ships the detection, direction and recognition
models (PP-OCR small, ~32 MB), so nothing downloads at run time, and ONNX Runtime publishes arm64
wheels for the Pi. Its errors (and OpenCV's) become ``CardReadError`` here and nowhere else.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from kiosk.errors import CardReadError
from kiosk.scan.card.lines import OcrLine

MAX_SIDE = 2000          # longer photos are scaled down: more pixels cost time, not accuracy
GOOD_ENOUGH = 3          # confident lines that make an orientation believable without trying others
# Settings measured in bench/ocr_bench.py (issue 20: at most 2.5 s and 400 MB extra per photo).
# Text detection runs on a copy whose longer side is at most DET_SIDE px (RapidOCR's default scales
# the *shorter* side up to 736, so a 1080p frame was detected at full size: 12 s and 600+ MB);
# recognition still reads each line from the full-resolution photo, so small print keeps its
# pixels. Card text, 2-5 mm high in a card filling the guide frame, stays 10+ px high at 736.
DET_SIDE = 736
# One ONNX Runtime thread: on 2 shared cores it was 1.5-1.8x faster than two (two threads
# fight the UI, the camera and each other); a Pi with 4 free cores may prefer 2 (measure there).
THREADS = 1
# Recognition one line at a time: a batch pads every line to the widest one's width, and on one
# thread batching saved no time; peak extra memory went from ~350-400 MB to ~240 MB.
REC_BATCH = 1


class TextReader(Protocol):
    """What the card reader needs from an OCR engine: text lines of one BGR image."""

    def read(self, image: np.ndarray) -> list[OcrLine]: ...


def load_image(path: Path) -> np.ndarray:
    """The photo as a BGR array, or a ``CardReadError`` that names the file and says why."""
    import cv2

    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # cv2.imread cannot open non-ASCII paths
    except OSError as exc:
        raise CardReadError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if data.size == 0:
        raise CardReadError(f"{path}: the file is empty")
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    except cv2.error as exc:
        raise CardReadError(f"{path}: not an image OpenCV can decode ({exc})") from exc
    if image is None or image.size == 0:
        raise CardReadError(f"{path}: not an image (expected JPEG, PNG, WebP, BMP or TIFF)")
    return image


class RapidOcrReader:
    """RapidOCR, created on first use (loading the models takes a second or two) and then kept:
    one engine per kiosk, its sessions reused for every card."""

    def __init__(self, factory: Callable[[], Any] | None = None, threads: int = THREADS,
                 det_side: int = DET_SIDE) -> None:
        self._factory = factory
        self._engine: Any = None
        self._threads = threads
        self._det_side = det_side
        self._warmed = False

    def params(self) -> dict[str, Any]:
        """RapidOCR's settings. No text-direction classifier: ``read_upright`` already turns
        the whole card when its text reads badly, and the classifier's model and per-line run
        cost memory and time for lines that are upright anyway."""
        return {"Global.log_level": "error", "Global.max_side_len": MAX_SIDE,
                "Global.use_cls": False,
                "Det.limit_type": "max", "Det.limit_side_len": self._det_side,
                "Rec.rec_batch_num": REC_BATCH,
                "EngineConfig.onnxruntime.intra_op_num_threads": self._threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                "EngineConfig.onnxruntime.enable_cpu_mem_arena": False}

    def start(self) -> None:
        """Load the models now (a CLI or worker does it once, before timing any photo; the kiosk
        while the visitor aims the card). RapidOCR loads each model on its first use, so one
        small line of text is read here: detection and recognition are both loaded after it."""
        engine = self._get()
        if self._factory is None and not self._warmed:   # the kiosk calls start() for every card
            try:
                engine(_warm_up_image())
            except Exception as exc:
                raise CardReadError(f"the OCR engine could not start: {exc}") from exc
            self._warmed = True

    def _get(self) -> Any:
        if self._engine is None:
            try:
                if self._factory is not None:
                    self._engine = self._factory()
                else:
                    from rapidocr import RapidOCR
                    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
                    self._engine = RapidOCR(params=self.params())
            except ImportError as exc:
                raise CardReadError(f"the OCR engine is not installed ({exc}); "
                                    "pip install rapidocr onnxruntime") from exc
            except Exception as exc:  # the library's own errors: models missing, ORT failing
                raise CardReadError(f"the OCR engine could not start: {exc}") from exc
        return self._engine

    def read(self, image: np.ndarray) -> list[OcrLine]:
        engine = self._get()
        try:
            result = engine(np.ascontiguousarray(image))  # a crop is a strided view
        except Exception as exc:
            raise CardReadError(f"the OCR engine failed on this image: {exc}") from exc
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []
        lines = []
        for box, text, score in zip(boxes, texts, scores):
            pts = np.asarray(box, dtype=float).reshape(-1, 2)
            lines.append(OcrLine(str(text), (float(pts[:, 0].min()), float(pts[:, 1].min()),
                                             float(pts[:, 0].max()), float(pts[:, 1].max())),
                                 float(score)))
        return lines


def _warm_up_image() -> np.ndarray:
    import cv2

    image = np.full((64, 320, 3), 255, dtype=np.uint8)
    cv2.putText(image, "Card 42", (12, 46), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    return image


def _weight(lines: list[OcrLine]) -> float:
    return sum(ln.confidence * len(ln.text) for ln in lines if ln.confidence >= 0.5)


def read_upright(reader: TextReader, image: np.ndarray) -> list[OcrLine]:
    """Lines of the card however it was held: when the photo as taken gives few confident lines,
    the card is tried turned by 90, 180 and 270 degrees and the orientation with the most
    confident text wins (a card held sideways reads as noise otherwise)."""
    lines = reader.read(image)
    confident = [ln for ln in lines if ln.confidence >= 0.85]
    if len(confident) >= GOOD_ENOUGH or (
            lines and len(confident) == len(lines) and sum(len(ln.text) for ln in lines) >= 10):
        return lines  # a badge has two or three lines only: all of them clear is upright enough
    best = (_weight(lines), lines)
    for turns in (2, 1, 3):
        turned = np.ascontiguousarray(np.rot90(image, turns))
        candidate = reader.read(turned)
        if _weight(candidate) > best[0]:
            best = (_weight(candidate), candidate)
    return best[1]
