"""Booth-condition benchmark (issue 21): the kiosk's decode pipeline against raw zxing-cpp on
synthetic booth photos (``bench/booth_photos.py``), per difficulty band, per symbology and per module
size (frame px per module before tilt: with blur sigma 1-2 px, what decides whether a code can be read).

    .venv/bin/python bench/booth_bench.py [--count N] [--empty N] [--seed S] [--clock cpu|wall]
        [--heavy [--all-ablations] [--corpus DIR]] [--video [--clips N] [--fps F]]

``--video``: clips of a badge sliding into view and held for 2 s (``booth_photos.make_video``:
per-frame noise, glare, focus and hand tremor), decoded as the kiosk's live loop does at the
feed's decode rate (15 frames/s): raw zxing-cpp and the cheap pipeline on every frame, and the
live decoder (the pipeline plus the multi-frame heavy worker). The worker is simulated on the
clip's timeline: it takes the newest frame the pipeline missed, is busy for the CPU time its
attempt took here, and a read counts once two attempts agree (as ``kiosk.scan.live`` does).
Reported per band: clips read within the hold, time from the first frame in which the whole
code is visible to the read, frames the read fused, and false reads (empty clips included).

The photos are generated at run time into a temp dir as JPEG and read back from there (what
``leadkiosk decode DIR`` would see). "pipeline" is ``Decoder().decode`` with every stage, as
``leadkiosk decode`` runs it; "zxing" is raw zxing-cpp with library defaults (plain text mode) on
grayscale. A false read is any decoded text on an empty frame, or any text differing from the
truth on a coded frame. Times are the decoding thread's CPU time (one OpenCV thread), so the
ratio pipeline/zxing in the same run is what to compare; absolute ms depend on the machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import zxingcpp  # noqa: E402

from bench.booth_photos import ALL_BANDS, BANDS, generate, write_shots  # noqa: E402
from bench.scan_corpus import DEFAULT_CORPUS  # noqa: E402
from kiosk.scan.decoder import Decoder, to_gray  # noqa: E402
from kiosk.scan.heavy import HeavyOptions, heavy_decode  # noqa: E402

Reader = Callable[[np.ndarray], list[str]]


def raw_zxing(gray: np.ndarray) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(gray, text_mode=zxingcpp.TextMode.Plain)]


def pipeline_reader() -> Reader:
    decoder = Decoder()
    return lambda gray: [c.text for c in decoder.decode(gray)]


def with_heavy(opts: HeavyOptions = HeavyOptions()) -> Reader:
    """The pipeline, then the heavy path only when the pipeline read nothing (how it would run
    in the background worker: on frames where the cheap stages fail)."""
    decoder = Decoder()

    def read(gray: np.ndarray) -> list[str]:
        return [c.text for c in decoder.decode(gray) or heavy_decode(gray, decoder, opts)]
    return read


def corpus_check(corpus: Path) -> str:
    """The heavy path on the public corpus photos the pipeline misses: reads added, wrong
    texts, and any read on the NONE photos (the gate for wiring it into the live path)."""
    from bench.scan_corpus import load_samples
    decoder = Decoder()
    added, wrong, none_reads, missed = 0, [], 0, 0
    for sample in load_samples(corpus):
        read = decoder.decode(sample.gray)
        if any(sample.matches(c.text, c.raw) for c in read):
            continue
        codes = read or heavy_decode(sample.gray, decoder)  # as in with_heavy()
        if read and sample.expected is not None:
            codes = heavy_decode(sample.gray, decoder)  # what the heavy path alone adds
        if sample.expected is None:
            none_reads += len(codes)
            continue
        missed += 1
        added += any(sample.matches(c.text, c.raw) for c in codes)
        wrong += [sample.name for c in codes if not sample.matches(c.text, c.raw)]
    return (f"heavy path on the corpus ({corpus}): {missed} photos the pipeline misses, "
            f"{added} read by the heavy path, {len(wrong)} read with a text differing from the "
            f"truth {wrong}, {none_reads} reads on NONE photos")


def measure(readers: dict[str, Reader], shots: list, paths: list[Path], clock: Callable[[], float]
            ) -> dict[str, list[dict]]:
    """Per reader, one row per shot: read (bool), false (int), ms."""
    out: dict[str, list[dict]] = {name: [] for name in readers}
    for shot, path in zip(shots, paths):
        gray = to_gray(cv2.imread(str(path), cv2.IMREAD_COLOR))
        for name, read in readers.items():
            start = clock()
            texts = read(gray)
            ms = (clock() - start) * 1000
            good = shot.truth is not None and shot.truth in texts
            false = sum(1 for t in texts if t != shot.truth)
            out[name].append({"read": good, "false": false, "ms": ms})
    return out


def table(shots: list, results: dict[str, list[dict]], names: list[str],
          bands: tuple[str, ...] = BANDS) -> list[str]:
    base = names[-1]
    others = names[:-1]
    head = f"{'row':16} {'n':>4} | " + " | ".join(f"{n[:14]:>14} {'ms':>6}" for n in names) + \
        " | reads/" + base + " " + "/".join(f"{i}" for i in range(len(others))) + \
        " | ms ratio " + "/".join(f"{i}" for i in range(len(others))) + " | false " + \
        "/".join(f"{i}" for i in range(len(names)))
    lines = [head, "-" * len(head)]

    def row(label: str, idx: list[int]) -> None:
        if not idx:
            return
        coded = [i for i in idx if shots[i].truth is not None]
        cells, reads, meds = [], {}, {}
        for n in names:
            reads[n] = sum(results[n][i]["read"] for i in coded)
            meds[n] = statistics.median(results[n][i]["ms"] for i in idx)
            shown = f"{reads[n]}/{len(coded)}" if coded else "-"
            cells.append(f"{shown:>14} {meds[n]:6.2f}")
        ratio_r = "/".join(f"{reads[n] / reads[base]:.2f}" if reads[base] else "-"
                           for n in others)
        ratio_t = "/".join(f"{meds[n] / meds[base]:.2f}" if meds[base] else "-" for n in others)
        falses = "/".join(str(sum(results[n][i]["false"] for i in idx)) for n in names)
        lines.append(f"{label:16} {len(idx):>4} | " + " | ".join(cells) +
                     f" | {ratio_r} | {ratio_t} | {falses}")

    for band in bands:
        row(f"{band}", [i for i, s in enumerate(shots) if s.band == band and s.truth])
    row("empty frames", [i for i, s in enumerate(shots) if s.truth is None])
    lines.append("")
    for sym in ("QR", "PDF417", "Code128", "Code39"):
        row(sym, [i for i, s in enumerate(shots) if s.symbology == sym])
    for kind in ("qr-vcard", "qr-mecard", "qr-json", "qr-url", "qr-id"):
        row(f"  {kind}", [i for i, s in enumerate(shots) if s.kind == kind])
    lines.append("")
    for band in bands:
        for sym in ("QR", "PDF417", "Code128", "Code39"):
            row(f"{band}/{sym}", [i for i, s in enumerate(shots)
                                  if s.band == band and s.symbology == sym])
    lines.append("")
    for lo, hi in ((0, 2), (2, 3), (3, 4), (4, 99)):  # px per module: what blur leaves of one
        for band in (b for b in bands if b != "easy"):
            row(f"{band} {lo}{'-' + str(hi) if hi < 99 else '+'} px/mod",
                [i for i, s in enumerate(shots)
                 if s.band == band and s.truth and lo <= s.px_per_module < hi])
    row("all coded", [i for i, s in enumerate(shots) if s.truth])
    return lines


def _first_read(frames: list, start: int, fps: float, truth: str | None,
                read: Callable[[np.ndarray], list[str]], clock: Callable[[], float]
                ) -> tuple[float | None, int]:
    """Per-frame reader: (seconds from frame ``start`` to its first read incl. decode time,
    false texts)."""
    false = 0
    for k in range(start, len(frames)):
        t0 = clock()
        texts = read(frames[k])
        ms = clock() - t0
        false += sum(1 for t in texts if t != truth)
        if truth is not None and truth in texts:
            return (k - start) / fps + ms, false
    return None, false


def _live_read(frames: list, start: int, fps: float, truth: str | None, symbologies: tuple,
               clock: Callable[[], float]) -> tuple[float | None, int, int, int]:
    """The live decoder on the clip's timeline: (seconds to read, false texts, frames the read
    fused, heavy attempts). Cheap pipeline on every frame; the heavy worker takes the newest
    frame the pipeline missed whenever it is free and is busy for its measured CPU time."""
    from kiosk.scan.fusion import Agreement, FrameFusion
    from kiosk.scan.scanner import Scanner
    decoder = Decoder(symbologies)
    scanner = Scanner(decoder, repeat_window_s=0)
    fusion, vote = FrameFusion(decoder), Agreement()
    free_at, false, attempts = 0.0, 0, 0
    pending: list[tuple[float, list[str], int]] = []   # (ready at, agreed texts, fused)
    for k in range(len(frames)):
        now = k / fps
        for ready, texts, fused in pending:  # heavy reads handed back with this frame
            if ready <= now and truth in texts and k >= start:
                return now - start / fps, false, fused, attempts
        pending = [p for p in pending if p[0] > now]
        t0 = clock()
        texts = [c.text for c in scanner.scan(frames[k])]
        ms = clock() - t0
        false += sum(1 for t in texts if t != truth)
        if texts:
            vote.reset()
            if truth is not None and truth in texts and k >= start:
                return now + ms - start / fps, false, 1, attempts
            continue
        if now + ms < free_at:
            continue  # the worker is busy: this frame is dropped for it
        t0 = clock()
        codes = fusion.add(frames[k])
        busy = clock() - t0
        attempts += 1
        if fusion.last_regions == 0:
            vote.reset()
        agreed = [c.text for c in vote.confirm(codes)]
        false += sum(1 for t in agreed if t != truth)
        free_at = max(now + ms, free_at) + busy
        if agreed:
            pending.append((free_at, agreed, fusion.last_fused))
    return None, false, 0, attempts


def video_bench(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from bench.booth_photos import KINDS, make_video
    per_band = max(1, args.clips // 3)
    plan = [(i, band, KINDS[(i // 3) % len(KINDS)]) for i in range(per_band * 3)
            for band in (BANDS[i % 3],)]
    plan += [(5000 + j, BANDS[j % 3], "empty") for j in range(args.empty_clips * 3)]
    rows: list[dict] = []
    t_gen = 0.0
    for index, band, kind in plan:
        t0 = time.perf_counter()
        clip = make_video(args.seed, index, band, kind, fps=args.fps)
        t_gen += time.perf_counter() - t0
        grays = [to_gray(f) for f in clip.frames]
        row = {"band": band, "kind": kind, "truth": clip.truth, "false": {}, "t": {}}
        for name, read in (("zxing", raw_zxing), ("pipeline", None)):
            if read is None:
                from kiosk.scan.scanner import Scanner
                scanner = Scanner(Decoder(), repeat_window_s=0)
                read = lambda g, s=scanner: [c.text for c in s.scan(g)]  # noqa: E731
            t, false = _first_read(grays, clip.visible, clip.fps, clip.truth, read, clock)
            row["t"][name], row["false"][name] = t, false
        t, false, fused, attempts = _live_read(grays, clip.visible, clip.fps, clip.truth,
                                               Decoder().symbologies, clock)
        row["t"]["live"], row["false"]["live"] = t, false
        row["fused"], row["attempts"] = fused, attempts
        rows.append(row)
    names = ("live", "pipeline", "zxing")
    print(f"booth video bench: seed {args.seed}, {per_band * 3} clips of a badge sliding in "
          f"({4} frames) and held 2 s at {args.fps:g} frames/s + {args.empty_clips * 3} empty "
          f"clips (generated in {t_gen:.0f} s); time = first fully visible frame -> read, "
          f"{'thread CPU' if args.clock == 'cpu' else 'wall'} decode time included; baseline raw "
          "zxing-cpp per frame in the same run")
    head = (f"{'band':12} {'n':>3} | " + " | ".join(f"{n:>8} read {'med s':>6} {'p90 s':>6}"
                                                   for n in names)
            + " | reads live/zx pipe/zx | live fused med/max | false live/pipe/zx")
    print(head)
    print("-" * len(head))

    def line(label: str, sel: list[dict]) -> None:
        coded = [r for r in sel if r["truth"]]
        cells, reads = [], {}
        for n in names:
            ts = sorted(r["t"][n] for r in coded if r["t"][n] is not None)
            reads[n] = len(ts)
            med = f"{statistics.median(ts):6.2f}" if ts else f"{'-':>6}"
            p90 = f"{ts[min(len(ts) - 1, int(0.9 * len(ts)))]:6.2f}" if ts else f"{'-':>6}"
            cells.append(f"{reads[n]:>4}/{len(coded):<3} {med} {p90}" if coded else
                         f"{'-':>8} {'':>6} {'':>6}")
        ratio = " ".join(f"{reads[n] / reads['zxing']:.2f}" if reads["zxing"] else "-"
                         for n in ("live", "pipeline"))
        fused = [r["fused"] for r in coded if r["t"]["live"] is not None]
        fz = f"{statistics.median(fused):.0f}/{max(fused)}" if fused else "-"
        falses = "/".join(str(sum(r["false"][n] for r in sel)) for n in names)
        print(f"{label:12} {len(sel):>3} | " + " | ".join(cells) +
              f" | {ratio:>21} | {fz:>18} | {falses}")

    for band in BANDS:
        line(band, [r for r in rows if r["band"] == band and r["truth"]])
    line("empty clips", [r for r in rows if not r["truth"]])
    line("all coded", [r for r in rows if r["truth"]])
    print("live = kiosk.scan.live (pipeline every frame + fusion worker, 2 agreeing attempts); "
          "fused = frames averaged in the live read (1 = the pipeline read it). A clip not read "
          "within its 2 s hold counts as unread.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=312, help="coded photos (multiple of 24)")
    parser.add_argument("--empty", type=int, default=15, help="empty frames per band")
    parser.add_argument("--bands", default=",".join(BANDS),
                        help="comma-separated bands; issue-hard (opt-in) is the hard band held to "
                             "the ranges issue 21 states for its hidden set")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--keep", type=Path, help="write the photos here instead of a temp dir")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="public corpus for the heavy path's false-read check (--heavy)")
    parser.add_argument("--heavy", action="store_true",
                        help="add pipeline+heavy-path rows and their ablation (slower)")
    parser.add_argument("--no-ablations", action="store_true",
                        help="with --heavy: only the whole heavy path, no ablation columns "
                             "(a check on another seed or band)")
    parser.add_argument("--all-ablations", action="store_true",
                        help="with --heavy: also the rectify/sharpen/binarizer/detection rows")
    parser.add_argument("--video", action="store_true",
                        help="clips of a badge moving into view and held: time to read per band")
    parser.add_argument("--clips", type=int, default=72, help="coded clips (--video)")
    parser.add_argument("--empty-clips", type=int, default=2, help="empty clips per band")
    parser.add_argument("--fps", type=float, default=15.0,
                        help="frames decoded per second (the kiosk feed decodes <= 15)")
    args = parser.parse_args(argv)
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    cv2.setNumThreads(1)
    if args.video:
        return video_bench(args, clock)
    t0 = time.perf_counter()
    bands = tuple(args.bands.split(","))
    if not set(bands) <= set(ALL_BANDS):
        parser.error(f"--bands: unknown {sorted(set(bands) - set(ALL_BANDS))}; "
                     f"expected some of {', '.join(ALL_BANDS)}")
    shots = generate(args.seed, args.count, args.empty, bands)
    gen_s = time.perf_counter() - t0
    readers: dict[str, Reader] = {"pipeline": pipeline_reader()}
    if args.heavy:
        readers["+heavy"] = with_heavy()
        if args.all_ablations:
            readers["+heavy-norect"] = with_heavy(HeavyOptions(rectify=False))
            readers["+heavy-nosharp"] = with_heavy(HeavyOptions(sharpen=False, denoise=False))
            readers["+heavy-1bin"] = with_heavy(HeavyOptions(second_binarizer=False))
            readers["+heavy-zxdet"] = with_heavy(HeavyOptions(energy_regions=False))
    if args.heavy and not args.no_ablations:
        readers["+heavy-noquads"] = with_heavy(HeavyOptions(light_quads=False))
        readers["+heavy-nodeblur"] = with_heavy(HeavyOptions(deblur=False))
        readers["+heavy-noprof"] = with_heavy(HeavyOptions(profiles=False))
        readers["+heavy-noqrgrid"] = with_heavy(HeavyOptions(qrgrid=False))
        readers["+heavy-noerasures"] = with_heavy(HeavyOptions(qr_erasures=False))
        readers["+heavy-nomodel"] = with_heavy(HeavyOptions(barmodel=False))
        readers["+heavy-nopdf"] = with_heavy(HeavyOptions(pdfmodel=False))
        readers["+heavy-old"] = with_heavy(HeavyOptions(deblur=False, profiles=False,
                                                        qrgrid=False, barmodel=False,
                                                        pdfmodel=False))
    readers["zxing"] = raw_zxing
    with tempfile.TemporaryDirectory(prefix="booth-") as tmp:
        directory = args.keep or Path(tmp)
        paths = write_shots(shots, directory)
        for read in readers.values():  # warm up
            read(to_gray(shots[0].image))
        results = measure(readers, shots, paths, clock)
    names = list(readers)
    print(f"booth bench: seed {args.seed}, {sum(1 for s in shots if s.truth)} coded + "
          f"{sum(1 for s in shots if not s.truth)} empty photos (generated in {gen_s:.0f} s), "
          f"{'thread CPU' if args.clock == 'cpu' else 'wall'} ms per frame (median), "
          "baseline raw zxing-cpp (defaults, plain text) in the same run")
    print("\n".join(table(shots, results, names, bands)))
    print("columns: " + ", ".join(f"{i} = {n}" for i, n in enumerate(names)) + "; ratios "
          "are each column against the last (raw zxing-cpp).")
    print("false = decoded texts that are not the truth (any text on an empty frame).")
    if args.heavy and (args.corpus / "barcodes" / "manifest.tsv").exists():
        print(corpus_check(args.corpus))
    return 0


if __name__ == "__main__":
    sys.exit(main())
