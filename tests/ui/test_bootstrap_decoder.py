"""The wiring hands the show's badge profile to the decoder: a show that lists only 1D symbologies
does not pay for (or read) QR codes, and the default profile reads the demo badge."""
from __future__ import annotations

import cv2
import pytest

from kiosk.bootstrap import make_decoder
from kiosk.scan import demo_video_path
from kiosk.scan.badge.profile import profile_from_data


@pytest.fixture(scope="module")
def badge_frames() -> list:
    cap = cv2.VideoCapture(str(demo_video_path()))
    frames = []
    try:
        while len(frames) < 200:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
    finally:
        cap.release()
    assert frames, "the demo video yielded no frames"
    return frames


def test_default_profile_reads_the_demo_badge(badge_frames: list) -> None:
    from kiosk.scan.heavy_process import ProcessFusion
    decode = make_decoder(None)
    try:
        texts = [t for frame in badge_frames for t in decode(frame)]
        # the kiosk's heavy path runs in a child process (the preview keeps the GIL)
        assert isinstance(decode.heavy.fusion, ProcessFusion)
    finally:
        decode.close()  # the heavy path's worker thread and its process
    assert any("BEGIN:VCARD" in t for t in texts)


def test_profile_symbologies_limit_the_decoder(badge_frames: list) -> None:
    profile = profile_from_data({"symbologies": ["Code128", "Code39"]}, source="badge.yaml")
    assert tuple(profile.symbologies) == ("Code128", "Code39")
    decode = make_decoder(profile)
    try:
        assert [t for frame in badge_frames for t in decode(frame)] == []
    finally:
        decode.close()
