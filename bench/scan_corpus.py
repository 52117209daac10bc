"""The barcode corpus for the scanning benchmark: manifest rows, expected payloads, and the
derived "rotated PDF417" set (the corpus photos turned by fixed angles) that raw decoders miss."""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(os.environ.get("LEADKIOSK_CORPUS", REPO.parent / "shared" / "corpus"))
ROTATIONS = (-25.0, -12.0, -7.0, 6.0, 10.0, 18.0)


@dataclass
class Sample:
    name: str
    symbology: str
    gray: np.ndarray
    expected: bytes | None  # None: the frame holds no code and must decode to nothing

    def matches(self, text: str, raw: bytes) -> bool:
        if self.expected is None:
            return False
        return raw == self.expected or text == self.expected.decode("utf-8", errors="replace")


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """Rotate with the canvas grown to fit, filled with the photo's median grey (no hard edge
    that would hand the region finder a free rectangle)."""
    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, matrix, (nw, nh), borderValue=int(np.median(gray)))


def load_samples(corpus: Path = DEFAULT_CORPUS, every: int = 1,
                 rotated: bool = True) -> list[Sample]:
    base = corpus / "barcodes"
    with open(base / "manifest.tsv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    samples: list[Sample] = []
    for i, row in enumerate(rows):
        if i % every:
            continue
        gray = cv2.imread(str(base / row["image"]), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            raise SystemExit(f"cannot read corpus image {base / row['image']}")
        expected = (base / row["expected"]).read_bytes() if row["expected"] else None
        samples.append(Sample(row["image"], row["symbology"], gray, expected))
    if rotated:
        pdf = [s for s in samples if s.symbology == "PDF417"]
        for j, sample in enumerate(pdf):
            angle = ROTATIONS[j % len(ROTATIONS)]
            samples.append(Sample(f"{sample.name}@{angle:+.0f}deg", "PDF417-rotated",
                                  rotate(sample.gray, angle), sample.expected))
    return samples
