"""Camera reading and badge decoding on two background threads, so the UI thread only blits.

Capture and decode are separate threads: a slow decode (a noisy frame can take 100 ms) must not
stall the preview, and the decoder always works on the newest frame rather than a backlog. Results
leave through callbacks that the app wraps with Kivy's ``mainthread``; nothing here imports Kivy.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Sequence

from kiosk.errors import CameraError, KioskError

log = logging.getLogger(__name__)


class CameraFeed:
    """Owns one frame source. ``open_source()`` must return an opened FrameSource (it is called
    again after a failure, so an unplugged camera comes back). ``latest()`` returns
    ``(frame_number, frame)`` for the preview."""

    def __init__(self, open_source: Callable[[], Any], decode: Callable[[Any], Sequence[str]],
                 on_code: Callable[[str], None], on_error: Callable[[str], None],
                 on_ready: Callable[[], None] = lambda: None, max_fps: float = 30.0,
                 retry_s: float = 3.0, prepare: Callable[[Any], Any] | None = None,
                 max_decode_fps: float = 15.0,
                 on_decoded: Callable[[Sequence[str]], None] | None = None) -> None:
        self._open_source = open_source
        # every decoded frame's codes, empty ones too (a badge that left the view shows as misses)
        self._on_decoded = on_decoded
        self._decode = decode
        self._on_code = on_code
        self._on_error = on_error
        self._on_ready = on_ready
        self._period = 1.0 / max_fps if max_fps > 0 else 0.0
        self._retry_s = retry_s
        self._prepare = prepare or preview_frame
        # 15 decodes a second find a badge within ~70 ms of it appearing and leave the CPU to the
        # preview and the touch UI (a Pi 4 has four slow cores, this machine two shared ones).
        self._decode_period = 1.0 / max_decode_fps if max_decode_fps > 0 else 0.0
        self._preview: Any = None
        self._lock = threading.Lock()
        self._frame: Any = None
        self._frame_no = 0
        self._decoded_no = 0
        self._new_frame = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.frames_read = 0
        self.frames_decoded = 0
        self.error: str | None = None
        self.paused = False
        # held: no frames are read at all (while a card photo is read, the OCR gets the CPU)
        self.held = False
        self._still_requests: list[_StillRequest] = []

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for target, name in ((self._capture_loop, "camera"), (self._decode_loop, "decode")):
            t = threading.Thread(target=target, name=f"leadkiosk-{name}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._new_frame.set()
        for t in self._threads:
            t.join(timeout)
        self._threads = []

    def latest(self) -> tuple[int, Any]:
        """The newest preview frame (RGB, at most preview size), prepared on the camera thread."""
        with self._lock:
            return self._frame_no, self._preview

    def latest_frame(self) -> tuple[int, Any]:
        """The newest full camera frame (BGR, as the source gave it): what a card photo is read from."""
        with self._lock:
            return self._frame_no, self._frame

    def take_still(self, timeout_s: float = 4.0) -> Any:
        """The best still the camera offers (BGR): the Pi camera's full-resolution still, taken on
        the camera thread (it switches the camera's mode); None where the source has nothing
        better than its video frames, or when no still came within ``timeout_s`` (the caller
        then uses the video frame). Blocks the calling thread, never the UI thread's caller."""
        request = _StillRequest()
        with self._lock:
            self._still_requests.append(request)
        if not request.done.wait(timeout_s):
            with self._lock:
                if request in self._still_requests:
                    self._still_requests.remove(request)
            return None
        return request.frame

    # --- threads ---------------------------------------------------------------------------------
    def _capture_loop(self) -> None:
        while not self._stop.is_set():
            try:
                source = self._open_source()   # returns an opened source (kiosk.scan contract)
            except (KioskError, OSError) as exc:
                self._fail(exc)
                if self._stop.wait(self._retry_s):
                    return
                continue
            self.error = None
            self._on_ready()
            try:
                self._pump(source)
            except (KioskError, OSError) as exc:
                self._fail(exc)
                self._stop.wait(self._retry_s)
            finally:
                try:
                    source.close()
                except Exception:  # closing a broken camera must not kill the thread
                    log.exception("closing frame source")

    def _pump(self, source: Any) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            self._serve_stills(source)
            if self.held:
                self._stop.wait(0.05)
                next_at = time.monotonic()
                continue
            frame = source.read()
            if frame is None:
                self._stop.wait(0.01)
                continue
            self._maybe_still(source)
            preview = self._prepare(frame)
            with self._lock:
                self._frame = frame
                self._preview = preview
                self._frame_no += 1
            self.frames_read += 1
            self._new_frame.set()
            if self._period:
                next_at += self._period
                delay = next_at - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    next_at = time.monotonic()

    def _serve_stills(self, source: Any) -> None:
        with self._lock:
            requests, self._still_requests = self._still_requests, []
        if not requests:
            return
        capture = getattr(source, "capture_still", None)
        frame = None
        if capture is not None:
            try:
                frame = capture()
            except Exception:  # the video frame is a good fallback; the feed must go on
                log.exception("still capture")
        for request in requests:
            request.frame = frame
            request.done.set()

    def _maybe_still(self, source: Any) -> None:
        """A decoder that saw a code it could not read may ask for a full-resolution still
        (``still_wanted``/``offer_still``, kiosk.scan.live); sources that can (the Pi camera)
        take one. It is taken here, on the camera thread, because it switches the camera mode."""
        wanted = getattr(self._decode, "still_wanted", None)
        capture = getattr(source, "capture_still", None)
        if wanted is None or capture is None or not wanted():
            return
        for _ in range(int(getattr(self._decode, "still_burst", 1))):
            still = capture()
            if still is None:
                return
            self._decode.offer_still(still)  # type: ignore[attr-defined]

    def _fail(self, exc: BaseException) -> None:
        message = str(exc) or type(exc).__name__
        if message != self.error:
            log.warning("camera: %s", message)
        self.error = message
        self._on_error(message)

    def _decode_loop(self) -> None:
        last = 0.0
        while not self._stop.is_set():
            wait = last + self._decode_period - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            self._new_frame.wait(0.5)
            self._new_frame.clear()
            if self._stop.is_set():
                return
            with self._lock:
                number, frame = self._frame_no, self._frame
            if frame is None or number == self._decoded_no or self.paused:
                continue
            self._decoded_no = number
            last = time.monotonic()
            try:
                texts = self._decode(frame)
            except Exception:  # a decoder bug on one frame must not end scanning for the day
                log.exception("decoding a frame")
                continue
            self.frames_decoded += 1
            if self._on_decoded is not None:
                self._on_decoded(list(texts))
            for text in texts:
                self._on_code(text)


PREVIEW_MAX_W = 640


def preview_frame(frame: Any) -> Any:
    """Scale down and convert BGR->RGB off the UI thread: Kivy's GL path has no BGR upload on many
    drivers and converts per pixel on the UI thread (measured ~100 ms per 1280x720 frame with
    llvmpipe), and the preview box is never wider than about 640 px anyway."""
    import cv2
    h, w = frame.shape[:2]
    if w > PREVIEW_MAX_W:
        frame = cv2.resize(frame, (PREVIEW_MAX_W, int(h * PREVIEW_MAX_W / w)), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def camera_error_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, CameraError) else f"{type(exc).__name__}: {exc}"


class _StillRequest:
    """One ``take_still`` waiting for the camera thread."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.frame: Any = None
