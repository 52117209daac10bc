"""``leadkiosk decode`` on files: one result per image, one per video frame with a newly seen
code. Video time (frame index / fps), not wall time, drives the repeat window, so the output
is the same on a fast laptop and a slow Pi."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator

from kiosk.errors import CameraError
from kiosk.scan.decoder import Decoder
from kiosk.scan.scanner import RepeatFilter


VIDEO_SUFFIXES = {".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mjpg", ".mjpeg", ".mpg",
                  ".ogv", ".wmv"}


def decode_file(path: Path, repeat_window_s: float = 3.0) -> Iterator[dict[str, Any]]:
    """Images give one result; videos (by suffix, or whatever OpenCV cannot read as an image
    but can play) one per frame with a newly seen code; a directory, each image in it by name."""
    if path.is_dir():
        from kiosk.scan.sources import IMAGE_SUFFIXES
        images = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise CameraError(f"{path}: a folder with no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return (decode_image_file(p) for p in images)
    if not path.is_file():
        raise CameraError(f"{path}: no such file")
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return decode_video_file(path, repeat_window_s)
    try:
        return iter([decode_image_file(path)])
    except CameraError:
        try:
            return decode_video_file(path, repeat_window_s)
        except CameraError:
            raise CameraError(f"{path}: neither an image nor a video OpenCV can read") from None


def decode_image_file(path: Path, decoder: Decoder | None = None) -> dict[str, Any]:
    import cv2
    if not path.is_file():
        raise CameraError(f"{path}: no such file")
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise CameraError(f"{path}: not an image OpenCV can read")
    decoder = decoder or Decoder()
    start = time.perf_counter()
    codes = decoder.decode(frame)
    ms = (time.perf_counter() - start) * 1000
    return {"file": str(path), "codes": [c.to_dict() for c in codes], "ms": round(ms, 2)}


def decode_video_file(path: Path, repeat_window_s: float = 3.0,
                      decoder: Decoder | None = None) -> Iterator[dict[str, Any]]:
    from kiosk.scan.sources import OpenCVSource
    decoder = decoder or Decoder()
    repeats = RepeatFilter(repeat_window_s)
    source = OpenCVSource(path=path).open()  # opened now, so a bad file fails before iteration
    return _video_results(path, source, decoder, repeats)


def _video_results(path: Path, source: Any, decoder: Decoder,
                   repeats: RepeatFilter) -> Iterator[dict[str, Any]]:
    try:
        index = 0
        for frame in source.frames():
            start = time.perf_counter()
            codes = decoder.decode(frame)
            ms = (time.perf_counter() - start) * 1000
            fresh = repeats.admit(codes, now=index / source.fps)
            index += 1
            if fresh:
                yield {"file": str(path), "codes": [c.to_dict() for c in fresh],
                       "ms": round(ms, 2)}
    finally:
        source.close()
