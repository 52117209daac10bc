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
        "read-card", help="read business cards or text-only badges in photos, offline (one line "
                          "per image; --json: file, contact, confidence, text, ms)")
    read.add_argument("images", nargs="+", metavar="IMAGE", help="photo of a card or badge")
    read.add_argument("--region", default=None, metavar="CC",
                      help="the show's default region (ISO 3166 alpha-2, e.g. DE) for phone "
                           "numbers printed without +")
    read.add_argument("--json", action="store_true",
                      help="one JSON line per image: file, contact, confidence, text, ms (for scripts)")
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
        print(json.dumps(out, ensure_ascii=False) if args.json else readable(out), flush=True)
    return status


DOUBTFUL = 0.75   # the kiosk highlights fields below this for staff; here they get a "?"


def readable(out: dict) -> str:
    """One line for a person: the fields found, a "?" after each the engine was unsure of.
    Control characters and line breaks a card may carry are shown escaped, never acted on."""
    contact, confidence = out["contact"], out["confidence"]
    groups = (("first_name", "last_name"), ("title",), ("company",), ("email",), ("phone",),
              ("country",), ("website",))
    parts = []
    for keys in groups:
        found = [k for k in keys if contact.get(k)]
        if found:
            sure = min(float(confidence.get(k, 0.0)) for k in found)
            parts.append(" ".join(str(contact[k]) for k in found) + ("?" if sure < DOUBTFUL else ""))
    line = f"{out['file']}: {' | '.join(parts) or '(nothing readable)'} ({out['ms']} ms)"
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in line)
