"""The live decoder: the cheap pipeline on every frame, the heavy multi-frame path beside it
(issue 21).

The camera feed's decode thread calls ``LiveDecoder(frame)`` for each frame it decodes. The cheap
pipeline (``Scanner``) answers at once. A frame it reads nothing on is handed to a
``HeavyWorker`` thread: one slot, the newest frame wins, so the heavy path never queues work and
never holds up the cheap one or the preview. The worker fuses the candidate region over
consecutive frames (``kiosk.scan.fusion``), and its reads must agree across two attempts before
they are handed back; they join the texts of the next frame the feed decodes, so they reach the
UI by the feed's existing callback (which the app wraps with ``mainthread``).

The worker thread lowers its own scheduling priority (Linux: a thread has its own nice value),
so on a busy Pi the preview and the touch UI win the CPU and the heavy path takes what is left.
With ``process=True`` (what the kiosk wires) the fusion itself runs in a child process
(``kiosk.scan.heavy_process``): the thread then only waits on a pipe, and the heavy work cannot
hold the GIL the preview needs.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Callable, Sequence

import numpy as np

from kiosk.scan.decoder import Code, Decoder, unique_codes, to_gray
from kiosk.scan.fusion import FUSE_FRAMES, Agreement, FrameFusion
from kiosk.scan.heavy_process import FusionEngine, ProcessFusion
from kiosk.scan.scanner import Scanner

log = logging.getLogger(__name__)

HEAVY_NICE = 10
STILL_AFTER = 3        # heavy attempts that saw a code region yet read nothing, in a row ...
STILL_EVERY_S = 3.0    # ... ask the camera for full-resolution stills, at most this often
STILL_BURST = 2        # stills per request: two attempts, as a heavy read must agree twice


class HeavyWorker:
    """``submit(frame)`` offers a frame the cheap path did not read (dropped if a newer one
    comes first); ``take()`` returns the agreed reads made since the last call."""

    def __init__(self, decoder: Decoder, *, frames: int = FUSE_FRAMES, votes: int = 2,
                 nice: int = HEAVY_NICE, engine: FusionEngine | None = None) -> None:
        self.fusion: FusionEngine = engine or FrameFusion(decoder, frames=frames)
        self.agreement = Agreement(votes=votes)
        self.nice = nice
        self.attempts = 0
        self.reads = 0
        self.unread_streak = 0   # attempts in a row with a candidate region and no read
        self._slot: np.ndarray | None = None
        self._stills: list[np.ndarray] = []   # taken before the slot, none dropped
        self._results: list[Code] = []
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None

    def start(self) -> "HeavyWorker":
        with self._cond:
            if self._thread is None and not self._stop:  # once stopped, stays stopped
                self._thread = threading.Thread(target=self._run, name="leadkiosk-heavy",
                                                daemon=True)
                self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ends the thread for good (a late frame from the camera feed starts nothing)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is None:
            self.fusion.close()  # never started: nothing else will close it
        elif thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._slot is not None

    def submit(self, frame: np.ndarray) -> None:
        with self._cond:
            self._slot = frame
            self._cond.notify_all()

    def submit_still(self, frame: np.ndarray) -> None:
        """A full-resolution still: queued (at most two), so a burst of two gives the two
        agreeing attempts a heavy read needs."""
        with self._cond:
            self._stills = (self._stills + [frame])[-2:]
            self._cond.notify_all()

    def take(self) -> list[Code]:
        with self._cond:
            out, self._results = self._results, []
        return out

    def idle(self) -> None:
        """The cheap path read the frame (or the badge left): forget partial agreement."""
        with self._cond:
            self._slot = None
        self.agreement.reset()

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            self.fusion.close()

    def _loop(self) -> None:
        if self.nice and hasattr(os, "setpriority"):
            try:  # per-thread on Linux (a thread id is a process id to setpriority)
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
            except OSError as exc:
                log.debug("heavy worker keeps its priority: %s", exc)
        while True:
            with self._cond:
                while self._slot is None and not self._stills and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                frame: np.ndarray | None
                if self._stills:
                    frame = self._stills.pop(0)
                else:
                    frame, self._slot = self._slot, None
            if frame is None:
                continue
            try:
                codes = self.fusion.add(frame)
            except Exception:  # noqa: BLE001 - one broken frame must not end the heavy path
                log.exception("heavy decoding a frame")
                continue
            self.attempts += 1
            if self.fusion.last_regions == 0:
                self.agreement.reset()
            self.unread_streak = 0 if codes or not self.fusion.last_regions \
                else self.unread_streak + 1
            agreed = self.agreement.confirm(codes)
            if agreed:
                with self._cond:
                    self.reads += len(agreed)
                    self._results.extend(agreed)


class LiveDecoder:
    """``decoder(frame) -> texts`` for the camera feed: every sighting, no repeat window (the
    app's handled-codes rule needs them). ``close()`` stops the heavy worker."""

    def __init__(self, decoder: Decoder | None = None, *, heavy: bool = True,
                 frames: int = FUSE_FRAMES, votes: int = 2, process: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``process``: run the heavy path's fusion in a child process (the kiosk does)."""
        self.decoder = decoder or Decoder()
        self._clock = clock
        self._last_still = -1e9
        self.stills_used = 0
        self.still_burst = STILL_BURST
        self.scanner = Scanner(self.decoder, repeat_window_s=0)
        engine = ProcessFusion(self.decoder, frames=frames, nice=HEAVY_NICE) \
            if heavy and process else None
        self.heavy = HeavyWorker(self.decoder, frames=frames, votes=votes, engine=engine) \
            if heavy else None

    def codes(self, frame: Any) -> list[Code]:
        gray = to_gray(frame)
        codes = self.scanner.scan(gray)
        if self.heavy is not None:
            if codes:
                self.heavy.idle()
            else:
                self.heavy.start().submit(gray)
            codes = unique_codes(codes + self.heavy.take())  # two attempts may both have agreed
        return codes

    def __call__(self, frame: Any) -> Sequence[str]:
        return [c.text for c in self.codes(frame)]

    def still_wanted(self) -> bool:
        """True when a code region has been seen but not read in ``STILL_AFTER`` heavy attempts
        in a row and no still was asked for in ``STILL_EVERY_S``: the camera feed then takes a
        full-resolution still (``FrameSource.capture_still``) ``STILL_BURST`` times and hands
        each to ``offer_still``."""
        if self.heavy is None or self.heavy.unread_streak < STILL_AFTER:
            return False
        return self._clock() - self._last_still >= STILL_EVERY_S

    def offer_still(self, frame: Any) -> None:
        """A full-resolution still for the heavy worker (it takes the slot: newest wins)."""
        self._last_still = self._clock()
        if self.heavy is not None:
            self.stills_used += 1
            self.heavy.unread_streak = 0
            self.heavy.start().submit_still(to_gray(frame))

    def close(self) -> None:
        if self.heavy is not None:
            self.heavy.stop()
