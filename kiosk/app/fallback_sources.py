"""A stand-in for ``kiosk.scan.sources`` while that module is being built: video files and USB
cameras through OpenCV, looping a file so the demo never runs dry. Used only when the scan
package has no ``sources`` module."""
from __future__ import annotations

from typing import Any

from kiosk.errors import CameraError


class _CvSource:
    def __init__(self, target: Any, loop: bool) -> None:
        self.target = target
        self.loop = loop
        self.cap: Any = None

    def open(self) -> None:
        import cv2
        self.cap = cv2.VideoCapture(self.target)
        if not self.cap.isOpened():
            raise CameraError(f"cannot open {self.target!r}")

    def read(self) -> Any:
        if self.cap is None:
            return None
        ok, frame = self.cap.read()
        if not ok and self.loop:
            import cv2
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.cap.read()
        return frame if ok else None

    def close(self) -> None:
        if self.cap is not None:
            self.cap.release()
            self.cap = None


def open_fallback_source(spec: str) -> Any:
    kind, _, arg = spec.partition(":")
    if kind == "video" and arg:
        return _CvSource(arg, loop=True)
    if kind == "opencv":
        return _CvSource(int(arg or 0), loop=False)
    if kind == "auto":
        return _CvSource(0, loop=False)
    raise CameraError(f"camera source {spec!r} is not available yet")
