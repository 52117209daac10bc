"""Issue 20: the card is taken with the best still the camera offers. On the Pi Camera Module 3
(picamera2, here its stand-in from tests/scan/test_picamera2.py that follows the documented
``create_still_configuration`` / ``switch_mode_and_capture_array`` contract) that is a
full-resolution still taken on the camera thread once the view is steady and sharp; a source
without stills, or a still that fails, gives the video frame instead."""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from kiosk.app.camera_feed import CameraFeed
from kiosk.app.card_capture import CardCapture
from kiosk.scan.card.still import StillDetector
from kiosk.scan.sources import MemoryFrameSource, open_frame_source
from tests.scan.test_picamera2 import FakePicamera2, fake_picamera2  # noqa: F401 - the fixture


class RecordingReader:
    """Stands in for OCR: records the frame it was given."""

    def __init__(self) -> None:
        self.frames: list[np.ndarray] = []

    def start(self) -> None:
        pass

    def read(self, frame: Any) -> dict[str, Any]:
        self.frames.append(frame)
        return {"contact": {"email": "a@b.de"}, "confidence": {}, "text": []}


def _take_card(open_source: Any) -> tuple[RecordingReader, list[Any]]:
    feed = CameraFeed(open_source, lambda _f: [], on_code=lambda _t: None, on_error=lambda _m: None,
                      max_fps=30)
    reader = RecordingReader()
    done = threading.Event()
    taken: list[Any] = []
    errors: list[str] = []
    # a flat test frame has no texture: any sharpness counts, steadiness still must hold
    capture = CardCapture(feed.latest_frame, reader, on_taken=taken.append,
                          on_read=lambda _r, _f: done.set(), on_error=lambda m: (errors.append(m), done.set()),
                          detector=StillDetector(sharp_min=0.0), still=feed.take_still)
    feed.start()
    try:
        capture.start()
        assert done.wait(60), "the card was never taken"
    finally:
        capture.cancel()
        feed.stop()
    assert not errors
    return reader, taken


def test_pi_camera_card_is_read_from_the_full_resolution_still(fake_picamera2: type[FakePicamera2]) -> None:  # noqa: F811
    reader, taken = _take_card(lambda: open_frame_source("picamera2"))
    cam = fake_picamera2.instances[-1]
    assert [c["use_case"] for c in cam.switched] == ["still"]      # one still, for the shot
    assert reader.frames[0].shape == (2592, 4608, 3)                # sensor resolution, not 720p
    assert taken[0].shape == (2592, 4608, 3)                        # the photo kept is that still
    assert cam.config["use_case"] == "video"                        # the preview went on


def test_a_failing_still_falls_back_to_the_video_frame(fake_picamera2: type[FakePicamera2]) -> None:  # noqa: F811
    def open_failing() -> Any:
        source = open_frame_source("picamera2")
        fake_picamera2.instances[-1].fail_still = True
        return source

    reader, _ = _take_card(open_failing)
    assert reader.frames[0].shape == (720, 1280, 3)


def test_a_source_without_stills_gives_the_video_frame() -> None:
    frames = [np.full((480, 640, 3), 200, np.uint8)] * 4
    reader, _ = _take_card(lambda: MemoryFrameSource(frames, loop=True, fps=30).open())
    assert reader.frames[0].shape == (480, 640, 3)


def test_take_still_gives_up_when_the_camera_thread_does_not_run() -> None:
    feed = CameraFeed(lambda: None, lambda _f: [], on_code=lambda _t: None, on_error=lambda _m: None)
    assert feed.take_still(0.2) is None     # never started: no camera thread to serve it
