"""Frame sources: real video files, image folders, the in-memory twin, and clear CameraErrors."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.errors import CameraError
from kiosk.scan import sources
from kiosk.scan.sources import (ImageFolderSource, MemoryFrameSource, OpenCVSource,
                                open_frame_source, webcam_indices)


def test_video_source_reads_every_frame_then_ends(demo_video: Path) -> None:
    with OpenCVSource(path=demo_video) as source:
        frames = list(source.frames())
        assert source.ended
        assert source.fps == pytest.approx(20.0)
    assert len(frames) == 80
    assert frames[0].shape == (480, 640, 3) and frames[0].dtype == np.uint8


def test_video_spec_loops(demo_video: Path) -> None:
    source = open_frame_source(f"video:{demo_video}")
    source.realtime = False  # pacing is for the UI; the loop is what is tested here
    try:
        assert len(list(source.frames(limit=100))) == 100
        assert not source.ended
    finally:
        source.close()


def test_image_folder(tmp_path: Path) -> None:
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((8, 8, 3), i * 40, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    with ImageFolderSource(tmp_path) as source:
        frames = list(source.frames())
    assert [int(f[0, 0, 0]) for f in frames] == [0, 40, 80]


def test_memory_twin_loops_and_ends() -> None:
    frames = [np.zeros((2, 2, 3), np.uint8), np.ones((2, 2, 3), np.uint8)]
    with MemoryFrameSource(frames) as source:
        assert len(list(source.frames())) == 2 and source.ended
    with MemoryFrameSource(frames, loop=True) as source:
        assert len(list(source.frames(limit=5))) == 5


@pytest.mark.parametrize("spec,message", [
    ("opencv:97", "no camera at /dev/video97"),
    ("opencv:x", "expected opencv:<index>"),
    ("video:/nonexistent/clip.avi", "does not exist"),
    ("images:/nonexistent/dir", "does not exist"),
    ("webcam", "expected auto, picamera2"),
])
def test_bad_specs_raise_camera_error(spec: str, message: str) -> None:
    with pytest.raises(CameraError, match=message):
        open_frame_source(spec)


def test_not_a_video(tmp_path: Path) -> None:
    bad = tmp_path / "clip.avi"
    bad.write_bytes(b"this is not a video")
    with pytest.raises(CameraError, match="cannot open video file"):
        OpenCVSource(path=bad).open()


def test_picamera2_missing_is_a_camera_error() -> None:
    # picamera2 comes from apt on the Pi and is absent here: the error must say what to do.
    with pytest.raises(CameraError, match="picamera2 is not installed"):
        open_frame_source("picamera2")


def test_auto_falls_back_to_demo_video(monkeypatch: pytest.MonkeyPatch, demo_video: Path) -> None:
    monkeypatch.setattr(sources, "webcam_indices", lambda: [])
    source = open_frame_source("auto", demo_dir=demo_video.parent)
    try:
        assert source.name == "demo"
        assert source.read().shape == (480, 640, 3)
    finally:
        source.close()


def test_webcam_indices_parse_device_names() -> None:
    assert webcam_indices(["/dev/video2", "/dev/video0", "/dev/video-meta"]) == [0, 2]


V4L2_LIST = """ioctl: VIDIOC_ENUM_FMT
\tType: Video Capture

\t[0]: 'MJPG' (Motion-JPEG, compressed)
\t\tSize: Discrete 1920x1080
\t\t\tInterval: Discrete 0.033s (30.000 fps)
\t\t\tInterval: Discrete 0.040s (25.000 fps)
\t\tSize: Discrete 1280x720
\t\t\tInterval: Discrete 0.017s (60.000 fps)
\t\t\tInterval: Discrete 0.033s (30.000 fps)
\t\tSize: Discrete 3840x2160
\t\t\tInterval: Discrete 0.067s (15.000 fps)
\t[1]: 'YUYV' (YUYV 4:2:2)
\t\tSize: Discrete 1920x1080
\t\t\tInterval: Discrete 0.200s (5.000 fps)
\t\tSize: Discrete 640x480
\t\t\tInterval: Discrete 0.033s (30.000 fps)
"""


def test_webcam_modes_parsed_from_v4l2_ctl() -> None:
    from kiosk.scan.sources import parse_v4l2_modes
    assert parse_v4l2_modes(V4L2_LIST) == [
        ("MJPG", 1920, 1080, 30.0), ("MJPG", 1280, 720, 60.0), ("MJPG", 3840, 2160, 15.0),
        ("YUYV", 1920, 1080, 5.0), ("YUYV", 640, 480, 30.0)]
    assert parse_v4l2_modes("") == []
    assert parse_v4l2_modes("garbage\n\tSize: Discrete axb\n\tInterval: (x fps)") == []


def test_highest_smooth_webcam_mode_is_chosen() -> None:
    from kiosk.scan.sources import choose_webcam_mode, parse_v4l2_modes
    modes = parse_v4l2_modes(V4L2_LIST)
    # 4K is 15 fps and YUYV 1080p 5 fps: both would stutter; MJPG 1080p keeps 30
    assert choose_webcam_mode(modes) == ("MJPG", 1920, 1080, 30.0)
    assert choose_webcam_mode(modes, max_width=1280) == ("MJPG", 1280, 720, 60.0)
    assert choose_webcam_mode([("YUYV", 1920, 1080, 5.0), ("YUYV", 640, 480, 30.0)]) == \
        ("YUYV", 640, 480, 30.0)
    assert choose_webcam_mode([("YUYV", 1920, 1080, 5.0)]) is None
    # same size in both formats: the compressed one (USB bandwidth)
    assert choose_webcam_mode([("YUYV", 1280, 720, 30.0), ("MJPG", 1280, 720, 30.0)])[0] == "MJPG"
