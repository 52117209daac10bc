"""Issue 17 item 15 in Chromium: no page asks for something that is not there (favicon), chart
labels are readable (not scaled down to ~7 px) at desktop and phone width, and the hour chart's
axis counts leads in whole numbers."""
from __future__ import annotations

import pytest

from review_helpers import signed_in_page  # type: ignore[import-not-found]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FONT_PX = """() => [...document.querySelectorAll('svg.chart text')].map(t => {
    const m = t.getScreenCTM(); return m.a * parseFloat(getComputedStyle(t).fontSize); })"""


def test_no_404s_and_a_favicon(app, server, browser) -> None:
    page = signed_in_page(browser, server, "admin")
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    for path in ("/shows", "/shows/expo/leads", "/shows/expo/charts", "/shows/expo/report", "/report"):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
    r = page.request.get(server + "/favicon.ico")
    assert r.status == 200 and r.headers["content-type"].startswith("image/")
    assert not missing, missing


@pytest.mark.parametrize("width", [1366, 390])
def test_chart_labels_readable_and_whole_number_axis(app, server, browser, width: int) -> None:
    page = signed_in_page(browser, server, "marketer", width=width, height=900)
    page.goto(server + "/shows/expo/charts")
    sizes = page.evaluate(FONT_PX)
    assert sizes and min(sizes) >= 10.0, (width, sorted(sizes)[:5])
    ticks = page.evaluate("""() => [...document.querySelectorAll('svg.chart.bars text.ax')]
        .filter(t => t.getAttribute('text-anchor') === 'end').map(t => t.textContent)""")
    assert ticks and all(t.isdigit() for t in ticks), ticks
    assert page.evaluate("document.documentElement.scrollWidth") <= width
