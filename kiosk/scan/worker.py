"""The scan loop off the UI thread: pull frames, decode, hand results to a callback.

zxing-cpp, pyzbar and OpenCV release the GIL, so a worker thread decodes while Kivy keeps
drawing. The callback runs on the worker thread: the UI wraps it with ``Clock.schedule_once``.
The newest frame is kept for the camera preview whether or not decoding is paused.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import numpy as np

from kiosk.errors import CameraError, KioskError
from kiosk.scan.decoder import Code
from kiosk.scan.scanner import Scanner
from kiosk.scan.sources import FrameSource

log = logging.getLogger(__name__)

CodesCallback = Callable[[list[Code], np.ndarray], None]
ErrorCallback = Callable[[KioskError], None]


class ScanWorker:
    """``ScanWorker(source, on_codes).start()`` ... ``stop()``. ``source`` must be open; it is
    closed by ``stop()`` unless ``close_source=False``."""

    def __init__(self, source: FrameSource, on_codes: CodesCallback, *,
                 scanner: Scanner | None = None, repeat_window_s: float = 3.0,
                 on_error: ErrorCallback | None = None, on_end: Callable[[], None] | None = None,
                 close_source: bool = True) -> None:
        self.source = source
        self.on_codes = on_codes
        self.on_error = on_error
        self.on_end = on_end
        self.scanner = scanner or Scanner(repeat_window_s=repeat_window_s)
        self.close_source = close_source
        self.frames_read = 0
        self.frames_decoded = 0
        self.last_decode_ms = 0.0
        self.error: KioskError | None = None
        self._latest: np.ndarray | None = None
        self._latest_lock = threading.Lock()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._thread: threading.Thread | None = None

    # -- control ------------------------------------------------------------------------------
    def start(self) -> "ScanWorker":
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="scan-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None
        if self.close_source:
            try:
                self.source.close()
            except KioskError as exc:
                log.warning("closing %s: %s", self.source.name, exc)

    def pause(self) -> None:
        """Keep the preview live but stop decoding (e.g. while the visitor fills the form)."""
        self._paused.set()

    def resume(self, forget_repeats: bool = False) -> None:
        if forget_repeats:
            self.scanner.repeats.reset()
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def latest_frame(self) -> np.ndarray | None:
        """The newest BGR frame for the preview (the array is never written to afterwards)."""
        with self._latest_lock:
            return self._latest

    # -- loop ---------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self.source.read()
                if frame is None:
                    if getattr(self.source, "ended", False):
                        break
                    time.sleep(0.01)
                    continue
                self.frames_read += 1
                with self._latest_lock:
                    self._latest = frame
                if self._paused.is_set():
                    continue
                start = time.perf_counter()
                codes = self.scanner.scan(frame)
                self.last_decode_ms = (time.perf_counter() - start) * 1000
                self.frames_decoded += 1
                if codes:
                    try:
                        self.on_codes(codes, frame)
                    except Exception:  # noqa: BLE001 - a UI bug must not stop scanning
                        log.exception("scan callback failed")
        except CameraError as exc:
            self.error = exc
            log.warning("scanning stopped: %s", exc)
            if self.on_error is not None:
                self.on_error(exc)
        finally:
            if self.on_end is not None and not self._stop.is_set():
                try:
                    self.on_end()
                except Exception:  # noqa: BLE001
                    log.exception("scan end callback failed")
