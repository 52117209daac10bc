"""The card photo kept with a lead: a JPEG small enough to sync, large enough to re-read by eye.

1600 px on the long side keeps 8-point print legible on a 1080p frame of a card held at 20 cm,
and at quality 80 a card is about 150-300 KB, so a show's few hundred cards sync in minutes on a
booth's mobile link."""
from __future__ import annotations

import numpy as np

from kiosk.errors import CardReadError

MAX_SIDE = 1600
QUALITY = 80


def encode_photo(frame: np.ndarray) -> bytes:
    """JPEG bytes of a BGR frame, scaled down to ``MAX_SIDE``."""
    import cv2

    h, w = frame.shape[:2]
    if max(h, w) > MAX_SIDE:
        scale = MAX_SIDE / max(h, w)
        frame = cv2.resize(frame, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", frame, [int(cv2.IMWRITE_JPEG_QUALITY), QUALITY])
    if not ok:
        raise CardReadError("the card photo could not be encoded as JPEG")
    return bytes(data.tobytes())
