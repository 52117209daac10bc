"""``leadkiosk decode`` on files: one result per image, one per video frame with a newly seen
code. Video time (frame index / fps), not wall time, drives the repeat window, so the output
is the same on a fast laptop and a slow Pi.

The command reads what the kiosk reads (issue 21): an image the cheap pipeline reads nothing on
goes to the heavy path (``kiosk.scan.heavy``), as a frame with an unread code does at the booth;
a video's unread frames go to the multi-frame fusion with its two-attempt agreement, as the
kiosk's heavy worker does. The worker at the booth takes the newest frame whenever it is free,
so it sees a few frames a second; here one attempt per ``HEAVY_EVERY_S`` of *video* time keeps
that pace deterministic (the same lines on any machine) and a long clip affordable.
``heavy=False`` (``--no-heavy``) is the cheap pipeline alone."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from kiosk.errors import CameraError
from kiosk.scan.decoder import Code, Decoder
from kiosk.scan.scanner import RepeatFilter


HEAVY_EVERY_S = 0.2   # video seconds between heavy attempts (the kiosk's worker pace)

log = logging.getLogger(__name__)


def _guarded(where: str, attempt: Callable[[], list[Code]]) -> list[Code]:
    """The heavy path is a best effort on top of the fast pipeline's result. A bug in one of its
    model fits (a ``ValueError`` on one odd corpus photo reached main once) must cost that image
    or frame its extra chance, with the traceback on stderr, and not end the command with every
    file after it unread. The kiosk's heavy worker does the same per frame (``live``,
    ``heavy_process``)."""
    try:
        return attempt()
    except Exception:  # noqa: BLE001 - any bug in the heavy path; reported, not swallowed
        log.exception("leadkiosk decode: the heavy path failed on %s; the fast pipeline's "
                      "result (no code) stands", where)
        return []

VIDEO_SUFFIXES = {".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mjpg", ".mjpeg", ".mpg",
                  ".ogv", ".wmv"}


def decode_file(path: Path, repeat_window_s: float = 3.0, *,
                heavy: bool = True) -> Iterator[dict[str, Any]]:
    """Images give one result; videos (by suffix, or whatever OpenCV cannot read as an image
    but can play) one per frame with a newly seen code; a directory, each image in it by name."""
    if path.is_dir():
        from kiosk.scan.sources import IMAGE_SUFFIXES
        images = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise CameraError(f"{path}: a folder with no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return (decode_image_file(p, heavy=heavy) for p in images)
    if not path.is_file():
        raise CameraError(f"{path}: no such file")
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return decode_video_file(path, repeat_window_s, heavy=heavy)
    try:
        return iter([decode_image_file(path, heavy=heavy)])
    except CameraError:
        try:
            return decode_video_file(path, repeat_window_s, heavy=heavy)
        except CameraError:
            raise CameraError(f"{path}: neither an image nor a video OpenCV can read") from None


def decode_image_file(path: Path, decoder: Decoder | None = None, *,
                      heavy: bool = True) -> dict[str, Any]:
    import cv2
    if not path.is_file():
        raise CameraError(f"{path}: no such file")
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise CameraError(f"{path}: not an image OpenCV can read")
    decoder = decoder or Decoder()
    start = time.perf_counter()
    codes = decoder.decode(frame)
    if not codes and heavy:
        from kiosk.scan.heavy import heavy_decode
        codes = _guarded(str(path), lambda: heavy_decode(frame, decoder))
    ms = (time.perf_counter() - start) * 1000
    return {"file": str(path), "codes": [c.to_dict() for c in codes], "ms": round(ms, 2)}


def decode_video_file(path: Path, repeat_window_s: float = 3.0,
                      decoder: Decoder | None = None, *,
                      heavy: bool = True) -> Iterator[dict[str, Any]]:
    from kiosk.scan.sources import OpenCVSource
    decoder = decoder or Decoder()
    repeats = RepeatFilter(repeat_window_s)
    source = OpenCVSource(path=path).open()  # opened now, so a bad file fails before iteration
    paced = PacedFusion(decoder) if heavy else None
    return _video_results(path, source, decoder, repeats, paced)


class PacedFusion:
    """The kiosk's heavy worker on a video file, synchronously: ``attempt(frame, t)`` fuses
    and decodes an unread frame at most once per ``every_s`` of video time; a read is returned
    once two attempts agree (``fusion.Agreement``), and a frame with no code region forgets
    the votes, exactly as ``live.HeavyWorker`` does."""

    def __init__(self, decoder: Decoder, every_s: float = HEAVY_EVERY_S) -> None:
        from kiosk.scan.fusion import Agreement, FrameFusion
        self.fusion = FrameFusion(decoder)
        self.agreement = Agreement()
        self.every_s = every_s
        self._last = float("-inf")

    def attempt(self, frame: Any, t: float) -> list[Code]:
        if t - self._last < self.every_s - 1e-9:
            return []
        self._last = t
        codes = self.fusion.add(frame)
        if self.fusion.last_regions == 0:
            self.agreement.reset()
        return self.agreement.confirm(codes)


def _video_results(path: Path, source: Any, decoder: Decoder, repeats: RepeatFilter,
                   paced: PacedFusion | None = None) -> Iterator[dict[str, Any]]:
    try:
        index = 0
        for frame in source.frames():
            start = time.perf_counter()
            codes = decoder.decode(frame)
            if not codes and paced is not None:
                codes = _guarded(f"{path} frame {index}",
                                 lambda: paced.attempt(frame, index / source.fps))
            ms = (time.perf_counter() - start) * 1000
            fresh = repeats.admit(codes, now=index / source.fps)
            index += 1
            if fresh:
                yield {"file": str(path), "codes": [c.to_dict() for c in fresh],
                       "ms": round(ms, 2)}
    finally:
        source.close()
