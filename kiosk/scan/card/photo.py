"""The card photo kept with a lead: a JPEG small enough to sync, large enough to re-read by eye.

Only the guide frame's area is kept (that is where the card is; the rest is the booth and the
visitor), at most 1200 px wide: 8-point print stays legible from a 1080p frame, and at quality 75
a card is about 60-120 KB, so a show's few hundred cards sync in minutes on a booth's mobile
link, and the lead record (which carries it, sealed) stays small."""
from __future__ import annotations

import numpy as np

from kiosk.errors import CardReadError

MAX_SIDE = 1200
QUALITY = 75


def encode_photo(frame: np.ndarray, crop: bool = True) -> bytes:
    """JPEG bytes of a BGR frame (``crop``: only the guide frame's area), scaled down to ``MAX_SIDE``."""
    import cv2

    from kiosk.scan.card.still import guide_crop

    if crop:
        frame = guide_crop(frame)
    h, w = frame.shape[:2]
    if max(h, w) > MAX_SIDE:
        scale = MAX_SIDE / max(h, w)
        frame = cv2.resize(frame, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", frame, [int(cv2.IMWRITE_JPEG_QUALITY), QUALITY])
    if not ok:
        raise CardReadError("the card photo could not be encoded as JPEG")
    return bytes(data.tobytes())
