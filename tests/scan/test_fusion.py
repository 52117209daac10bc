"""Multi-frame reading (kiosk/scan/fusion.py, kiosk/scan/live.py): frames of a held badge too
noisy to read one by one are read once fused; reads of the heavy path must agree across two
attempts; frames without a code read nothing; the live decoder hands heavy reads back from its
worker thread without holding up the cheap path."""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.booth_photos import make_video  # noqa: E402
from kiosk.scan.decoder import Code, Decoder, to_gray  # noqa: E402
from kiosk.scan.fusion import Agreement, FrameFusion, align  # noqa: E402
from kiosk.scan.heavy import HeavyOptions, heavy_decode  # noqa: E402
from kiosk.scan.live import LiveDecoder  # noqa: E402
from tests.support.frames import TRUTH, held_badge  # noqa: E402

def test_agreement_needs_two_attempts_within_the_window() -> None:
    a, b = Code("QR", "A"), Code("QR", "B")
    vote = Agreement(votes=2, window=3)
    assert vote.confirm([a]) == []
    assert vote.confirm([b]) == []
    assert vote.confirm([a]) == [a]          # 2 of the last 3
    assert vote.confirm([a, a]) == [a]       # still in view: reported again, once per attempt
    vote.confirm([])
    vote.confirm([])
    assert vote.confirm([b]) == []           # b's first vote fell out of the window
    vote.confirm([a])
    vote.reset()
    assert vote.confirm([a]) == []
    assert Agreement(votes=1, window=1).confirm([b]) == [b]
    with pytest.raises(ValueError):
        Agreement(votes=3, window=2)


def test_fusion_reads_a_badge_no_single_frame_reads() -> None:
    frames = held_badge(noise=40, count=5)
    decoder = Decoder()
    # without the QR model fit (step 7), which reads even these frames one by one
    opts = HeavyOptions(qrgrid=False)
    for gray in frames:  # the cheap pipeline and the single-frame heavy path both fail
        assert decoder.decode(gray) == [] and heavy_decode(gray, decoder, opts) == []
    fusion = FrameFusion(decoder, opts=opts)
    reads = [[c.text for c in fusion.add(gray)] for gray in frames]
    assert reads[0] == []
    assert [TRUTH] in reads
    assert all(r in ([], [TRUTH]) for r in reads)
    assert fusion.last_fused >= 2
    first = reads.index([TRUTH])
    assert first >= 1  # it took more than one frame: the fusion did it


def test_align_undoes_a_small_shift_and_rotation() -> None:
    base = held_badge(noise=0, count=1)[0]
    moved = cv2.warpAffine(base, cv2.getRotationMatrix2D((240, 180), 1.0, 1.0) +
                           np.float64([[0, 0, 3], [0, 0, -2]]), (480, 360),
                           borderMode=cv2.BORDER_REPLICATE)
    aligned, score = align(base, moved)
    assert score > 0.95
    centre = (slice(100, 260), slice(160, 320))
    before = np.abs(moved[centre].astype(int) - base[centre]).mean()
    after = np.abs(aligned[centre].astype(int) - base[centre]).mean()
    assert after < before / 2


def test_empty_booth_clips_read_nothing() -> None:
    decoder = Decoder()
    for band in ("hard",):  # the band with the most glare, noise and stripe distractors
        video = make_video(21, 3000, band, "empty", fps=15, enter=1, hold_s=0.2)
        fusion = FrameFusion(decoder)
        for frame in video.frames:
            assert fusion.add(to_gray(frame)) == [], video.name


def _feed_until(decode: LiveDecoder, frames: list[np.ndarray], want: str, limit_s: float = 60
                ) -> tuple[list[list[str]], bool]:
    """Feed the frames in a loop (as the camera keeps delivering a held badge) until ``want``
    is read or the limit passes; returns every frame's texts."""
    seen: list[list[str]] = []
    deadline = time.monotonic() + limit_s
    i = 0
    while time.monotonic() < deadline:
        texts = list(decode(frames[i % len(frames)]))
        seen.append(texts)
        if want in texts:
            return seen, True
        i += 1
        time.sleep(0.02)
    return seen, False


def test_live_decoder_reads_the_held_badge_from_its_worker_thread() -> None:
    decode = LiveDecoder(Decoder())
    try:
        frames = held_badge(noise=40, count=6, seed=2)
        seen, read = _feed_until(decode, frames, TRUTH)
        assert read, f"no read in {len(seen)} frames"
        assert all(t in ([], [TRUTH]) for t in seen)
        assert decode.heavy is not None and decode.heavy.attempts >= 2  # two agreeing attempts
        worker = decode.heavy._thread
        assert worker is not None and worker is not threading.current_thread()
        # a clear code is read by the cheap path in the calling thread, at once
        clear = held_badge(noise=0, count=1)[0]
        assert list(decode(clear)) == [TRUTH]
    finally:
        decode.close()
    assert decode.heavy._thread is None
    assert not decode.heavy.busy or decode.heavy._thread is None
    decode(held_badge(noise=40, count=1)[0])   # a late frame after close starts no thread
    assert decode.heavy._thread is None


def test_live_decoder_without_heavy_path_is_the_cheap_pipeline() -> None:
    decode = LiveDecoder(Decoder(), heavy=False)
    assert list(decode(held_badge(noise=40, count=1)[0])) == []
    assert list(decode(held_badge(noise=0, count=1)[0])) == [TRUTH]
    decode.close()


def test_live_decoder_reports_a_code_once_per_frame() -> None:
    """Two heavy attempts may agree before the feed decodes its next frame: one text, once."""
    decode = LiveDecoder(Decoder())
    try:
        assert decode.heavy is not None
        decode.heavy._results = [Code("QR", TRUTH), Code("QR", TRUTH)]
        assert list(decode(np.full((120, 160), 128, np.uint8))) == [TRUTH]
        assert list(decode(held_badge(noise=0, count=1)[0])) == [TRUTH]
    finally:
        decode.close()


def test_still_asked_for_when_a_region_stays_unread_and_rate_limited() -> None:
    now = [100.0]
    decode = LiveDecoder(Decoder(), clock=lambda: now[0])
    try:
        assert decode.heavy is not None
        assert not decode.still_wanted()
        decode.heavy.unread_streak = 3
        assert decode.still_wanted()
        decode.offer_still(held_badge(noise=0, count=1)[0])
        assert not decode.still_wanted()           # the streak starts over, and ...
        decode.heavy.unread_streak = 3
        now[0] += 1.0
        assert not decode.still_wanted()           # ... at most one request per 3 s
        now[0] += 2.5
        assert decode.still_wanted()
    finally:
        decode.close()


def test_camera_feed_reads_the_badge_from_full_resolution_stills() -> None:
    """Preview frames too noisy even to fuse, a Pi-like source that gives clean stills: the
    feed's camera thread takes a burst of stills when the decoder asks, and the badge is read."""
    from kiosk.app.camera_feed import CameraFeed
    from kiosk.scan.sources import MemoryFrameSource

    class StillSource(MemoryFrameSource):
        stills = 0

        def capture_still(self) -> np.ndarray | None:
            StillSource.stills += 1
            big = held_badge(noise=0, count=1, seed=StillSource.stills)[0]
            return cv2.resize(big, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)

    noisy = [f for f in held_badge(noise=90, count=6, seed=5)]
    decoder = Decoder()
    assert all(decoder.decode(f) == [] for f in noisy)
    decode = LiveDecoder(decoder)
    assert decode.heavy is not None  # the QR model fit (step 7) would read the fused preview
    decode.heavy.fusion.opts = HeavyOptions(qrgrid=False)
    codes: list[str] = []
    got = threading.Event()

    def on_code(text: str) -> None:
        codes.append(text)
        got.set()

    feed = CameraFeed(lambda: StillSource(noisy, loop=True, fps=30).open(), decode,
                      on_code=on_code, on_error=lambda _m: None, max_fps=30)
    feed.start()
    try:
        assert got.wait(60), f"no read; stills taken {StillSource.stills}"
    finally:
        feed.stop()
        decode.close()
    assert set(codes) == {TRUTH}
    assert StillSource.stills >= 2 and decode.stills_used >= 2
