"""Charts as inline SVG made on the server: the review machine may have no internet, so no CDN
and no JavaScript charting library; the markup is small and prints well."""
from __future__ import annotations

from html import escape
from typing import Sequence

from markupsafe import Markup

TAG_COLORS = {"hot": "#d9480f", "warm": "#f59f00", "nurture": "#1c7ed6"}
BAR = "#4263eb"


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    for m in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000,
              20000, 25000, 50000, 100000, 200000, 500000, 1000000):
        if v <= m:
            return float(m)
    return float(v)


NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000)


def axis_ticks(largest: float, most: int = 4) -> list[int]:
    """Whole-number y ticks from 0 that cover ``largest`` in at most ``most`` steps: leads are
    counted, so an axis reading 6.25 or 37.5 makes no sense."""
    need = max(float(largest), 1.0) / most
    step = next((s for s in NICE_STEPS if s >= need), int(need) + 1)
    count = max(1, min(most, int(-(-max(largest, 1) // step))))
    return [step * i for i in range(count + 1)]


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str,
              width: int = 440, height: int = 190, color: str = BAR) -> Markup:
    """Vertical bars with a y axis (for leads per hour). Drawn at about the size it is shown
    (svg.chart.bars caps its width in review.css), so its 13-unit labels stay readable."""
    n = max(len(values), 1)
    ticks = axis_ticks(max(values, default=0))
    top = float(ticks[-1])
    left, bottom, pad_top = 40, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - pad_top
    bw = plot_w / n
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>']
    steps = len(ticks) - 1
    for i in range(steps + 1):
        y = pad_top + plot_h * i / steps
        val = ticks[steps - i]
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" class="ax" text-anchor="end">{val:g}</text>')
    step = max(1, n // 12)
    for i, (lab, v) in enumerate(zip(labels, values)):
        h = plot_h * v / top
        x = left + i * bw + bw * 0.12
        parts.append(f'<rect x="{x:.1f}" y="{pad_top + plot_h - h:.1f}" width="{bw * 0.76:.1f}" '
                     f'height="{h:.1f}" fill="{color}" rx="2"><title>{escape(str(lab))}: {v:g}</title></rect>')
        if i % step == 0:
            parts.append(f'<text x="{x + bw * 0.38:.1f}" y="{height - 10}" class="ax" '
                         f'text-anchor="middle">{escape(str(lab))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, width: int = 340,
               colors: Sequence[str] | None = None, fmt: str = "{:g}") -> Markup:
    """Horizontal bars with the label on the left and the value at the bar's end; a narrow
    drawing (shown at most ~1.3x, see review.css) so labels are not scaled down to 7 px."""
    row = 26
    height = max(row * len(values), row) + 8
    label_w = 124
    top = max(values, default=0) or 1
    plot_w = width - label_w - 52
    parts = [f'<svg class="chart h" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>']
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = 4 + i * row
        w = plot_w * v / top
        c = colors[i] if colors else BAR
        short = lab if len(lab) <= 17 else lab[:16] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" class="lb" text-anchor="end">{escape(short)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" fill="{c}" rx="3">'
                     f'<title>{escape(lab)}: {fmt.format(v)}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="val">{escape(fmt.format(v))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bar(parts_: Sequence[tuple[str, float]], *, title: str, width: int = 360,
                colors: dict[str, str] | None = None) -> Markup:
    """One horizontal bar split into shares (tag mix), with a legend giving counts and percent."""
    colors = colors or TAG_COLORS
    total = sum(v for _, v in parts_) or 1
    height = 44 + 22 * max(len(parts_), 1)   # one legend line per share: long labels never overlap
    out = [f'<svg class="chart h" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<title>{escape(title)}</title>']
    x = 0.0
    for name, v in parts_:
        w = width * v / total
        out.append(f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="26" fill="{colors.get(name, BAR)}">'
                   f'<title>{escape(name)}: {v:g}</title></rect>')
        x += w
    for i, (name, v) in enumerate(parts_):
        y = 42 + 22 * i
        out.append(f'<rect x="0" y="{y}" width="12" height="12" rx="2" fill="{colors.get(name, BAR)}"/>'
                   f'<text x="17" y="{y + 11}" class="lb">{escape(name)} {v:g} ({100 * v / total:.0f}%)</text>')
    out.append("</svg>")
    return Markup("".join(out))
