"""``leadkiosk decode`` and ``leadkiosk parse-badge`` as a user runs them (real subprocesses)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.scan.demo_video import DEMO_VCARD, FPS, BADGE_FRAMES

KEYS = ["first_name", "last_name", "company", "title", "email", "phone", "country",
        "registration_id", "format", "raw"]


def leadkiosk(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin,
                          capture_output=True, timeout=120)


@pytest.mark.parametrize("window,expected", [(1.0, 3), (10.0, 1)])
def test_decode_demo_video_once_per_repeat_window(demo_video: Path, window: float,
                                                  expected: int) -> None:
    out = leadkiosk("decode", str(demo_video), "--repeat-window", str(window))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.decode().splitlines()]
    # the badge is in view for 3 s of the 4 s video
    assert len(BADGE_FRAMES) / FPS == 3.0
    assert len(lines) == expected
    for line in lines:
        assert list(line) == ["file", "codes", "ms"]
        assert line["file"] == str(demo_video)
        assert line["codes"] == [{"format": "QR", "text": DEMO_VCARD}]
        assert line["ms"] >= 0


def test_decode_images(corpus_dir: Path, tmp_path: Path) -> None:
    qr = corpus_dir / "barcodes" / "zxing-qrcode-1" / "1.png"
    none = corpus_dir / "barcodes" / "zxing-falsepositives" / "01.png"
    if not none.exists():
        none = next((corpus_dir / "barcodes" / "zxing-falsepositives").glob("*.png"))
    out = leadkiosk("decode", str(qr), str(none))
    assert out.returncode == 0, out.stderr
    first, second = [json.loads(line) for line in out.stdout.decode().splitlines()]
    expected = (corpus_dir / "barcodes" / "zxing-qrcode-1" / "1.txt").read_text()
    assert first["codes"] == [{"format": "QR", "text": expected}]
    assert second == {"file": str(none), "codes": [], "ms": second["ms"]}


def test_decode_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "photo.png"
    bad.write_text("no pixels here")
    out = leadkiosk("decode", str(bad))
    assert out.returncode == 1
    assert b"neither an image nor a video" in out.stderr and b"Traceback" not in out.stderr
    out = leadkiosk("decode", str(tmp_path / "missing.png"))
    assert out.returncode == 1 and b"no such file" in out.stderr


def test_decode_video_without_video_suffix(demo_video: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.bin"
    clip.write_bytes(demo_video.read_bytes())
    out = leadkiosk("decode", str(clip), "--repeat-window", "10")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.decode().splitlines()) == 1


def _hard_shot_files(tmp_path: Path) -> tuple[Path, Path, str]:
    """A hard-band booth photo the fast pipeline misses (640x480, 2.7 px per module, tilted,
    blurred, JPEG) and an empty frame, written as the JPEG files a user would pass."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.booth_photos import make_shot
    shot = make_shot(21, 59, "hard", "qr-url")
    empty = make_shot(21, 3001, "hard", "empty")
    coded, blank = tmp_path / "badge.jpg", tmp_path / "empty.jpg"
    coded.write_bytes(shot.jpeg)
    blank.write_bytes(empty.jpeg)
    assert shot.truth is not None
    return coded, blank, shot.truth


def test_decode_reads_a_hard_photo_with_the_heavy_path(tmp_path: Path) -> None:
    """Issue 21: ``leadkiosk decode`` reads what the kiosk reads, so an image the fast pipeline
    misses goes on to the heavy path; ``--no-heavy`` is the fast pipeline alone."""
    coded, blank, truth = _hard_shot_files(tmp_path)
    out = leadkiosk("decode", str(coded), str(blank))
    assert out.returncode == 0, out.stderr
    first, second = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert list(first) == ["file", "codes", "ms"]
    assert first["codes"] == [{"format": "QR", "text": truth}]
    assert second["codes"] == []
    out = leadkiosk("decode", "--no-heavy", str(coded))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.decode())["codes"] == []


def test_a_heavy_path_bug_costs_one_file_its_extra_chance_not_the_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A model fit raising on one odd image (it happened: a ``ValueError`` on a corpus PDF417)
    must not end ``leadkiosk decode`` with the files after it unread: each file still gets its
    line with the fast pipeline's result, and each failure is logged with its traceback."""
    import kiosk.scan.heavy as heavy
    from kiosk.cli import main

    coded, blank, _truth = _hard_shot_files(tmp_path)

    def broken(*_args: object, **_kwargs: object) -> list:
        raise ValueError("empty range in a model fit")

    monkeypatch.setattr(heavy, "heavy_decode", broken)
    with caplog.at_level("ERROR", logger="kiosk.scan.decode_files"):
        status = main(["decode", str(blank), str(coded)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 0
    assert [line["file"] for line in lines] == [str(blank), str(coded)]
    assert [line["codes"] for line in lines] == [[], []]  # the hard shot needs the heavy path
    failures = [r for r in caplog.records if "heavy path failed" in r.getMessage()]
    assert [str(blank) in r.getMessage() for r in failures] == [True, False]
    assert all(r.exc_info and "empty range" in str(r.exc_info[1]) for r in failures)


def test_a_heavy_path_bug_on_video_frames_keeps_the_fast_reads(
        demo_video: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The same on a video: the frames before the badge enters go to the fusion, which raises
    here; the frames the fast pipeline reads still give their lines."""
    from kiosk.scan.decode_files import decode_file
    from kiosk.scan.fusion import FrameFusion

    def broken(_self: object, _frame: object) -> list:
        raise ValueError("fusion bug")

    monkeypatch.setattr(FrameFusion, "add", broken)
    with caplog.at_level("ERROR", logger="kiosk.scan.decode_files"):
        lines = list(decode_file(demo_video, 1.0))
    assert [line["codes"] for line in lines] == [[{"format": "QR", "text": DEMO_VCARD}]] * 3
    assert any("heavy path failed" in r.getMessage() and "frame" in r.getMessage()
               for r in caplog.records)


def test_decode_video_fuses_unread_frames_like_the_kiosk(tmp_path: Path) -> None:
    """A hard badge held for 1.5 s that no single frame's fast pipeline reads: the heavy path
    (fusion, two attempts agreeing) reads it, reported once per repeat window."""
    import cv2
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.booth_photos import make_video
    video = make_video(21, 59, "hard", "qr-url", fps=10, enter=1, hold_s=1.5)
    clip = tmp_path / "held.avi"
    h, w = video.frames[0].shape[:2]
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), video.fps, (w, h))
    for frame in video.frames:
        writer.write(frame)
    writer.release()
    out = leadkiosk("decode", "--no-heavy", str(clip))
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines() == []
    out = leadkiosk("decode", str(clip))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [line["codes"] for line in lines] == [[{"format": "QR", "text": video.truth}]]


def test_parse_badge_argument_and_stdin() -> None:
    out = leadkiosk("parse-badge", "MECARD:N:Doe,John;EMAIL:john@example.com;;")
    assert out.returncode == 0, out.stderr
    contact = json.loads(out.stdout)
    assert list(contact) == KEYS
    assert contact["last_name"] == "Doe" and contact["format"] == "mecard"
    assert contact["title"] is None
    vcard = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Öz;Ayşe;;;\r\nEND:VCARD\r\n".encode()
    out = leadkiosk("parse-badge", "-", stdin=vcard)
    assert json.loads(out.stdout)["first_name"] == "Ayşe"


def test_parse_badge_with_profile(tmp_path: Path) -> None:
    profile = tmp_path / "badge.yaml"
    profile.write_text("formats: [delimited]\nfields: [registration_id, first_name, last_name, "
                       "company, title, email]\ndelimiter: '^'\nunknown: reject\n")
    out = leadkiosk("parse-badge", "--profile", str(profile), "R1^Ana^Lima^ACME^CEO^ana@acme.io")
    contact = json.loads(out.stdout)
    assert contact["registration_id"] == "R1" and contact["email"] == "ana@acme.io"
    out = leadkiosk("parse-badge", "--profile", str(profile), "no carets here")
    assert out.returncode == 1
    assert b"matches none of the formats" in out.stderr and out.stdout == b""


def test_parse_badge_errors() -> None:
    out = leadkiosk("parse-badge", "", stdin=b"")
    assert out.returncode == 1 and b"payload is empty" in out.stderr
    out = leadkiosk("parse-badge", "--profile", "/nonexistent/badge.yaml", "x")
    assert out.returncode == 2 and b"/nonexistent/badge.yaml" in out.stderr
