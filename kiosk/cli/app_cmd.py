"""``leadkiosk run`` (the kiosk) and ``leadkiosk screenshots`` (every screen to PNG)."""
from __future__ import annotations

import argparse
import sys

from kiosk.paths import add_data_argument, data_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", help="start the kiosk app (the default command)",
                         description="Start the touchscreen kiosk. With no configuration it runs the "
                                     "embedded demo show on a camera if present, else the demo video.")
    add_data_argument(run)
    run.add_argument("--camera", metavar="SPEC", default=None,
                     help="auto | picamera2 | opencv:<index> | video:<path> | images:<dir> | demo | none "
                          "(default: [camera] source in kiosk.toml, else auto)")
    run.add_argument("--mode", choices=("staffed", "self_serve"), default=None,
                     help="override the mode from kiosk.toml for this run")
    run.add_argument("--fullscreen", action="store_true", default=None,
                     help="full screen without a cursor (the default on a Raspberry Pi)")
    run.add_argument("--size", metavar="WxH", default=None,
                     help="window size, e.g. 800x480 or 720x1280 (default 800x480 on a laptop)")
    run.set_defaults(func=_run)

    shots = sub.add_parser("screenshots", help="render every screen at 800x480 and 720x1280 to PNG")
    shots.add_argument("--out", metavar="DIR", required=True, help="directory for the PNG files")
    shots.add_argument("--sizes", default="800x480,720x1280", help="comma-separated WxH list")
    shots.add_argument("--lang", choices=("en", "de"), default="en")
    shots.add_argument("--at", metavar="TIME", default=None,
                       help="show this wall time instead of now, ISO 8601 with offset (e.g. "
                            "2026-05-12T10:30+02:00): the same screens every run, for comparing renderings")
    shots.set_defaults(func=_screenshots)


def _run(args: argparse.Namespace) -> int:
    from kiosk.app.runner import NO_DISPLAY_HINT, display_available, parse_size
    from kiosk.errors import KioskError
    from kiosk.paths import is_raspberry_pi

    try:
        size = parse_size(args.size)
    except ValueError as exc:
        print(f"leadkiosk run: {exc}", file=sys.stderr)
        return 2
    if not display_available():
        print(NO_DISPLAY_HINT, file=sys.stderr)
        return 3
    fullscreen = bool(args.fullscreen) if args.fullscreen is not None else (is_raspberry_pi() and size is None)
    import logging
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")  # journald adds time
    from kiosk.bootstrap import build_services
    try:
        services = build_services(data_dir(args.data), camera=args.camera, mode=args.mode)
    except KioskError as exc:
        print(f"leadkiosk run: {exc}", file=sys.stderr)
        return _startup_error(args, size, fullscreen, str(exc))
    from kiosk.app.runner import run_kiosk
    return run_kiosk(services, size, fullscreen)


def _startup_error(args: argparse.Namespace, size: tuple[int, int] | None, fullscreen: bool,
                   message: str) -> int:
    """Show why the kiosk cannot start and retry; once it can, start afresh in this process's
    place (``exec``), so the kiosk comes up exactly as on a normal start."""
    import logging
    import os

    from kiosk.app.runner import configure_kivy
    from kiosk.bootstrap import build_services
    from kiosk.errors import KioskError

    logging.getLogger("leadkiosk.app").error("kiosk cannot start: %s", message)
    language = "en"
    try:
        from kiosk.config import load_kiosk_settings
        language = load_kiosk_settings(data_dir(args.data)).language
    except Exception:  # noqa: BLE001  (the settings may be what is broken)
        pass

    def can_start() -> bool:
        try:
            services = build_services(data_dir(args.data), camera="none", mode=args.mode, with_sync=False,
                                      sounds=False)
        except KioskError as exc:
            logging.getLogger("leadkiosk.app").info("still cannot start: %s", exc)
            return False
        services.close()
        return True

    configure_kivy(size, fullscreen)
    from kiosk.app.startup_error import StartupErrorApp
    app = StartupErrorApp(message, can_start, language=language,
                          retry_s=float(os.environ.get("LEADKIOSK_STARTUP_RETRY_S", "5")))
    app.run()
    if not app.resumed:
        return 1
    logging.getLogger("leadkiosk.app").info("the cause is fixed: starting the kiosk")
    os.execv(sys.executable, [sys.executable, "-m", "kiosk", *sys.argv[1:]])
    return 0  # not reached


def _screenshots(args: argparse.Namespace) -> int:
    from kiosk.app.render_screens import render_all
    from kiosk.app.runner import parse_size

    try:
        sizes = [parse_size(s.strip()) for s in args.sizes.split(",") if s.strip()]
    except ValueError as exc:
        print(f"leadkiosk screenshots: {exc}", file=sys.stderr)
        return 2
    at = None
    if args.at:
        from datetime import datetime
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            print(f"leadkiosk screenshots: --at {args.at!r} is not an ISO 8601 time with an offset "
                  "(e.g. 2026-05-12T10:30+02:00)", file=sys.stderr)
            return 2
    files = render_all(args.out, [s for s in sizes if s], lang=args.lang, at=at)
    for path in files:
        print(path)
    return 0 if files else 1
