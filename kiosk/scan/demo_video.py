"""The demo video: a visitor's badge (vCard QR) moving and tilting in front of the camera, with
empty frames before and after. Generated on first use and cached (never committed), so a kiosk
without a camera, the UI tests and ``leadkiosk decode`` all have a real video to read.
"""
from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

from kiosk.errors import CameraError

DEMO_VERSION = 1
WIDTH, HEIGHT, FPS, SECONDS = 640, 480, 20, 4.0
DEMO_VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Example;Ana;;;\r\nFN:Ana Example\r\n"
    "ORG:Example Robotics GmbH\r\nTITLE:Head of Operations\r\n"
    "EMAIL;TYPE=WORK:ana.example@example.com\r\nTEL;TYPE=WORK:+49 30 12345678\r\n"
    "ADR;TYPE=WORK:;;Alexanderplatz 1;Berlin;;10178;Germany\r\nEND:VCARD")
# Frame ranges (at FPS) in which the badge is in view; outside them the camera sees the booth.
BADGE_FRAMES = range(int(0.5 * FPS), int(3.5 * FPS))
_lock = threading.Lock()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "leadkiosk"


def demo_video_path(directory: str | os.PathLike[str] | None = None) -> Path:
    """Path of the demo video, generating it (atomically) if it is not cached yet."""
    folder = Path(directory) if directory is not None else default_cache_dir()
    path = folder / f"demo-badge-v{DEMO_VERSION}.avi"
    with _lock:
        if path.is_file() and path.stat().st_size > 0:
            return path
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{path.name}.{os.getpid()}.tmp.avi"
            write_demo_video(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise CameraError(f"cannot write the demo video to {folder}: {exc}") from exc
    return path


def _badge_card() -> np.ndarray:
    """A conference badge: colour header, name, company, and the vCard QR."""
    card = np.full((300, 220, 3), 250, np.uint8)
    cv2.rectangle(card, (0, 0), (219, 52), (160, 101, 21), -1)  # header (BGR of #1565c0)
    cv2.putText(card, "DEMO SHOW 2026", (14, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.62,
                (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(card, "Ana Example", (14, 84), cv2.FONT_HERSHEY_SIMPLEX, 0.72, (30, 30, 30), 2,
                cv2.LINE_AA)
    cv2.putText(card, "Example Robotics GmbH", (14, 106), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                (70, 70, 70), 1, cv2.LINE_AA)
    barcode = zxingcpp.create_barcode(DEMO_VCARD, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    qr = np.array(zxingcpp.write_barcode_to_image(barcode, scale=3))
    side = min(170, 300 - 118)
    qr = cv2.resize(qr, (side, side), interpolation=cv2.INTER_NEAREST)
    x0 = (220 - side) // 2
    card[116:116 + side, x0:x0 + side] = cv2.cvtColor(qr, cv2.COLOR_GRAY2BGR)
    return card


def _background(rng: np.random.Generator) -> np.ndarray:
    """A booth seen from the kiosk: wall gradient, a banner, a table edge, sensor noise."""
    y = np.linspace(0, 1, HEIGHT, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, WIDTH, dtype=np.float32)[None, :]
    wall = (150 + 40 * y + 15 * x).astype(np.uint8)
    bg = cv2.merge([wall, (wall * 0.95).astype(np.uint8), (wall * 0.85).astype(np.uint8)])
    cv2.rectangle(bg, (40, 30), (260, 110), (60, 60, 140), -1)
    cv2.putText(bg, "leadkiosk", (58, 84), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (230, 230, 230), 2,
                cv2.LINE_AA)
    cv2.rectangle(bg, (0, 400), (WIDTH, HEIGHT), (70, 90, 110), -1)
    return bg


def write_demo_video(path: Path) -> None:
    rng = np.random.default_rng(2026)
    background = _background(rng)
    card = _badge_card()
    ch, cw = card.shape[:2]
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write MJPG video to {path}")
    try:
        for i in range(int(SECONDS * FPS)):
            frame = background.copy()
            if i in BADGE_FRAMES:
                t = (i - BADGE_FRAMES.start) / len(BADGE_FRAMES)
                cx = WIDTH / 2 + 70 * math.sin(2 * math.pi * t)
                cy = HEIGHT / 2 + 15 * math.sin(4 * math.pi * t)
                angle = math.radians(8 * math.sin(2 * math.pi * t + 1.0))
                scale = 1.05 + 0.1 * math.sin(math.pi * t)
                tilt = 0.08 * math.sin(2 * math.pi * t)  # perspective: one edge nearer the lens
                pts = []
                for px, py in src:
                    dx, dy = (px - cw / 2) * scale, (py - ch / 2) * scale
                    dx *= 1 + tilt * (dy / (ch / 2))
                    rx = dx * math.cos(angle) - dy * math.sin(angle)
                    ry = dx * math.sin(angle) + dy * math.cos(angle)
                    pts.append([cx + rx, cy + ry])
                matrix = cv2.getPerspectiveTransform(src, np.float32(pts))
                warped = cv2.warpPerspective(card, matrix, (WIDTH, HEIGHT))
                mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), matrix,
                                           (WIDTH, HEIGHT))
                frame[mask > 0] = warped[mask > 0]
                frame = cv2.GaussianBlur(frame, (3, 3), 0.6)
            noise = rng.normal(0, 3, frame.shape).astype(np.int16)
            frame = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
            writer.write(frame)
    finally:
        writer.release()
