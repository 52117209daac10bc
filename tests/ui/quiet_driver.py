"""Child process for test_quiet_start: start the kiosk as ``leadkiosk run`` does (logging set up
first, sounds on), type into a field (the clipboard provider loads), play a sound, log one real
error, stop. Usage: quiet_driver.py DATA_DIR"""
from __future__ import annotations

import logging
import sys
from typing import Any, Iterator

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")   # as app_cmd

from kiosk.app.runner import configure_kivy  # noqa: E402


def main(data: str) -> int:
    configure_kivy((800, 480), fullscreen=False)
    from kiosk.app.kiosk_app import KioskApp
    from kiosk.app.scripted import run_script, tap
    from kiosk.bootstrap import build_services
    services = build_services(data, camera="none", with_sync=False, sounds=True)
    services.context.staff = "Ana"
    app = KioskApp(services)

    def script(a: Any) -> Iterator[Any]:
        yield lambda: a.sm.current == "scan"
        yield None
        tap(a.screen("scan").ids.manual)
        yield lambda: a.sm.current == "contact"
        yield None
        yield None
        tap(a.screen("contact").inputs["first_name"])
        yield 0.3
        a.sounds.play("read")
        yield 0.2
        logging.getLogger("leadkiosk.app").error("a real error: the test says so")
        yield 0.1

    result = run_script(app, script, timeout_s=240, wait_timeout_s=60)
    services.close()
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
