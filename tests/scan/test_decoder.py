"""The decoding pipeline on real corpus photos: reads at least what raw zxing-cpp reads, never
reads a code that is not there, and deskews rotated PDF417 that raw zxing-cpp misses."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from kiosk.scan.decoder import Decoder, to_gray


def _matches(expected: bytes, text: str, raw: bytes) -> bool:
    return raw == expected or text == expected.decode("utf-8", errors="replace")


def _load(corpus_dir: Path, row: dict[str, str]) -> tuple[np.ndarray, bytes | None]:
    base = corpus_dir / "barcodes"
    gray = cv2.imread(str(base / row["image"]), cv2.IMREAD_GRAYSCALE)
    assert gray is not None, row["image"]
    return gray, (base / row["expected"]).read_bytes() if row["expected"] else None


def test_no_false_reads_on_any_none_frame(corpus_dir: Path, barcode_rows: list[dict]) -> None:
    decoder = Decoder()
    none_rows = [r for r in barcode_rows if r["symbology"] == "NONE"]
    assert len(none_rows) == 47
    for row in none_rows:
        gray, _ = _load(corpus_dir, row)
        assert decoder.decode(gray) == [], row["image"]


@pytest.mark.parametrize("symbology", ["QR", "PDF417", "Code128", "Code39"])
def test_reads_at_least_raw_zxing_on_a_sample(corpus_dir: Path, barcode_rows: list[dict],
                                              symbology: str) -> None:
    decoder = Decoder()
    rows = [r for r in barcode_rows if r["symbology"] == symbology][::3]
    ours = raw = 0
    for row in rows:
        gray, expected = _load(corpus_dir, row)
        assert expected is not None
        ours += any(_matches(expected, c.text, c.raw) for c in decoder.decode(gray))
        raw += any(_matches(expected, r.text, bytes(r.bytes)) for r in zxingcpp.read_barcodes(
            gray, text_mode=zxingcpp.TextMode.Plain))
    assert ours >= raw
    assert ours >= 0.8 * len(rows)


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), borderValue=int(np.median(gray)))


@pytest.mark.parametrize("angle", [-15.0, 12.0])
def test_deskew_reads_rotated_pdf417_raw_zxing_misses(corpus_dir: Path, angle: float) -> None:
    row = {"image": "zxing-pdf417-2/01.png", "expected": "zxing-pdf417-2/01.txt"}
    gray, expected = _load(corpus_dir, row)
    assert expected is not None
    rotated = _rotate(gray, angle)
    raw = zxingcpp.read_barcodes(rotated, text_mode=zxingcpp.TextMode.Plain)
    assert not any(_matches(expected, r.text, bytes(r.bytes)) for r in raw)
    codes = Decoder().decode(rotated)
    assert any(_matches(expected, c.text, c.raw) and c.format == "PDF417" for c in codes)
    assert codes[0].stage == "deskew"
    # the reported corners are in the rotated frame's coordinates
    xs = [p[0] for p in codes[0].position]
    assert 0 <= min(xs) and max(xs) <= rotated.shape[1]


def test_generated_symbologies_round_trip() -> None:
    decoder = Decoder()
    for fmt, name in [(zxingcpp.BarcodeFormat.DataMatrix, "DataMatrix"),
                      (zxingcpp.BarcodeFormat.Aztec, "Aztec"),
                      (zxingcpp.BarcodeFormat.Code128, "Code128"),
                      (zxingcpp.BarcodeFormat.QRCode, "QR")]:
        image = np.array(zxingcpp.write_barcode_to_image(
            zxingcpp.create_barcode("REG-0042", fmt), scale=4))
        frame = np.full((480, 640), 235, np.uint8)
        frame[100:100 + image.shape[0], 100:100 + image.shape[1]] = image[:380, :540]
        codes = decoder.decode(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
        assert [(c.format, c.text) for c in codes] == [(name, "REG-0042")]


def test_restricted_symbologies_ignore_others() -> None:
    image = np.array(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode("X123", zxingcpp.BarcodeFormat.QRCode), scale=6))
    assert Decoder(["PDF417"]).decode(image) == []
    assert Decoder(["QR"]).decode(image)[0].text == "X123"
    with pytest.raises(ValueError, match="unknown symbologies"):
        Decoder(["EAN13"])


def test_odd_frames_never_raise() -> None:
    decoder = Decoder()
    assert decoder.decode(np.zeros((0, 0), np.uint8)) == []
    assert decoder.decode(np.zeros((1, 1, 3), np.uint8)) == []
    assert decoder.decode(np.full((30, 4000, 4), 255, np.uint8)) == []
    assert to_gray(np.zeros((4, 4, 4), np.uint8)).shape == (4, 4)


def test_optional_zbar_stage_reads_qr_and_ignores_1d() -> None:
    qr = np.array(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode("ZB-77", zxingcpp.BarcodeFormat.QRCode), scale=5))
    bar = np.array(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode("ZB-77", zxingcpp.BarcodeFormat.Code128), scale=3))
    decoder = Decoder(zbar=True)
    assert decoder.retry_count == 4
    assert [(c.format, c.text, c.stage) for c in decoder._zbar(qr)] == [("QR", "ZB-77", "zbar")]
    assert decoder._zbar(bar) == []  # 1D from zbar is where its false reads come from


def test_retry_slot_runs_one_retry_stage(corpus_dir: Path) -> None:
    # an inverted QR (light on dark) is read only by the "inverted" stage
    gray = cv2.imread(str(corpus_dir / "barcodes" / "zxing-cpp-qrcode-2" / "qr-inv-2.webp"),
                      cv2.IMREAD_GRAYSCALE)
    decoder = Decoder()
    stages = {slot: [c.stage for c in decoder.decode(gray, retry_slot=slot)]
              for slot in range(decoder.retry_count)}
    assert sorted(stages.values()) == [[], [], ["inverted"]]
    assert [c.stage for c in decoder.decode(gray)] == ["inverted"]


def test_deskew_first_only_for_shows_without_qr(corpus_dir: Path) -> None:
    assert Decoder().deskew_first is False
    pdf_show = Decoder(["PDF417", "Code128"])
    assert pdf_show.deskew_first is True
    gray, expected = _load(corpus_dir, {"image": "zxing-pdf417-2/02.png",
                                        "expected": "zxing-pdf417-2/02.txt"})
    rotated = _rotate(gray, 14.0)
    for slot in range(pdf_show.retry_count):  # live mode: read on every frame, not 1 in 3
        codes = pdf_show.decode(rotated, retry_slot=slot)
        assert [c.stage for c in codes] == ["deskew"] and codes[0].raw == expected
