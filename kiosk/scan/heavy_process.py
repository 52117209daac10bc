"""The heavy path's fusion in a child process (issue 21: the preview must hold 25 fps while
the heavy path runs).

Why a process and not only a low-priority thread: zxing-cpp's Python calls and parts of numpy
hold the GIL, so a heavy attempt running on a thread delays the preview and touch threads by
tens of milliseconds now and then (measured before this module: another thread's 2 ms sleeps
overran by up to 56-85 ms with the heavy path on a thread, 13 ms with the same work in a
process). In a process of its own, at a lower priority, the heavy path can only take idle CPU.

``ProcessFusion`` has ``FrameFusion``'s interface (``FusionEngine``), so ``HeavyWorker`` keeps
its slot, agreement and stills logic and only the ``add`` call crosses into the child: the
frame goes down a pipe, the codes and the region count come back. The child is started with
``spawn`` (a fork of a process running Kivy's and the camera's threads is not safe) when the
first frame arrives, and is restarted if it dies or hangs; after ``MAX_RESTARTS`` failures the
work falls back to an in-process ``FrameFusion``, so a broken child costs speed, never reads.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any, Protocol

import numpy as np

from kiosk.scan.decoder import Code, Decoder
from kiosk.scan.fusion import FUSE_FRAMES, FrameFusion

log = logging.getLogger(__name__)

REPLY_TIMEOUT_S = 60.0   # one heavy attempt; a Pi 4 takes ~1 s, so this only catches a hang
MAX_RESTARTS = 3


class FusionEngine(Protocol):
    """What ``HeavyWorker`` needs from the multi-frame heavy path."""

    last_regions: int

    def add(self, frame: np.ndarray) -> list[Code]:
        """Codes read from this frame fused with the previous ones ([] when none)."""
        ...

    def close(self) -> None:
        """Release what the engine holds (a child process); idempotent."""
        ...


def _decoder_args(decoder: Decoder) -> dict[str, Any]:
    return {"symbologies": decoder.symbologies, "regions": decoder.regions,
            "deskew_first": decoder.deskew_first, "zbar": decoder.zbar}


def _serve(conn: Connection, decoder_args: dict[str, Any], frames: int, nice: int) -> None:
    """The child's loop: a frame in, ``(codes, last_regions)`` out; ``None`` ends it."""
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass
    fusion = FrameFusion(Decoder(**decoder_args), frames=frames)
    while True:
        try:
            frame = conn.recv()
        except EOFError:
            return
        if frame is None:
            return
        try:
            codes = fusion.add(frame)
        except Exception:  # noqa: BLE001 - one broken frame must not end the heavy path
            log.exception("heavy decoding a frame")
            codes = []
        conn.send((codes, fusion.last_regions))


class ProcessFusion:
    """``FrameFusion`` run in a spawned child process (see the module docstring)."""

    def __init__(self, decoder: Decoder, *, frames: int = FUSE_FRAMES, nice: int = 10,
                 reply_timeout_s: float = REPLY_TIMEOUT_S) -> None:
        self._decoder = decoder
        self._frames = frames
        self._nice = nice
        self.reply_timeout_s = reply_timeout_s
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: Any = None
        self._conn: Connection | None = None
        self._fallback: FrameFusion | None = None
        self.restarts = 0
        self.last_regions = 0

    @property
    def pid(self) -> int | None:
        """The child's process id (None before the first frame or after ``close``)."""
        return self._proc.pid if self._proc is not None else None

    def add(self, frame: np.ndarray) -> list[Code]:
        if self._fallback is not None:
            codes = self._fallback.add(frame)
            self.last_regions = self._fallback.last_regions
            return codes
        try:
            conn = self._child()
            conn.send(frame)
            if not conn.poll(self.reply_timeout_s):
                raise TimeoutError(f"no reply in {self.reply_timeout_s:.0f} s")
            codes, self.last_regions = conn.recv()
            return list(codes)
        except (EOFError, OSError, TimeoutError) as exc:
            self._lost(exc)
            self.last_regions = 0
            return []

    def close(self) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None:
            try:
                conn.send(None)
            except OSError:
                pass
            conn.close()
        if proc is not None:
            proc.join(2.0)
            if proc.is_alive():
                proc.kill()
                proc.join(2.0)

    def _child(self) -> Connection:
        if self._conn is None:
            parent, child = self._ctx.Pipe()
            self._proc = self._ctx.Process(
                target=_serve, args=(child, _decoder_args(self._decoder), self._frames,
                                     self._nice),
                name="leadkiosk-heavy", daemon=True)
            self._proc.start()
            child.close()
            self._conn = parent
        return self._conn

    def _lost(self, exc: BaseException) -> None:
        """The child died or hung: kill it; the next frame starts a new one, until too many
        failures move the work into this process."""
        log.warning("heavy-path process failed (%s); restarting it", exc)
        if self._proc is not None and self._proc.is_alive():
            self._proc.kill()
        self.close()
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            log.error("heavy-path process failed %d times; running it in the kiosk process",
                      self.restarts)
            self._fallback = FrameFusion(self._decoder, frames=self._frames)
