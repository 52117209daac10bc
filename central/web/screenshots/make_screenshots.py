"""Make the README screenshots of the review app from a running server with the demo show.

    leadkiosk central demo-data --db sqlite:///demo.db --demo-users
    leadkiosk central serve --db sqlite:///demo.db --port 8800 &
    .venv/bin/python central/web/screenshots/make_screenshots.py http://127.0.0.1:8800

Images are quantised to 256 colours so each stays well under 200 KB in the repository.
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def save(png: bytes, name: str) -> None:
    from PIL import Image
    img = Image.open(io.BytesIO(png)).convert("RGB")
    q = img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    q.save(HERE / name, optimize=True)
    print(f"{name}: {(HERE / name).stat().st_size // 1024} KB")


def main(base: str, show: str = "demo-2026", email: str = "admin@demo.example",
         password: str = "leadkiosk-demo") -> int:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=os.environ.get("LEADKIOSK_CHROMIUM") or "/usr/bin/chromium", args=ARGS)
        pg = b.new_page(viewport={"width": 1280, "height": 800})
        shot = lambda name, full=False: save(pg.screenshot(full_page=full), name)  # noqa: E731
        pg.goto(base + "/login")
        shot("sign-in.png")
        pg.fill("#email", email)
        pg.fill("#password", password)
        pg.click("button[type=submit]")
        pg.wait_for_url("**/shows")
        shot("shows.png")
        pg.goto(f"{base}/shows/{show}/leads?tag=hot")
        shot("leads.png")
        pg.click("#leads tbody td.name a >> nth=2")
        pg.wait_for_url("**/leads/**")
        pg.set_viewport_size({"width": 1280, "height": 1500})
        shot("lead.png")
        pg.set_viewport_size({"width": 1280, "height": 800})
        pg.goto(f"{base}/shows/{show}/leads?per_page=10")
        ids = pg.eval_on_selector_all("#leads tbody td.name a", "a => a.map(x => x.href.split('/leads/')[1].split('?')[0])")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
            f.write("lead_id,email,status,stage,reason\n")
            f.write(f"{ids[0]},,won,,\n{ids[1]},,active,proposal,\n{ids[2]},,lost,,went with a competitor\n")
            f.write(",someone@unknown.example,won,,\n")
            f.write(f"{ids[3]},,discarded,,\n")
        pg.goto(f"{base}/shows/{show}/outcomes/import")
        pg.set_input_files("input[name=file]", f.name)
        pg.click("#import-form button")
        pg.wait_for_selector("#matched")
        shot("import-preview.png")
        for page, name, full in (("report", "report.png", True), ("charts", "charts.png", True),
                                 ("calibration", "calibration.png", True)):
            pg.goto(f"{base}/shows/{show}/{page}")
            pg.set_viewport_size({"width": 1280, "height": 1600})
            shot(name)
            pg.set_viewport_size({"width": 1280, "height": 800})
        b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
