"""A short video of a badge QR code entering a camera's view, for the UI tests and the benchmark.

The tests need to know exactly when the badge appears (to time "badge entering view -> contact
screen") and which payload it carries, so they make their own clip rather than rely on the demo
video's timing. Written with OpenCV (MJPG in AVI, readable by every OpenCV build).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

BADGE_VCARD = ("BEGIN:VCARD\nVERSION:3.0\nN:Weber;Lena;;;\nFN:Lena Weber\nORG:Rheinwerk Systems GmbH\n"
               "TITLE:CTO\nEMAIL:lena.weber@rheinwerk.example\nTEL:+49 221 5550101\nEND:VCARD")


def badge_image(payload: str, size: int = 300) -> np.ndarray:
    import cv2
    import zxingcpp
    if hasattr(zxingcpp, "create_barcode"):
        img = np.asarray(zxingcpp.write_barcode_to_image(
            zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode), scale=4))
    else:
        img = np.asarray(zxingcpp.write_barcode(zxingcpp.BarcodeFormat.QRCode, payload, size, size))
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_NEAREST)
    card = np.full((size + 120, size + 60, 3), 255, np.uint8)
    card[30:30 + size, 30:30 + size] = img[:, :, :3]
    cv2.putText(card, "VISITOR", (30, size + 95), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (40, 40, 40), 2)
    return card


def write_badge_video(path: str | Path, payload: str = BADGE_VCARD, empty_frames: int = 30,
                      badge_frames: int = 60, size: tuple[int, int] = (960, 540), fps: float = 30.0) -> Path:
    """``empty_frames`` of an empty booth, then the badge slides in and stays ``badge_frames``."""
    import cv2
    w, h = size
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path}")
    yy, xx = np.mgrid[0:h, 0:w]
    backdrop = np.dstack([(60 + 40 * xx / w).astype(np.uint8), (70 + 30 * yy / h).astype(np.uint8),
                          np.full((h, w), 85, np.uint8)])
    card = badge_image(payload, size=min(h - 160, 320))
    ch, cw = card.shape[:2]
    for i in range(empty_frames + badge_frames):
        frame = backdrop.copy()
        if i >= empty_frames:
            k = min(1.0, (i - empty_frames + 1) / 6.0)   # slides in over 6 frames
            x = int((w - cw) / 2 + (1 - k) * (w / 2))
            y = (h - ch) // 2
            x0, x1 = max(0, x), min(w, x + cw)
            if x1 > x0:
                frame[y:y + ch, x0:x1] = card[:, x0 - x:x1 - x]
        writer.write(frame)
    writer.release()
    return path
