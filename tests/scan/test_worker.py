"""The repeat window and the ScanWorker thread, on real frames from the demo video."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import CameraError
from kiosk.scan.decoder import Code
from kiosk.scan.demo_video import DEMO_VCARD
from kiosk.scan.scanner import RepeatFilter, Scanner
from kiosk.scan.sources import FrameSource, MemoryFrameSource, OpenCVSource
from kiosk.scan.worker import ScanWorker


def test_repeat_filter_once_per_window() -> None:
    f = RepeatFilter(3.0)
    a, b = Code("QR", "A"), Code("QR", "B")
    assert f.admit([a], now=0.0) == [a]
    assert f.admit([a], now=1.0) == []
    assert f.admit([a, b], now=2.9) == [b]
    assert f.admit([a], now=3.0) == [a]
    assert f.admit([a], now=5.0) == []
    f.reset()
    assert f.admit([a], now=5.1) == [a]
    assert RepeatFilter(0).admit([a], now=0) == [a]
    with pytest.raises(ValueError):
        RepeatFilter(-1)


def test_scanner_uses_window_with_injected_clock() -> None:
    now = [0.0]
    scanner = Scanner(repeat_window_s=2.0, clock=lambda: now[0])
    import zxingcpp
    img = np.array(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode("R-1", zxingcpp.BarcodeFormat.QRCode), scale=5))
    assert [c.text for c in scanner.scan(img)] == ["R-1"]
    now[0] = 1.0
    assert scanner.scan(img) == []
    now[0] = 2.5
    assert [c.text for c in scanner.scan(img)] == ["R-1"]


def _demo_frames(path: Path) -> list[np.ndarray]:
    with OpenCVSource(path=path) as source:
        return list(source.frames())


def test_worker_delivers_badge_once_and_keeps_preview(demo_video: Path) -> None:
    frames = _demo_frames(demo_video)
    results: list[tuple[list[Code], np.ndarray]] = []
    ended = threading.Event()
    source = MemoryFrameSource(frames).open()
    worker = ScanWorker(source, lambda codes, frame: results.append((codes, frame)),
                        repeat_window_s=60.0, on_end=ended.set).start()
    assert ended.wait(30), "worker did not reach the end of the frames"
    worker.stop()
    assert worker.frames_read == len(frames) == worker.frames_decoded
    assert len(results) == 1
    codes, frame = results[0]
    assert [(c.format, c.text) for c in codes] == [("QR", DEMO_VCARD)]
    assert frame.shape == (480, 640, 3)
    assert worker.latest_frame() is frames[-1]
    assert worker.error is None and not worker.running
    assert not source.opened  # stop() closed it


def test_worker_runs_off_the_calling_thread_and_pauses(demo_video: Path) -> None:
    frames = _demo_frames(demo_video)
    threads: list[str] = []
    source = MemoryFrameSource(frames[20:40], loop=True, fps=200).open()
    worker = ScanWorker(source, lambda codes, frame: threads.append(
        threading.current_thread().name), repeat_window_s=0)
    worker.pause()
    worker.start()
    deadline = time.monotonic() + 10
    while worker.frames_read < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.frames_read >= 10 and worker.frames_decoded == 0  # preview only
    assert worker.latest_frame() is not None
    worker.resume()
    while not threads and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    assert threads and set(threads) == {"scan-worker"}
    assert worker.last_decode_ms > 0


class _UnpluggedCamera(FrameSource):
    name = "opencv:0"

    def __init__(self) -> None:
        self.reads = 0

    def read(self) -> np.ndarray | None:
        self.reads += 1
        if self.reads > 3:
            raise CameraError("camera opencv:0 stopped delivering frames (disconnected?)")
        return np.zeros((48, 64, 3), np.uint8)


def test_worker_reports_camera_error() -> None:
    errors: list[Exception] = []
    done = threading.Event()
    worker = ScanWorker(_UnpluggedCamera(), lambda c, f: None,
                        on_error=lambda exc: (errors.append(exc), done.set())).start()
    assert done.wait(10)
    worker.stop()
    assert isinstance(worker.error, CameraError) and errors == [worker.error]
    assert "disconnected" in str(errors[0])


def test_callback_exception_does_not_stop_scanning(demo_video: Path) -> None:
    frames = _demo_frames(demo_video)[30:34]
    calls: list[int] = []

    def bad_callback(codes: list[Code], frame: np.ndarray) -> None:
        calls.append(1)
        raise RuntimeError("UI bug")

    ended = threading.Event()
    worker = ScanWorker(MemoryFrameSource(frames).open(), bad_callback, repeat_window_s=0,
                        on_end=ended.set).start()
    assert ended.wait(20)
    worker.stop()
    assert len(calls) >= 3 and worker.frames_decoded == 4
