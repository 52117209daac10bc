"""Retry stages that were measured and left out of the pipeline: what each would add on top of
it (images only it reads) and what it would cost on every idle frame (the NONE rows)."""
from __future__ import annotations

import statistics
import time
from typing import Callable

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

from bench.scan_corpus import Sample

Result = list[tuple[str, bytes]]
_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))


def _zx(gray: np.ndarray, **kwargs: object) -> Result:
    opts = {"try_rotate": False, "try_downscale": False, "try_invert": False}
    opts.update(kwargs)
    return [(r.text, bytes(r.bytes)) for r in
            zxingcpp.read_barcodes(gray, text_mode=zxingcpp.TextMode.Plain, **opts)]


CANDIDATES: dict[str, Callable[[np.ndarray], Result]] = {
    "zxing try-everything": lambda g: _zx(g, try_rotate=True, try_downscale=True, try_invert=True),
    "CLAHE + zxing": lambda g: _zx(_CLAHE.apply(g)),
    "2x whole-frame + zxing": lambda g: _zx(cv2.resize(g, None, fx=2, fy=2,
                                                       interpolation=cv2.INTER_CUBIC)),
    "pyzbar (all symbols)": lambda g: [(r.data.decode("utf-8", "replace"), r.data)
                                       for r in pyzbar.decode(g)],
}


def run_ablation(samples: list[Sample], pipeline: Callable[[np.ndarray], Result],
                 clock: Callable[[], float] = time.thread_time) -> None:
    missed = [s for s in samples if s.expected is not None
              and not any(s.matches(t, b) for t, b in pipeline(s.gray))]
    idle = [s for s in samples if s.expected is None]
    print()
    print(f"stage candidates measured and left out (run after the pipeline fails: "
          f"{len(missed)} coded images it misses, {len(idle)} NONE frames)")
    header = f"{'candidate':24} | {'extra reads':>11} | {'false reads':>11} | {'idle ms (median)':>16}"
    print(header)
    print("-" * len(header))
    for name, fn in CANDIDATES.items():
        extra = sum(any(s.matches(t, b) for t, b in fn(s.gray)) for s in missed)
        false = 0
        times = []
        for s in idle:
            start = clock()
            out = fn(s.gray)
            times.append((clock() - start) * 1000)
            false += bool(out)
        print(f"{name:24} | {extra:>11} | {false:>11} | {statistics.median(times):>16.2f}")
