"""``leadkiosk read-card``: read business cards and text-only badges offline, from the shell.

The OCR engine is imported inside the handler so ``leadkiosk --help`` stays light.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    read = subparsers.add_parser(
        "read-card", help="read business cards or text-only badges in photos, offline (one JSON "
                          "line per image: file, contact, confidence, text, ms)")
    read.add_argument("images", nargs="+", metavar="IMAGE", help="photo of a card or badge")
    read.add_argument("--region", default=None, metavar="CC",
                      help="the show's default region (ISO 3166 alpha-2, e.g. DE) for phone "
                           "numbers printed without +")
    read.add_argument("--json", action="store_true",
                      help="JSON lines (the output format; accepted so scripts can say so)")
    read.set_defaults(func=cmd_read_card)


def _error(message: str) -> None:
    print(f"leadkiosk read-card: error: {message}", file=sys.stderr)


def cmd_read_card(args: argparse.Namespace) -> int:
    import phonenumbers

    from kiosk.errors import CardReadError
    from kiosk.scan.card.engine import RapidOcrReader, load_image, read_upright
    from kiosk.scan.card.fields import parse_card

    region = args.region.upper() if args.region else None
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        _error(f"--region: expected an ISO 3166 alpha-2 country code such as DE, got {args.region!r}")
        return 2
    reader = RapidOcrReader()
    try:
        reader.start()
    except CardReadError as exc:
        _error(str(exc))
        return 1
    status = 0
    for name in args.images:
        start = time.perf_counter()
        try:
            image = load_image(Path(name))
            lines = read_upright(reader, image)
        except CardReadError as exc:
            _error(str(exc))
            status = 1
            continue
        reading = parse_card(lines, region)
        out = {"file": name, "contact": reading.contact, "confidence": reading.confidence,
               "text": reading.text, "ms": round((time.perf_counter() - start) * 1000)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return status
