"""Generated camera frames for scanning tests: a small QR badge held in front of a noisy
sensor, each frame with its own noise and a little hand tremor."""
from __future__ import annotations

import cv2
import numpy as np
import zxingcpp

TRUTH = "LK-2026-000421"


def held_badge(noise: float, count: int, seed: int = 1) -> list[np.ndarray]:
    """A small, soft QR code held still-ish (2 px tremor) in front of a noisy sensor: every
    frame has its own noise, as a camera's frames do."""
    code = np.array(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(TRUTH, zxingcpp.BarcodeFormat.QRCode), scale=3))
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        frame = np.full((360, 480), 120, np.float32)
        dx, dy = rng.integers(-2, 3, 2)
        h, w = code.shape
        frame[120 + dy:120 + dy + h, 180 + dx:180 + dx + w] = 60 + code * 0.5
        frame = cv2.GaussianBlur(frame, (0, 0), 0.8) + rng.normal(0, noise, frame.shape)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames
