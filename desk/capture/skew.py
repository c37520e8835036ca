"""Residual skew of an upright page: the CCW rotation (degrees, `deskew` sign) that makes text lines level.

Coarse: the `deskew` package's Hough estimate and our own projection-profile scan over ±45°.
Fine: a projection-profile search of the ink pixels around the best coarse angle, down to
0.005° steps with a parabolic peak fit. Solid areas (scanner borders, photos, seals) and long curves
(guilloche patterns) are dropped first so they cannot outweigh the text, rules and table lines
that carry the angle.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from desk.capture.image_scale import downscale
from desk.capture.ink import InkThreshold, ink_mask
from desk.capture.polarity import dark_on_light

# Long sides of the working copies. 2400 px puts an A4 page at about 8 px/mm (200 dpi): a text line
# 0.01° off level drifts by a pixel over the width. The coarse scan only tells lines from columns
# and finds the angle to half a degree; 900 px (3 px/mm) still shows every line.
_FINE_SIDE = 2400
_COARSE_SIDE = 900
_MAX_POINTS = 150_000  # a random sample this large fixes the angle to well under 0.01°
_COARSE_POINTS = 20_000  # the coarse scan's sample: enough for half-degree steps, 100 angles quickly
_MIN_INK_POINTS = 50  # fewer ink pixels on the fine copy: a blank page, no angle to find
_COARSE_STEP_DEG = 0.5  # the coarse grid; the fine search spans ±1.5 of its steps around the best
_FINE_SPAN_DEG, _FINE_STEP_DEG = 0.75, 0.05  # the first fine search around the coarse angle
_FINEST_SPAN_DEG, _FINEST_STEP_DEG = 0.06, 0.005  # the last one, around the first's best, then a parabola
# Ink for the angle: the block (31 px: 3.8 mm on an A4 page at the fine copy's 8 px/mm, about the
# height of body text) holds paper around every stroke; 15 grey levels keep clear print only, so
# paper grain and speckle add no random points that flatten the profile.
_INK = InkThreshold(block_px=31, offset=15)
# Solid areas: the opening's square side at the fine copy (scaled for a smaller one), odd and at
# least 5 px. 9 px of 2400 (about 1.1 mm of A4) is thicker than any stroke of body text.
_SOLID_PX, _MIN_SOLID_PX = 9, 5
_SPECKLE_PX = 2  # an opening this wide removes single-pixel noise the threshold let through
# A mark whose box is this many times longer than wide, and this long, is a line, not a letter:
# 40 px is 5 mm of an A4 page at the fine copy (a character is about 30 px there), 12 mm at the
# 1000-px copy orientation reads lines on.
_LINE_ELONGATION, _MIN_LINE_PX = 4, 40
# A straight rule, even printed slightly bowed or broken, fits in a turned box this thin: at least
# 6 px, or 3 % of its length; a guilloche wave or a signature does not.
_STRAIGHT_WIDTH_PX, _STRAIGHT_WIDTH = 6.0, 0.03
_SPECK, _LETTER = 0.004, 0.1  # of the page's long side: a mark's least size (its square's side) and greatest extent
_MIN_TURN_SHIFT_PX = 1.0  # a turn moving the page's corners less than this is not worth a resampling
_SOLID_MARGIN_PX = 2  # a mark this much thicker than the typical letter stroke is solid (a photo, a border)
# The Hough hint needs only a start within the fine search's ±0.75°: a 600-px copy and half-degree
# steps give that quickly. It rescues pages whose coarse profile peaks at a wrong angle (a gold card
# turned 90°, its lines few and short, levels at −9.25° without it).
_HOUGH_SIDE, _HOUGH_STEP_DEG = 600, 0.5


def estimate_skew(gray: np.ndarray, limit_deg: float = 45.0, *, hough_hint: bool = True) -> float:
    """The correction angle in degrees (positive: rotate counter-clockwise); 0.0 on a blank page.

    `hough_hint`: also refine from the `deskew` package's Hough estimate (off only to measure what it
    buys: `python -m desk bench capture` prints both).
    """
    gray = dark_on_light(gray)  # the light digits of a dark card are its ink
    fine = _ink_points(gray, _FINE_SIDE)
    if len(fine) < _MIN_INK_POINTS:
        return 0.0
    coarse = _sample(_ink_points(gray, _COARSE_SIDE), _COARSE_POINTS)
    grid = np.arange(-limit_deg, limit_deg + 0.01, _COARSE_STEP_DEG)  # + 0.01: the limit itself is on the grid
    if _lines_run_down(coarse, grid):  # a page lying sideways: level its columns, the angle is the same
        fine, coarse = _quarter_turned(fine), _quarter_turned(coarse)
    hough = _deskew_estimate(gray) if hough_hint else None
    return float(np.clip(_best(fine, coarse, grid, hough), -limit_deg, limit_deg))


def _lines_run_down(points: np.ndarray, grid: np.ndarray) -> bool:
    """Whether the text lines run closer to down the page than across it.

    Rows of a page lying on its side are letters from different lines, and at some wrong angle
    they can line up better than at the right one; its columns are the lines themselves.
    """
    across = max(_rise_and_fall(points, angle) for angle in grid)
    down = max(_rise_and_fall(_quarter_turned(points), angle) for angle in grid)
    return down > across


def _quarter_turned(points: np.ndarray) -> np.ndarray:
    """The points turned by 90°: columns become rows, and the levelling angle stays the same."""
    return np.column_stack([points[:, 1], -points[:, 0]])


def _best(fine: np.ndarray, coarse: np.ndarray, grid: np.ndarray, hough: float | None) -> float:
    """The sharpest refined angle from the coarse scan's and the Hough estimate's starting points."""
    best_angle, best_score = 0.0, -1.0
    for start in [_scan(coarse, grid, measure=_rise_and_fall)] + ([hough] if hough is not None else []):
        angle = _refine(fine, start)
        score = _rise_and_fall(fine, angle)
        if score > best_score:
            best_angle, best_score = angle, score
    return best_angle


def _refine(points: np.ndarray, start: float) -> float:
    """Projection-profile search around `start`: 0.05° steps, then 0.005° steps and a parabolic peak."""
    angle = _scan(points, _around(start, _FINE_SPAN_DEG, _FINE_STEP_DEG))
    return _scan(points, _around(angle, _FINEST_SPAN_DEG, _FINEST_STEP_DEG), parabolic=True)


def _around(centre: float, span: float, step: float) -> np.ndarray:
    """Angles from `centre` − `span` to `centre` + `span` in `step`s, both ends included."""
    return np.arange(centre - span, centre + span + step / 5, step)  # a fifth of a step past the end keeps it


def rotate(bgr: np.ndarray, angle_deg: float) -> np.ndarray:
    """`bgr` turned counter-clockwise by `angle_deg`, on a canvas large enough to keep every corner.

    Lanczos keeps the strokes of a sharp (bilevel) scan crisp; cubic blurred them enough to cost
    Tesseract characters on a page turned by a tenth of a degree. A turn that moves no pixel by a
    whole pixel (a page flattened by its corners is level already) is not made: resampling would
    only soften the print.
    """
    height, width = bgr.shape[:2]
    if abs(np.radians(angle_deg)) * np.hypot(width, height) / 2 < _MIN_TURN_SHIFT_PX:
        return bgr
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(round(height * sin + width * cos)), int(round(height * cos + width * sin))
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    paper = tuple(
        int(v) for v in np.median(bgr.reshape(-1, bgr.shape[-1]) if bgr.ndim == 3 else bgr.ravel(), axis=0).ravel()
    )
    return cv2.warpAffine(
        bgr,
        matrix,
        (new_width, new_height),
        flags=cv2.INTER_LANCZOS4,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=paper if bgr.ndim == 3 else paper[0],
    )


def _ink_points(gray: np.ndarray, side: int) -> np.ndarray:
    """Coordinates of thin dark ink (strokes, rules) in a copy whose long side is `side`.

    Solid dark areas (a scanner's black bed, photos, seals) are removed with an opening, so their
    outlines cannot outvote the text; table rules and characters are thinner and stay.
    """
    small, _ = downscale(gray, side)
    ink = ink_mask(small, _INK)
    solid_size = max(_MIN_SOLID_PX, int(round(_SOLID_PX * max(small.shape) / _FINE_SIDE)) | 1)
    stroke = _stroke_width(ink)
    if stroke >= solid_size + _SOLID_MARGIN_PX:  # large print (a card's digits) would go as solid: keep its strokes
        solid_size = int(stroke + _SOLID_MARGIN_PX) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (solid_size, solid_size))
    solid = cv2.dilate(cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel), kernel)
    thin = cv2.subtract(ink, solid)
    thin = cv2.morphologyEx(thin, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (_SPECKLE_PX,) * 2))
    thin = without_wavy_lines(thin)
    ys, xs = np.nonzero(thin)
    points = _sample(np.column_stack([xs, ys]).astype(np.float64), _MAX_POINTS)
    if not len(points):
        return points
    # Pixel centres lie on a lattice, and a dense patch of them projected at 45° piles into every
    # other row: a false peak of sharpness. Spreading each point over its pixel removes it.
    points += np.random.default_rng(1).uniform(-0.5, 0.5, points.shape)
    return points - points.mean(axis=0)


def _stroke_width(ink: np.ndarray) -> float:
    """The typical stroke width of the letters in `ink`: twice the median of each letter's greatest inner distance.

    Letters are marks larger than a speck and smaller than a tenth of the page each way; a card's
    digits are a twentieth of its height, and their strokes as thick as a solid area on a page.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    side = max(ink.shape)
    letters = np.zeros(count, bool)
    letters[1:] = (stats[1:, cv2.CC_STAT_AREA] >= (_SPECK * side) ** 2) & (
        np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]) <= _LETTER * side
    )
    if not letters.any():
        return 0.0
    inside = letters[labels]
    marks, depth = labels[inside], cv2.distanceTransform(ink, cv2.DIST_L2, 3)[inside]
    order = np.argsort(marks, kind="stable")
    marks, depth = marks[order], depth[order]
    starts = np.flatnonzero(np.r_[True, marks[1:] != marks[:-1]])
    return 2.0 * float(np.median(np.maximum.reduceat(depth, starts)))


def _sample(points: np.ndarray, limit: int) -> np.ndarray:
    """At most `limit` of `points`, drawn evenly from the whole page (the same draw every time)."""
    if len(points) <= limit:
        return points
    return points[np.random.default_rng(0).choice(len(points), limit, replace=False)]


def without_wavy_lines(ink: np.ndarray) -> np.ndarray:
    """`ink` without long curved lines (guilloche security patterns, signatures, wavy borders).

    Straight rules carry the angle and stay; a long line that does not fit in a thin rotated box is
    a curve whose many pixels would only flatten the profile.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    widths, heights = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    long_sides = np.maximum(widths, heights)
    elongated = np.flatnonzero(
        (long_sides >= _LINE_ELONGATION * np.minimum(widths, heights)) & (long_sides >= _MIN_LINE_PX)
    )
    wavy = np.zeros(count, bool)
    for label in elongated[elongated > 0]:
        x, y, w, h = stats[label, :4]
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == label)
        (_, _), (side_a, side_b), _ = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
        wavy[label] = min(side_a, side_b) > max(_STRAIGHT_WIDTH_PX, _STRAIGHT_WIDTH * max(side_a, side_b))
    if not wavy.any():
        return ink
    return np.where(wavy[labels], 0, ink).astype(np.uint8)


def _row_histogram(points: np.ndarray, angle_deg: float) -> np.ndarray:
    radians = np.radians(angle_deg)
    rows = -points[:, 0] * np.sin(radians) + points[:, 1] * np.cos(radians)
    return np.bincount((rows - rows.min()).astype(np.int64)).astype(np.float64)


def _sharpness(points: np.ndarray, angle_deg: float) -> float:
    """Sum of squares of the row histogram after turning the points by `angle_deg`: peaks when lines are level.

    Precise near the answer, but biased across wide ranges: it also grows as the page's outline
    projects onto fewer rows. The fine search, a degree wide, does not notice.
    """
    histogram = _row_histogram(points, angle_deg)
    return float(np.dot(histogram, histogram)) / len(points)


def _rise_and_fall(points: np.ndarray, angle_deg: float) -> float:
    """Squared differences of neighbouring rows (Postl's measure): for comparing angles far apart.

    It ignores the outline's smooth envelope, so a tall page whose lines carry little ink is not
    pulled towards 45° as the sum of squares would pull it.
    """
    steps = np.diff(_row_histogram(points, angle_deg))
    return float(np.dot(steps, steps)) / len(points)


def _scan(
    points: np.ndarray,
    angles: np.ndarray,
    parabolic: bool = False,
    measure: Callable[[np.ndarray, float], float] | None = None,
) -> float:
    scores = np.array([(measure or _sharpness)(points, a) for a in angles])
    best = int(scores.argmax())
    if parabolic and 0 < best < len(angles) - 1:
        left, mid, right = scores[best - 1 : best + 2]
        curvature = left - 2 * mid + right
        if curvature < 0:
            offset = 0.5 * (left - right) / curvature
            return float(angles[best] + offset * (angles[1] - angles[0]))
    return float(angles[best])


def _deskew_estimate(gray: np.ndarray) -> float | None:
    from deskew import determine_skew

    small, _ = downscale(gray, _HOUGH_SIDE)
    try:
        angle = determine_skew(small, min_deviation=_HOUGH_STEP_DEG)
    except (ValueError, IndexError):
        return None
    return None if angle is None else float(angle)
