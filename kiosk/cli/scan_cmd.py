"""``leadkiosk decode`` and ``leadkiosk parse-badge``: the scanning pipeline from the shell.

OpenCV and the decoders are imported inside the handlers so ``leadkiosk --help`` stays light.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

def register(subparsers: argparse._SubParsersAction) -> None:
    decode = subparsers.add_parser(
        "decode", help="decode barcodes in images or video files (one JSON line per image or "
                       "per video frame with a newly seen code)")
    decode.add_argument("files", nargs="+", metavar="FILE", help="image or video file")
    decode.add_argument("--repeat-window", type=float, default=3.0, metavar="S",
                        help="in videos, report the same code once per S seconds of video "
                             "(default 3.0; 0 reports every frame)")
    decode.add_argument("--heavy", action=argparse.BooleanOptionalAction, default=True,
                        help="when the fast pipeline reads nothing, work harder as the kiosk "
                             "does: an image goes to the heavy path (about 0.1-2 s), a video's "
                             "unread frames to multi-frame fusion (default on; --no-heavy: "
                             "the fast pipeline alone)")
    decode.set_defaults(func=cmd_decode)

    parse = subparsers.add_parser(
        "parse-badge", help="turn a badge payload into a contact (JSON)")
    parse.add_argument("--profile", metavar="FILE", default=None,
                       help="badge profile YAML (default: the built-in profile)")
    parse.add_argument("payload", nargs="?", default="-", metavar="PAYLOAD",
                       help="the payload text, or - (default) to read it from stdin")
    parse.set_defaults(func=cmd_parse_badge)


def _error(command: str, message: str) -> None:
    print(f"leadkiosk {command}: error: {message}", file=sys.stderr)


def cmd_parse_badge(args: argparse.Namespace) -> int:
    from kiosk.errors import BadgeParseError, ConfigError
    from kiosk.scan.badge.parser import BadgeParser
    from kiosk.scan.profile_file import load_badge_profile

    try:
        profile = load_badge_profile(args.profile) if args.profile else None
    except ConfigError as exc:
        _error("parse-badge", str(exc))
        return 2
    if args.payload == "-":
        payload: str | bytes = sys.stdin.buffer.read()
        if payload.endswith(b"\r\n"):
            payload = payload[:-2]
        elif payload.endswith(b"\n"):
            payload = payload[:-1]
    else:
        payload = args.payload
    try:
        contact = BadgeParser(profile).parse(payload)
    except BadgeParseError as exc:
        _error("parse-badge", str(exc))
        return 1
    print(json.dumps(contact.to_dict(), ensure_ascii=False))
    for warning in contact.warnings:
        print(f"leadkiosk parse-badge: note: {warning}", file=sys.stderr)
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    from kiosk.errors import CameraError
    from kiosk.scan.decode_files import decode_file

    if args.repeat_window < 0:
        _error("decode", f"--repeat-window: expected seconds >= 0, got {args.repeat_window}")
        return 2
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            for line in decode_file(path, args.repeat_window, heavy=args.heavy):
                print(json.dumps(line, ensure_ascii=False), flush=True)
        except CameraError as exc:
            _error("decode", str(exc))
            status = 1
    return status
