"""Where a blurred 1D bar code's bars are in a candidate region, for the model fit of step 8
(``kiosk.scan.barmodel`` fits one averaged row profile; issue 21, heavy path): the turn that
stands the bars upright, the bars' box, the bar rows, the row bands' profiles, and the read
of a region, where two bands must agree.

The bars' box is searched only where the turned crop shows the frame (``_inside``): the crop is
cut with the frame's edge rows replicated, and a code near the frame's edge had its box found
in those streaks (a line of text under the bars, drawn out into long vertical "bars").
Issue-hard seed 21 #94 (640x480, 1.34 px per module, bars 25 px from the bottom edge): the box
was the streaks; inside the frame it is the bars, and with the finer keystone starts
(``barmodel.C128_KEYSTONES``) two bands read. On its own (step 8, Code 128): issue-hard seeds
21 / 24 10/13, 6/13 and hard seeds 21 / 24 7/13, 5/13, all unchanged; 60 empty frames read
nothing at main's cost (median 460 ms against 470).

The row bands split the bars' own rows (``_bar_rows``), not the whole box: the box comes from
a smoothed, closed energy mask and reached ~10 px past the bars onto the label's margins, or
over a text line under the bars, so the outer bands mixed bar rows with others (issue-hard
seed 24 #70: one band of three read; on the bars' rows all three read the true bits at
0.022-0.026). Bar rows are those whose gradient projected on the box's mean gradient is at
least half the best row's: a text line has energy but does not line up with the bars (a
plain energy threshold took issue-hard seed 21 #39's digits for bars and lost that Code 39).
Step 8: Code 128 issue-hard seed 21 11/13 -> 12/13 (#14, 1.08 px per module), seed 24 7/13
(same); hard seed 21 7/13 (same), seed 24 5/13 -> 6/13 (#86). Code 39 issue-hard seeds 21 /
24 2/13 -> 3/13, 6/13 -> 7/13; hard 2/13 -> 3/13, 2/13 (same). No read lost, no false read.

A region is more than its largest bar blob: a badge hangs over a striped shirt, whose stripes
make a larger and more regular blob than the small blurred bars, in the same turn (issue-hard
seed 21 #62: the stripes parallel to the bars) or across it (seed 24 #70: the stripes won
the along-coherence, the badge's bars lay across them). When the first box reads nothing,
read_region tries the other turn's largest blob and each turn's second one (``MORE_BOXES``),
each only when its middle band's start and stop patterns fit (``_ends_fit``, the first look
that costs a band's end fits, not its model fits); the region's boxes are found again after
bar_profiles' residual turn as the blob overlapping them most. Step 8: Code 128 issue-hard
seeds 21 / 24 12/13 -> 13/13, 7/13 -> 8/13; hard 7/13 -> 9/13, 6/13 -> 8/13. Code 39
issue-hard 3/13 -> 4/13, 7/13 (same); hard 3/13 (same), 2/13 -> 5/13. No read lost, no
false read; 60 empty frames read nothing, median 571 ms against 463 (+23 %).

Finding the bars before any fit (1280x720 Code 39 badges at 1.5-2 px that the fit read on
other shots of that size): the region is turned so that its bar box is wider than high when
only one of the two directions gives such a box (``_upright_bars``; a strip of name text
beside the bars had outscored them), and the row bands follow the bars' ends (``_bar_ends``):
a badge tilted in perspective has vertical bars whose ends run along a slant, and square
bands cut across the box left the bars at one end (issue-hard-0023 of seed 21, -0103 of seed
24: two of three bands fitted a cut-off profile). The bands are sheared only when the slant
rises more than the margin ``BAND_SPAN`` leaves: sheared at any slant, small codes whose
bars' ends are ragged in the blob lost three Code 128 reads. Step 8, seeds 21 / 24, on main
f08f49f (before ``_bar_rows`` and ``MORE_BOXES``): issue-hard Code 39 2/13 -> 4/13, 6/13 ->
7/13, Code 128 10/13 -> 11/13, 6/13 (same); hard Code 39 2/13 -> 3/13, 2/13 -> 3/13, Code
128 7/13 (same), 5/13 -> 8/13; no read lost, no false read. The bar box's own residual turn
is skipped beyond ``MAX_RESIDUAL_TURN`` (its card edges and text, not its bars, set such an
angle) when its coherence is also low (under ``RESIDUAL_COHERENCE``: the bad angles came at
0.05-0.18; with main's ``MORE_BOXES`` a blob other than the region's largest needs 53
degrees at 0.23 or -25 at 0.36, and the cap alone lost those two reads). On main b98ea68
(with ``_bar_rows`` and ``MORE_BOXES``, which read the three Code 39 shots above too), step
8, seeds 21 / 24: issue-hard Code 128 13/13 (same), 8/13 -> 9/13 (issue-hard-0062 of seed
24, 1.0 px: turned 70 degrees off its bars by the residual at coherence 0.05); Code 39
issue-hard 4/13, 7/13, hard 3/13, 5/13 and Code 128 hard 9/13, 8/13 unchanged; no read lost,
no false read.

False-read guard for both: a read needs a small snapped-fit residual relative to the bar
contrast, and two row bands that agree (``read_region``).

Functional core: numpy and OpenCV only, no I/O.
"""
from __future__ import annotations

import cv2
import numpy as np

from kiosk.scan.barmodel import (C39_RATIOS, MAX_END_RESIDUAL, WINDOW_PAD, end_patterns, extent,
                                 read_profile)
from kiosk.scan.profiles import orientation as _orientation
from kiosk.scan.profiles import upright

MIN_COHERENCE = 0.15       # region orientation coherence below which there are no bars
VOTES = 2
REGIONS = 4                # candidate regions tried (the heavy path's step 6 tries 2)
REGION_MIN_AREA = 0.004    # of the frame: a small badge code is under the usual 2 %
REGION_MIN_FILL = 0.4      # a small code's blob merges with the badge text beside it
BAND_SPAN = (0.2, 0.8)     # share of the bars' height the bands cover
BANDS = 3                 # row bands across the bars; a read needs two to agree
BOX_SHAPE = True          # orientation: the direction whose bar box is wider than high
                          # first (``_upright_bars``); False: along-coherence only (ablation)
SHEARED_BANDS = True      # bands follow the bars' ends (``_bar_ends``); False: the box's rows
MAX_SHEAR = 0.5           # bar-end line slope (rows per column) beyond which it is not one
MAX_RESIDUAL_TURN = 20.0  # degrees: a bar box's residual angle beyond it, at a coherence
RESIDUAL_COHERENCE = 0.2  # under this, is not the bars' (``bar_profiles``)
BAR_ROWS = 0.5            # a row of the bars' box is a bar row at this share of the best row's
                          # gradient along the bars' mean one (``_bar_rows``)
MORE_BOXES = 2            # bar blobs per turn tried when the first reads nothing (0: only the
                          # first): shirt stripes beside a badge make the larger blob
INSIDE_MARGIN = 8         # px of the crop next to the frame's edge left out of the bars' box
                          # search (the box's 9 px smoothing reaches 4 px, the crop's blur 3)


def _bar_box(turned: np.ndarray, valid: np.ndarray | None = None,
             near: tuple[int, int, int, int] | None = None) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the bars in a bars-vertical crop: the largest blob where vertical edges
    dominate horizontal ones (card edges and text drop out), within ``valid`` (the crop's
    pixels that lie in the frame, ``_inside``) when given; ``near``: the blob overlapping
    that box most instead of the largest."""
    boxes = _bar_boxes(turned, valid)
    if not boxes:
        return None
    if near is not None:
        box = max(boxes, key=lambda b: _overlap(b, near))
        return box if _overlap(box, near) > 0 and _big(box) else None
    return boxes[0] if _big(boxes[0]) else None


def _big(box: tuple[int, int, int, int]) -> bool:
    return box[2] >= 24 and box[3] >= 8


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(w, 0) * max(h, 0)


def _bar_blobs(turned: np.ndarray, valid: np.ndarray | None
               ) -> tuple[int, np.ndarray, np.ndarray] | None:
    """(count, labels, stats) of ``cv2.connectedComponentsWithStats`` on the bars' energy mask
    (strong gradient across the bars, weak along them, closed over narrow gaps); None when
    nothing has such energy."""
    f = cv2.GaussianBlur(turned.astype(np.float32), (0, 0), 1.0)
    gx = cv2.blur(np.abs(cv2.Sobel(f, cv2.CV_32F, 1, 0)), (9, 9))
    gy = cv2.blur(np.abs(cv2.Sobel(f, cv2.CV_32F, 0, 1)), (9, 9))
    energy = gx - 1.5 * gy
    if valid is not None:
        energy[valid == 0] = 0.0
    if energy.max() <= 0:
        return None
    mask = (energy > 0.25 * energy.max()).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                             (15, 3)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    return n, labels, stats


def _bar_boxes(turned: np.ndarray, valid: np.ndarray | None = None
               ) -> list[tuple[int, int, int, int]]:
    """The boxes of ``_bar_box``'s blobs, largest first."""
    blobs = _bar_blobs(turned, valid)
    if blobs is None:
        return []
    _, _, stats = blobs
    order = 1 + np.argsort(-stats[1:, cv2.CC_STAT_AREA], kind="stable")
    return [(int(stats[i, 0]), int(stats[i, 1]), int(stats[i, 2]), int(stats[i, 3]))
            for i in order]


def _blob_mask(turned: np.ndarray, valid: np.ndarray | None,
               box: tuple[int, int, int, int]) -> np.ndarray | None:
    """The pixels (within ``box``) of the ``_bar_boxes`` blob whose box is ``box``."""
    blobs = _bar_blobs(turned, valid)
    if blobs is None:
        return None
    n, labels, stats = blobs
    x, y, w, h = box
    for i in range(1, n):
        if tuple(int(v) for v in stats[i, :4]) == box:
            return labels[y:y + h, x:x + w] == i
    return None


def _bar_ends(turned: np.ndarray, valid: np.ndarray | None, box: tuple[int, int, int, int]
              ) -> tuple[np.ndarray, float] | None:
    """(centre line (slope, intercept: crop row against crop column), bar height px) of the
    bars in ``box``'s blob: a tilted badge seen in perspective has vertical bars whose ends
    run along a slanted line (shear), so rows cut square across the box leave the bars at one
    end. The line is fitted to each column's mean blob row (text merged into the blob above
    or below pulls some columns off: they are dropped), the height is the box's less the
    shear's rise across it (the median column's when that is more). None when the blob's
    columns give no line or when the rise is within the margin ``BAND_SPAN`` leaves (square
    bands then stay on the bars: measured, sheared bands on small codes whose bars' ends are
    ragged in the blob lost Code 128 reads that square bands made)."""
    mask = _blob_mask(turned, valid, box)
    if mask is None:
        return None
    x, y, w, h = box
    count = mask.sum(axis=0)
    cols = np.flatnonzero(count >= max(4, 0.25 * h))
    if len(cols) < max(8, w // 4):
        return None
    centre = (mask * np.arange(h)[:, None]).sum(axis=0)[cols] / count[cols] + y
    keep = np.ones(len(cols), dtype=bool)
    for _ in range(3):
        line = np.polyfit(cols[keep] + x, centre[keep], 1)
        res = centre - np.polyval(line, cols + x)
        keep = np.abs(res) <= max(1.5, 3.0 * float(np.median(np.abs(res[keep]))))
        if keep.sum() < max(8, w // 4):
            return None
    if abs(line[0]) > MAX_SHEAR or abs(line[0]) * w <= BAND_SPAN[0] * h:
        return None   # too steep to be bars' ends, or square bands stay within the bars
    return line, max(float(np.median(count[cols[keep]])), h - abs(float(line[0])) * w)


def _bar_rows(turned: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int]:
    """(first row, rows) of the bars inside their box: the longest run of rows whose
    horizontal gradient projected on the box's mean one is at least ``BAR_ROWS`` of the best
    row's (bars repeat down their rows; a text line does not line up with them, the label's
    blank margin has little gradient). The box comes from a smoothed, closed energy mask and
    reaches past the bars' ends."""
    x, y, w, h = box
    f = cv2.GaussianBlur(turned[y:y + h, x:x + w].astype(np.float32), (0, 0), 1.0)
    g = cv2.Sobel(f, cv2.CV_32F, 1, 0)
    along = g @ g.mean(axis=0)
    if along.max() <= 0:
        return y, h
    good = np.concatenate([[0], (along >= BAR_ROWS * along.max()).astype(int), [0]])
    change = np.diff(good)
    starts, stops = np.flatnonzero(change == 1), np.flatnonzero(change == -1)
    k = int(np.argmax(stops - starts))
    if stops[k] - starts[k] < 8:
        return y, h
    return y + int(starts[k]), int(stops[k] - starts[k])


def bar_profiles(turned: np.ndarray, count: int = BANDS, valid: np.ndarray | None = None,
                 box: tuple[int, int, int, int] | None = None) -> list[np.ndarray]:
    """Mean profiles of ``count`` row bands across the bars of a bars-vertical crop
    (``profiles.upright``): the bars' own box, turned by its own residual angle (the whole
    region's orientation is skewed by the card around the code) and found again, its middle
    rows (a keystoned code's bars are shorter at one end) split into bands. A residual angle
    over ``MAX_RESIDUAL_TURN`` at a coherence under ``RESIDUAL_COHERENCE`` is not the bars'
    (the box's card edges and text pulled the structure tensor: -70 to -88 degrees at coherence
    0.05-0.18 on right-turned 640x480 badges) and is not applied; a large one at a higher
    coherence is (53 degrees at 0.23 and -25 at 0.36 on another blob than the region's largest,
    ``MORE_BOXES``: both read only turned). The bands follow the bars' ends when a tilt slants
    them (``_bar_ends``), else they split the bars' own rows (``_bar_rows``). ``valid``: the
    crop's pixels inside the frame (``_inside``); ``box``: these bars (another blob than the
    largest), found again after the turn as the blob overlapping them most."""
    if turned.size == 0:
        return []
    near = box
    box = _bar_box(turned, valid) if near is None else near
    if box is None:
        return []
    x, y, w, h = box
    angle, sure = _orientation(turned[y:y + h, x:x + w])
    if abs(angle) > MAX_RESIDUAL_TURN and sure < RESIDUAL_COHERENCE:
        angle = 0.0   # not the bars' residual: the box's card edges and text pulled it
    matrix = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), angle, 1.0)
    turned = cv2.warpAffine(turned, matrix, (turned.shape[1], turned.shape[0]),
                            flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    if valid is not None:
        valid = cv2.warpAffine(valid, matrix, (valid.shape[1], valid.shape[0]),
                               flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT)
    box = _bar_box(turned, valid, near)
    if box is None:
        return []
    x, y, w, h = box
    left, right = max(0, x - 2 * WINDOW_PAD), min(turned.shape[1], x + w + 2 * WINDOW_PAD)
    rows = turned.astype(np.float64)
    ends = _bar_ends(turned, valid, box) if SHEARED_BANDS else None
    if ends is None:
        y, h = _bar_rows(turned, box)
        edges = np.linspace(y + BAND_SPAN[0] * h, y + BAND_SPAN[1] * h, count + 1)
        return [rows[int(a):max(int(a) + 1, int(b)), left:right].mean(axis=0)
                for a, b in zip(edges[:-1], edges[1:])]
    line, height = ends
    cols = np.arange(left, right)
    mid = np.polyval(line, cols) + 0.5
    shares = np.linspace(BAND_SPAN[0], BAND_SPAN[1], count + 1) - 0.5
    cum = np.vstack([np.zeros((1, len(cols))), np.cumsum(rows[:, left:right], axis=0)])
    out = []
    for s0, s1 in zip(shares[:-1], shares[1:]):
        a = np.clip((mid + s0 * height).astype(int), 0, rows.shape[0] - 1)
        b = np.clip(np.maximum((mid + s1 * height).astype(int), a + 1), 1, rows.shape[0])
        out.append((cum[b, np.arange(len(cols))] - cum[a, np.arange(len(cols))]) / (b - a))
    return out


def bar_orientation(gray: np.ndarray) -> tuple[float, float]:
    """(angle that turns the bars vertical, share of the gradient within 6 degrees of it): the
    peak of the magnitude-weighted gradient-direction histogram. Unlike the structure tensor's
    mean, a badge's long card edges at another angle do not pull it off the bars."""
    g = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), 1.0)
    gx, gy = cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1)
    mag = np.hypot(gx, gy).ravel()
    theta = np.degrees(np.arctan2(gy, gx)).ravel() % 180.0
    hist = np.bincount((theta // 2).astype(int) % 90, weights=mag, minlength=90)
    hist = np.convolve(np.concatenate([hist[-2:], hist, hist[:2]]), np.ones(3) / 3, "valid")[1:-1]
    peak = (int(np.argmax(hist)) + 0.5) * 2.0
    d = (theta - peak + 90.0) % 180.0 - 90.0
    near = np.abs(d) < 6.0
    total = float(mag.sum())
    if total <= 0 or not near.any():
        return 0.0, 0.0
    angle = peak + float((d[near] * mag[near]).sum() / mag[near].sum())
    if angle > 90.0:
        angle -= 180.0
    return angle, float(mag[near].sum()) / total


def along_coherence(turned: np.ndarray, valid: np.ndarray | None = None) -> float:
    """How much of the bar box's across-bar detail survives averaging along the bars (0..1):
    the variance of the column-mean profile's differences over the rows' mean variance of
    theirs. Bars are straight lines along the columns, so their detail survives; text and a
    card's edges do not line up that way. 0 when ``turned`` has no bar box."""
    box = _bar_box(turned, valid)
    if box is None:
        return 0.0
    x, y, w, h = box
    f = cv2.GaussianBlur(turned.astype(np.float32), (0, 0), 1.0)[y:y + h, x:x + w]
    rows = float(np.mean(np.var(np.diff(f, axis=1), axis=1)))
    return float(np.var(np.diff(f.mean(axis=0)))) / rows if rows > 0 else 0.0


def _upright_bars(gray: np.ndarray, rect: tuple[tuple[float, float], tuple[float, float], float]
                  ) -> tuple[list[tuple[np.ndarray, np.ndarray]], float]:
    """([(crop, its pixels inside the frame (``_inside``)), the other way], coherence), no
    crop when the region has no bars: ``upright`` with the bars vertical: the gradient-direction
    peak or the direction across it, whichever turns the region so that its bar box is wider
    than high when only one direction gives such a box, else so that averaging along its bars
    keeps more detail (``along_coherence``). A badge's bars are parallel or square to its
    card, and when the bars are small and blurred the card's edges and text lines outweigh
    them in the gradient histogram (measured, issue-hard seed 21: 5 of the 9 missed Code 128
    at 640x480 were turned with their bars horizontal; the across direction had the higher
    along-coherence on every badge region of the 13 shots). The box's shape decides first: on
    issue-hard-0079 of seed 21 (Code 39, 1280x720, 2.0 px) the region held the badge's name
    lines, and across the peak a 72 x 333 px strip of text and label edge beside the bars kept
    more detail along its columns (0.57) than the bars' 340 x 107 px box did (0.53)."""
    angle, coherence = 0.0, 0.0

    def peak(img: np.ndarray) -> tuple[float, float]:
        nonlocal angle, coherence
        angle, coherence = bar_orientation(img)
        return angle, coherence

    turned, _ = upright(gray, rect, peak)
    if coherence < MIN_COHERENCE or turned.size == 0:
        return [], coherence
    across = angle + 90.0 if angle <= 0.0 else angle - 90.0
    other, _ = upright(gray, rect, lambda img: (across, coherence))
    valid, valid_other = _inside(gray, rect, angle), _inside(gray, rect, across)
    if BOX_SHAPE:
        wide = [_wide_box(t, v) for t, v in ((turned, valid), (other, valid_other))]
        if wide[0] != wide[1]:
            first = [(turned, valid), (other, valid_other)]
            return (first if wide[0] else first[::-1]), coherence
    if along_coherence(other, valid_other) > along_coherence(turned, valid):
        return [(other, valid_other), (turned, valid)], coherence
    return [(turned, valid), (other, valid_other)], coherence


def _wide_box(turned: np.ndarray, valid: np.ndarray) -> bool:
    """Whether the bar box of a bars-vertical crop is wider (across the bars) than high: a
    bar code's bars are shorter than the code is long."""
    box = _bar_box(turned, valid)
    return box is not None and box[2] >= box[3]


def _inside(gray: np.ndarray, rect: tuple[tuple[float, float], tuple[float, float], float],
            angle: float) -> np.ndarray:
    """1 where ``upright``'s crop of ``rect`` turned by ``angle`` shows the frame, 0 where it
    shows the frame's replicated edge (and ``INSIDE_MARGIN`` px next to it): a code near the
    frame's edge has its bars' box found in those streaks, which look like vertical bars."""
    ones = np.full(gray.shape[:2], 255, np.uint8)
    mask, _ = upright(ones, rect, lambda img: (angle, 1.0), cv2.BORDER_CONSTANT)
    size = 2 * INSIDE_MARGIN + 1
    return cv2.erode((mask > 250).astype(np.uint8), np.ones((size, size), np.uint8))


def read_region(gray: np.ndarray, rect: tuple[tuple[float, float], tuple[float, float], float],
                formats: tuple) -> list[tuple[str, str, bytes]]:
    """Reads two row bands of the region (a ``cv2.minAreaRect``) agree on, [] otherwise; stops
    as soon as the bands left cannot make two votes (a region without a code costs the end
    pattern fits of two bands). When the first bar box reads nothing, more boxes (the other
    turn's largest blob, each turn's second: a striped shirt's blob can be the largest) whose
    middle band's end patterns fit. A Code 39 read also needs no band to read another Code 39
    text (its bands are all read): it has no check character, so a band that snaps to other
    valid characters says the fit is not sure."""
    turns, coherence = _upright_bars(gray, rect)
    if coherence < MIN_COHERENCE or not turns:
        return []
    (turned, valid), (other, valid_other) = turns
    reads, sure = _vote(bar_profiles(turned, valid=valid), formats)
    if reads or not sure or not MORE_BOXES:
        return reads
    others = _bar_boxes(other, valid_other)
    more = [(other, valid_other, box) for box in others[:1]]
    more += [(turned, valid, box) for box in _bar_boxes(turned, valid)[1:MORE_BOXES]]
    more += [(other, valid_other, box) for box in others[1:MORE_BOXES]]
    for crop, inside, box in more:
        if not _big(box):
            continue
        bands = bar_profiles(crop, valid=inside, box=box)
        if not bands or not _ends_fit(bands[len(bands) // 2], formats):
            continue
        reads, sure = _vote(bands, formats)
        if reads or not sure:
            return reads
    return []


def _vote(bands: list[np.ndarray], formats: tuple
          ) -> tuple[list[tuple[str, str, bytes]], bool]:
    """(the read two bands agree on or [], False when bands read two Code 39 texts)."""
    votes: dict[tuple[str, str, bytes], int] = {}
    for i, profile in enumerate(bands):
        for read in set(read_profile(profile, formats)):
            votes[read] = votes.get(read, 0) + 1
        if len([read for read in votes if read[0] == "Code39"]) > 1:
            return [], False
        agreed = [read for read, count in votes.items() if count >= VOTES]
        if agreed and (agreed[0][0] != "Code39" or i == len(bands) - 1):
            return agreed[:1], True
        if max(votes.values(), default=0) + len(bands) - 1 - i < VOTES:
            return [], True
    return [], True


def _ends_fit(profile: np.ndarray, formats: tuple) -> bool:
    """Whether some wanted symbology's start and stop patterns fit ``profile`` (either way
    round) within ``MAX_END_RESIDUAL``: the cheap first look at another blob."""
    y = float(profile.max()) - profile.astype(np.float64)
    ends = extent(y)
    if ends is None:
        return False
    lo = max(0, int(ends[0]) - WINDOW_PAD)
    y = y[lo:int(ends[1]) + WINDOW_PAD]
    left, right = ends[0] - lo, ends[1] - lo
    names = {getattr(f, "name", str(f)) for f in formats}
    for symbology in ("Code128", "Code39"):
        if symbology not in names:
            continue
        for ratio in (C39_RATIOS if symbology == "Code39" else ((1, 3),)):
            for flip in (False, True):
                yy = y[::-1] if flip else y
                e = (len(y) - right, len(y) - left) if flip else (left, right)
                if end_patterns(yy, e[0], e[1], symbology, ratio)[0] <= MAX_END_RESIDUAL:
                    return True
    return False
