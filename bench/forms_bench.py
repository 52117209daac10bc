"""Forms benchmark: scoring must be cheap enough to run on every tap and every save on a Pi, and
loading a form must cost little more than parsing its YAML.

Prints, in one run and interleaved so a busy shared machine affects both sides alike:
- ``score(form, answers)`` (validation + conditions + rules + reasons) beside a baseline that
  only sums the points of the same answers from a prepared dict (the least any scorer can do);
- ``form.visible_questions(answers)`` (called on every UI redraw) beside the same baseline;
- ``load_form_text`` (parse + full validation) beside a bare YAML load of the same text with the
  same pure-Python parser (cache cleared each time).
Targets: score p95 below one 60 Hz frame (16.7 ms) even on this shared machine, so scoring on every
tap never drops a frame (a Pi 4 is ~5x slower than this machine); load_form_text within 3x of the
bare YAML load (validation must not dominate).

Run: ``.venv/bin/python bench/forms_bench.py [--samples 2000]``
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

SAFE = yaml.SafeLoader  # the parser forms uses (pure Python, same on every machine)

from forms import default_form_path, load_form_text, score  # noqa: E402
from forms.loader import _load_cached  # noqa: E402


def _load_uncached(text: str) -> Any:
    _load_cached.cache_clear()
    return load_form_text(text)

ANSWERS = {"budget": "approved", "authority": "researcher", "need": "critical",
           "product_interest": ["lead_kiosk", "crm_sync"], "timing": "6_12_months",
           "evaluated_competitors": True, "role": "student", "follow_up": "demo",
           "notes": "wants a demo in March", "consent": True}


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - t) / 1000.0  # microseconds


def interleave(a: Callable[[], Any], b: Callable[[], Any], n: int) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for _ in range(n):
        xs.append(timed(a))
        ys.append(timed(b))
    return xs, ys


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) >= 2 else values[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=2000)
    args = ap.parse_args(argv)
    text = default_form_path().read_text(encoding="utf-8")
    form = load_form_text(text)
    points = {(q.id, o.id): o.points for q in form.questions for o in q.options}

    def baseline() -> int:
        total = 0
        for qid, v in ANSWERS.items():
            for oid in (v if isinstance(v, list) else [v]):
                total += points.get((qid, oid), 0)
        return total

    rows = []
    for name, fn, base, base_name, n in (
            ("score()", lambda: score(form, ANSWERS), baseline, "sum points (dict)", args.samples),
            ("visible_questions()", lambda: form.visible_questions(ANSWERS), baseline, "sum points (dict)", args.samples),
            ("load_form_text()", lambda: _load_uncached(text), lambda: yaml.load(text, Loader=SAFE), "yaml.safe_load", max(50, args.samples // 20))):
        for _ in range(20):
            fn(), base()
        xs, ys = interleave(fn, base, n)
        rows.append((name, p(xs, 50), p(xs, 95), base_name, p(ys, 50), p(ys, 95)))
    print(f"forms benchmark: {args.samples} samples, interleaved with the baseline (shared machine: read the ratios)")
    print(f"{'operation':<22}{'p50 us':>10}{'p95 us':>10}  {'baseline':<20}{'p50 us':>10}{'p95 us':>10}{'p50 ratio':>11}{'p95 ratio':>11}")
    for name, a50, a95, bname, b50, b95 in rows:
        print(f"{name:<22}{a50:>10.1f}{a95:>10.1f}  {bname:<20}{b50:>10.1f}{b95:>10.1f}{a50 / b50:>10.1f}x{a95 / b95:>10.1f}x")
    score_p95 = rows[0][2]
    load_ratio = rows[2][1] / rows[2][4]
    print(f"target score p95 < 16667 us (one frame): {'met' if score_p95 < 16667 else 'MISSED'} ({score_p95:.0f} us); "
          f"leads scored per second (p50): {1e6 / rows[0][1]:,.0f}")
    print(f"target load_form_text within 3x the bare YAML load: {'met' if load_ratio <= 3 else 'MISSED'} ({load_ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
