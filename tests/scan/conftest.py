"""Fixtures for the scanning tests: the demo video (generated once per session into a temp
dir, exactly as the kiosk generates it) and corpus helpers."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kiosk.scan.demo_video import demo_video_path
    return demo_video_path(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def barcode_rows(corpus_dir: Path) -> list[dict[str, str]]:
    with open(corpus_dir / "barcodes" / "manifest.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))
