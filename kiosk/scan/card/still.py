"""When to take the picture of a card: the kiosk shoots by itself once the view is steady and sharp.

Why not on the first frame: OCR on a blurred or moving card returns garbage fields that staff then
have to retype, and a visitor needs a moment to bring the card into the guide frame. Why not a
timer: steadiness and sharpness are measured, so a card held still is taken at once and a shaking
hand waits. The check works on a small grey copy of the frame (about 320 px wide), cheap enough for
the Pi to run on every few preview frames, and counts frames rather than seconds (time is not an
input here: the camera's frame rate paces it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WORK_WIDTH = 320
SHARP_MIN = 60.0      # variance of the Laplacian of the guide area: printed text on a card is >> 100
STEADY_MAX = 4.0      # mean absolute grey difference to the previous frame (0..255)
STEADY_FRAMES = 3     # consecutive steady, sharp frames before the shot
GUIDE = (0.10, 0.12, 0.90, 0.88)   # the guide frame: left, top, right, bottom as fractions of the view


@dataclass(frozen=True)
class StillVerdict:
    """``ready``: take the picture now; ``sharpness``/``motion`` say why not yet (for the hint)."""

    ready: bool
    sharpness: float
    motion: float
    steady_frames: int


def guide_crop(frame: np.ndarray) -> np.ndarray:
    """The part of the frame inside the guide, where the card is expected."""
    h, w = frame.shape[:2]
    left, top, right, bottom = GUIDE
    return frame[int(h * top):int(h * bottom), int(w * left):int(w * right)]


class StillDetector:
    """Feed it frames in order; it says when the card has been steady and sharp long enough."""

    def __init__(self, sharp_min: float = SHARP_MIN, steady_max: float = STEADY_MAX,
                 steady_frames: int = STEADY_FRAMES, wait_for_motion: bool = False) -> None:
        """``wait_for_motion``: count only after the view has changed once (after a failed read,
        the same still view is not shot again and again)."""
        self.wait_for_motion = wait_for_motion
        self.sharp_min = sharp_min
        self.steady_max = steady_max
        self.steady_frames = steady_frames
        self.reset()

    def reset(self) -> None:
        self._previous: np.ndarray | None = None
        self._count = 0
        self._armed = not self.wait_for_motion

    def check(self, frame: np.ndarray) -> StillVerdict:
        import cv2

        crop = guide_crop(frame)
        if crop.size == 0:
            return StillVerdict(False, 0.0, 255.0, 0)
        scale = WORK_WIDTH / max(1, crop.shape[1])
        small = cv2.resize(crop, (WORK_WIDTH, max(1, int(crop.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
        if self._previous is None or self._previous.shape != grey.shape:
            motion = 255.0
        else:
            motion = float(np.mean(cv2.absdiff(grey, self._previous)))
        if self._previous is not None and motion > self.steady_max:
            self._armed = True
        self._previous = grey
        if not self._armed:
            return StillVerdict(False, sharpness, motion, 0)
        if sharpness >= self.sharp_min and motion <= self.steady_max:
            self._count += 1
        else:
            self._count = 0
        return StillVerdict(self._count >= self.steady_frames, sharpness, motion, self._count)
