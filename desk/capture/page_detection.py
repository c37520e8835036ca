"""Find the paper's outline in a camera frame: four corners, or an honest "not found".

Candidates come from several views of the frame (paper-like brightness/colour, closed edges, and
both cut along faint edges); each becomes a quadrilateral whose sides are then re-fitted on the
full-resolution gradient, so a hand over one corner or a shadow over one side does not pull the
corners. A blob that runs to the frame edge is checked for a second sheet merged into it. A
candidate is credible only when the paper inside differs from what lies just outside it on at
least three sides; a table frame printed on a scanned page therefore never passes for the page.
White paper on a light desk seldom makes a blob at all: outlines laid along straight brightness
steps (page_lines.py) compete with the traced ones, and a laid outline that extends the best one
by moving one side outwards wins, since whatever lies inside a page is print. Things on the desk
that are not lighter than it (a dark bank card) come from desk_objects.py and compete on score;
only where the frame's rim is not paper, since on a scan every dark box is print.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from desk.capture import desk_objects
from desk.capture.image_scale import downscale
from desk.capture.page_lines import straight_edge_quads
from desk.capture.quads import (
    COVER_POWER,
    SIDE_SHARES,
    Scored,
    angles_plausible,
    fill,
    fit_line,
    intersect_all,
    inward_normal,
    line_through,
    order_corners,
    perspective_sides,
    quads_from_mask,
    sample,
    signed_distance,
)

__all__ = [
    "PageOutline",
    "border_is_paper",
    "detect_page",
    "frame_corners",
    "order_corners",
    "perspective_sides",
    "refine_corners",
]

_WORK_SIDE = 900  # long side of the working copy; corners are refined at full resolution
_MIN_AREA = 0.04  # of the frame: smaller outlines are clutter
_MAX_AREA = 0.985  # larger is the frame itself (a flatbed scan)
_MIN_CONTRAST = 6.0  # grey levels between the paper rim and the desk just outside it
_MIN_CONTRAST_ALONG_EDGES = 4.0  # the same for outlines laid along straight steps (their sides are proven edges)
_MIN_RIM_SLOPE = 8.0  # Sobel units: the faint rim of a page lying on another sheet
_RIM_WIDE, _RIM_NARROW = 0.012, 0.004  # of width + height: where paper and desk are compared
_INNER_SCORE_SHARE = 0.2  # a larger outline around the best one wins if it scores at least this share
_PAPER_BEYOND_SHARE = 0.75  # past a laid side, this much paper-light surface means the page goes on
_MIN_SIDE_PX = 150  # in the full frame: a smaller "page" is a word or a logo, not paper

# Outlines in the working copy (pixels of the 900-px copy, where sizes are not shares).
_FRAME_EDGE_SHARE = 0.015  # of the longer side: a laid side this close to the frame's edge lies on it
_FRAME_EDGE_PX = 3.0  # a traced side this close to the frame's edge lies on it (its blob was cut by the frame)
_OUTSIDE_SHARE = 0.03  # of width + height: a corner farther outside the frame is a wild guess, not paper cut off
_CUT_OFF_SHARE = 0.004  # of width + height: a side this close to the frame's edge may have lost part of the page
_MIN_BAND_PX = 3.0  # paper and desk are compared at least this far from a side: past the blur of its rim
_MIN_VISIBLE = 0.5  # share of a side whose outside is in the frame for its contrast to count
_MIN_STANDING_OUT = 3  # sides that stand out from the desk: one may lie on the frame's edge or under a hand
_LIGHTER_DESK = -3.0  # grey levels: a desk lighter than the paper by more is a page under a dark patch of print
_WEAK_SIDE = 3  # × the least contrast: a weaker side lowers the score in proportion
_CONTRAST_CAP = 60.0  # grey levels: a stronger step is no likelier to be paper on a desk
# Past a laid side (shares of the tighter side, at least so many pixels): beyond the rim's own blur,
# within reach of the desk (a page nearly filling the frame leaves little of it).
_BEYOND_NEAR, _BEYOND_NEAR_PX = 0.01, 3.0
_BEYOND_FAR, _BEYOND_FAR_PX = 0.05, 8.0
_BEYOND_STEPS = 8  # distances sampled between those two
_PAPER_TOLERANCE = 2.0  # grey levels below the paper's median that still count as the same paper
# An outline that extends another: three sides on the same lines and a clearly larger area.
_SAME_LINE_SHARE = 0.025  # of the outline's diagonal: a side this close to a line lies on it
_MIN_GROWTH = 1.05  # area ratio: less is the same outline found twice

# Masks of the working copy in which the paper is one blob.
_SMOOTH_KERNEL = (5, 5)  # px: evens out paper grain and JPEG blocks before thresholding
_CHROMA_WEIGHT = 2.0  # a grey level of colour counts twice against paperness: paper is light and grey
_BLOB_KERNEL = (9, 9)  # px (1% of the copy's long side): closes the gaps text leaves in a page's blob
_EDGE_KERNEL = (3, 3)  # px: joins an edge broken by one missing pixel into a closed outline
# Canny's thresholds as shares of the median grey level (at least these many grey levels): a dim
# frame's edges are weaker in proportion.
_CANNY_LOW, _CANNY_LOW_MIN = 0.2, 5
_CANNY_HIGH, _CANNY_HIGH_MIN = 0.5, 15
_FAINT_CANNY = (6, 18)  # grey-level steps: a sheet's rim against a white neighbour and its soft shadow
_MASK_ON = 127  # the masks hold 0 or 255: above the middle is set

# Refining the sides on the full-resolution frame.
_DIAGONAL_PER_SIGMA = 1500  # the smoothing sigma is the diagonal ÷ this (at least 1 px): JPEG and sensor noise
_REFINE_REACHES = (0.012, 0.004)  # of the diagonal: a wide search, then a narrow one around its result
_MIN_REACH_PX = 3.0  # a side is always searched this far either way
_MIN_EDGE_POINTS = 12  # of the 60 places along a side: fewer is too little of an edge to fit a line
_MAX_DRIFT = 2.5  # reaches (+ _MAX_DRIFT_PX): a refined corner moved farther jumped to another edge
_MAX_DRIFT_PX = 4
_EDGE_PLACES = (0.06, 0.94, 60)  # along a side: from, to (shares of its length), places
_PROFILE_STEP_PX = 0.5  # spacing of the grey-level samples across a side: the rim to a quarter pixel
_MIN_EDGE_SLOPE = 2.0  # grey levels per step: less is no edge
_EDGE_SLOPE_SHARE = 0.3  # of the median slope at the side's places: a weaker place is off the rim (a hand)
_FIT_ROUNDS = 2  # refits without the far points: the second one settles
_INLIER_SPREAD = 2.5  # × the median distance from the line (at least _MIN_INLIER_PX): farther is off the rim
_MIN_INLIER_PX = 1.5
_MIN_INLIERS = 8  # fewer points left: keep the line fitted before

# A neighbour sheet merged into the page's blob (working copy).
_SLOPE_SIGMA = 1.2  # px: smoothing before the Sobel slopes, so JPEG noise does not make edges
_CUT_RANGE = (0.03, 0.6, 58)  # where the page's own edge is looked for: shares of the blob's depth, places
_CUT_TILT = (-0.06, 0.06, 7)  # the cut line's tilt (share of the depth from one end to the other), steps
_CUT_STANDS_OUT = 6  # × the median slope of all lines scanned: the page's rim, not a fold or print

# The frame's outer ring: a desk shows there unless the paper fills the frame (a scan).
_BORDER_RING = 0.03  # of the tighter side: past a scanner's dark edge, inside any page laid on a desk
_MIN_RING_PX = 2
# Grey levels: the ring is paper when half of it is at least this light and three quarters at least
# that; a light desk may reach the median, but its grain and shadows pull its lower quartile down.
_PAPER_MEDIAN, _PAPER_QUARTILE = 150, 120


@dataclass
class PageOutline:
    """The paper's corners (TL, TR, BR, BL in frame geometry, float pixels) or the frame's own corners."""

    corners: np.ndarray  # shape (4, 2)
    found: bool
    score: float = 0.0
    touches_border: bool = False  # a side of the paper lies on the frame edge: part of it may be cut off


def frame_corners(width: int, height: int) -> np.ndarray:
    """The corners of a whole frame, TL, TR, BR, BL."""
    return np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float64)


def detect_page(bgr: np.ndarray) -> PageOutline:
    """The paper in `bgr`, or the whole frame with found=False when no outline is credible."""
    height, width = bgr.shape[:2]
    small, scale = downscale(bgr, _WORK_SIDE)
    small_gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    traced, laid = _traced_outlines(small, small_gray), _laid_outlines(small_gray)
    objects = [] if border_is_paper(small) else desk_objects.objects_on_desk(small, traced + laid)
    best = max(traced + laid + objects, key=lambda c: c[0], default=None)
    if best is not None:  # a larger outline may extend the best: objects only by objects (a card by its design)
        best = _outermost(objects if any(best is c for c in objects) else laid + objects, best)
    if best is None or min(perspective_sides(best[1] / scale)) < _MIN_SIDE_PX:
        return PageOutline(frame_corners(width, height), found=False)
    rough = best[1] / scale
    on_desk = any(best is candidate for candidate in objects)
    gray = desk_objects.object_contrast(bgr, small, best[1]) if on_desk else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    corners = refine_corners(gray, rough)
    cut_off = _touches_border(rough, width, height) or _touches_border(corners, width, height)
    return PageOutline(corners=corners, found=True, score=best[0], touches_border=cut_off)


def _traced_outlines(small: np.ndarray, small_gray: np.ndarray) -> list[Scored]:
    """Credible outlines traced around blobs of paper-like pixels, with their scores."""
    found = []
    slopes = _normal_slopes(small_gray)
    for mask in _candidate_masks(small):
        for quad in quads_from_mask(mask, _MIN_AREA, _MAX_AREA):
            quad = _split_off_neighbour(slopes, quad)
            found.append((_credibility(small_gray, quad) * fill(mask, quad) ** COVER_POWER, quad))
    return [(score, quad) for score, quad in found if score > 0]


def _laid_outlines(small_gray: np.ndarray) -> list[Scored]:
    """Credible outlines laid along straight brightness steps (paper barely lighter than the desk)."""
    found = []
    height, width = small_gray.shape
    margin = _FRAME_EDGE_SHARE * max(width, height)
    for quad, support in straight_edge_quads(small_gray):
        quad = order_corners(quad)
        if any(_on_frame_edge(quad[i], quad[(i + 1) % 4], width, height, margin) for i in range(4)):
            continue  # a side along the frame edge is the picture's own border, not the paper's rim
        if _paper_beyond_a_side(small_gray, quad):
            continue  # the edge of a text column or a shaded box: the page goes on past it
        credibility = _credibility(small_gray, quad, rim=_RIM_NARROW, min_contrast=_MIN_CONTRAST_ALONG_EDGES)
        found.append((credibility * support**COVER_POWER, quad))
    return [(score, quad) for score, quad in found if score > 0]


def _paper_beyond_a_side(gray: np.ndarray, quad: np.ndarray) -> bool:
    """Whether, just past some side, nearly all the surface is as light as the paper inside that side.

    Past a real rim lies the desk, darker than the paper at the same spot. Past the edge of a text
    column there is blank paper between the characters: the side is inside the page.
    """
    height, width = gray.shape
    near = max(_BEYOND_NEAR_PX, _BEYOND_NEAR * min(width, height))
    far = max(_BEYOND_FAR_PX, _BEYOND_FAR * min(width, height))
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        outward = -inward_normal(quad, i)
        along = a + SIDE_SHARES[:, None] * (b - a)
        inside = sample(gray, along - near * outward)
        beyond = np.concatenate(
            [
                sample(gray, along + d * outward)
                for d in np.linspace(near, far, _BEYOND_STEPS)
                if _all_inside(along + d * outward, width, height)
            ]
            or [np.zeros(0)]
        )
        paper = float(np.median(inside)) - _PAPER_TOLERANCE
        if len(beyond) and float(np.mean(beyond >= paper)) > _PAPER_BEYOND_SHARE:
            return True
    return False


def _all_inside(points: np.ndarray, width: int, height: int) -> bool:
    return bool(((points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)).all())


def _outermost(laid: list[Scored], best: Scored) -> Scored:
    """The best outline, or a credible larger one laid along straight edges that extends it.

    A photo or a dark box printed near a card's edge makes a quadrilateral of three of the card's
    sides and the box's edge, which can look sharper than the card itself: what lies inside a page
    is print. Only outlines laid along straight edges may extend: a traced blob that grows past
    a side has usually swallowed a neighbouring sheet.
    """
    floor = _INNER_SCORE_SHARE * best[0]
    by_area = sorted(laid, key=lambda c: -cv2.contourArea(c[1].astype(np.float32)))
    while True:  # step outwards while some larger credible outline extends the current one
        outer = next((c for c in by_area if c[0] >= floor and _contains(c[1], best[1])), None)
        if outer is None:
            return best
        best = outer


def _contains(outer: np.ndarray, inner: np.ndarray) -> bool:
    """Whether `outer` is `inner` with one side moved outwards: three sides on the same lines, larger."""
    tolerance = _SAME_LINE_SHARE * float(np.linalg.norm(outer[0] - outer[2]))
    shared = sum(
        any(
            np.abs(signed_distance(inner[[i, (i + 1) % 4]], line_through(outer[j], outer[(j + 1) % 4]))).max()
            <= tolerance
            for j in range(4)
        )
        for i in range(4)
    )
    grows = cv2.contourArea(outer.astype(np.float32)) > _MIN_GROWTH * cv2.contourArea(inner.astype(np.float32))
    return shared >= 3 and grows


def _candidate_masks(small: np.ndarray) -> list[np.ndarray]:
    """Binary masks in which the paper should be one big blob."""
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB)
    lightness = cv2.GaussianBlur(lab[:, :, 0], _SMOOTH_KERNEL, 0)
    chroma = np.hypot(lab[:, :, 1].astype(np.float32) - 128, lab[:, :, 2].astype(np.float32) - 128)  # Lab's grey
    paperness = np.clip(lightness.astype(np.float32) - _CHROMA_WEIGHT * chroma, 0, 255).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, _BLOB_KERNEL)
    joint = cv2.getStructuringElement(cv2.MORPH_RECT, _EDGE_KERNEL)
    masks = []
    for channel in (paperness, lightness):
        _, mask = cv2.threshold(channel, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        masks.append(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel))
    # Low contrast (white paper on a light desk): the outline survives only as an edge.
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), _SMOOTH_KERNEL, 0)
    median = float(np.median(gray))
    edges = cv2.Canny(
        gray, max(_CANNY_LOW_MIN, int(_CANNY_LOW * median)), max(_CANNY_HIGH_MIN, int(_CANNY_HIGH * median))
    )
    edges = cv2.dilate(edges, joint)
    filled = np.zeros_like(edges)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    masks.append(cv2.morphologyEx(filled, cv2.MORPH_OPEN, kernel))
    # Paper overlapping a neighbour sheet: cut the blob along even faint edges (the sheet's rim and
    # its soft shadow), without closing, so the cut stays open.
    faint = cv2.dilate(cv2.Canny(gray, *_FAINT_CANNY), joint)
    for mask in masks[:2]:
        _, raw = cv2.threshold(mask, _MASK_ON, 255, cv2.THRESH_BINARY)
        cut = cv2.bitwise_and(raw, cv2.bitwise_not(faint))
        masks.append(cv2.morphologyEx(cut, cv2.MORPH_OPEN, joint))
    return masks


def refine_corners(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Move each side onto the strongest nearby edge of the full-resolution image, robustly."""
    diagonal = float(np.linalg.norm(quad[0] - quad[2]))
    smooth = cv2.GaussianBlur(gray, (0, 0), max(1.0, diagonal / _DIAGONAL_PER_SIGMA)).astype(np.float32)
    for reach in (share * diagonal for share in _REFINE_REACHES):
        lines = []
        for i in range(4):
            points = _edge_points(smooth, quad[i], quad[(i + 1) % 4], max(reach, _MIN_REACH_PX))
            enough = len(points) >= _MIN_EDGE_POINTS
            lines.append(_robust_line(points) if enough else line_through(quad[i], quad[(i + 1) % 4]))
        refined = intersect_all(lines)
        if refined is None or np.abs(refined - quad).max() > _MAX_DRIFT * reach + _MAX_DRIFT_PX:
            break
        quad = refined
    return quad


def _edge_points(smooth: np.ndarray, a: np.ndarray, b: np.ndarray, reach: float) -> np.ndarray:
    """Where the grey level changes most along the normal of side a→b, at `_EDGE_PLACES` places on it."""
    direction = (b - a) / max(np.linalg.norm(b - a), 1e-6)
    normal = np.array([-direction[1], direction[0]])
    ts = np.linspace(*_EDGE_PLACES)
    offsets = np.arange(-reach, reach + _PROFILE_STEP_PX, _PROFILE_STEP_PX)
    base = a[None, :] + ts[:, None] * (b - a)[None, :]
    xs = (base[:, None, 0] + offsets[None, :] * normal[0]).astype(np.float32)
    ys = (base[:, None, 1] + offsets[None, :] * normal[1]).astype(np.float32)
    profiles = cv2.remap(smooth, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    slopes = np.abs(np.diff(profiles, axis=1))
    peak = slopes.argmax(axis=1)
    strength = slopes[np.arange(len(ts)), peak]
    keep = strength >= max(_MIN_EDGE_SLOPE, _EDGE_SLOPE_SHARE * float(np.median(strength)))
    position = offsets[:-1][peak] + _PROFILE_STEP_PX / 2  # a difference lies between its two samples
    points = base + position[:, None] * normal[None, :]
    return points[keep]


def _robust_line(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A line through most of `points`, ignoring a hand or a shadow that bends part of the side."""
    line = fit_line(points)
    for _ in range(_FIT_ROUNDS):
        distance = np.abs(signed_distance(points, line))
        limit = max(_MIN_INLIER_PX, _INLIER_SPREAD * float(np.median(distance)))
        inliers = points[distance <= limit]
        if len(inliers) < _MIN_INLIERS:
            break
        line = fit_line(inliers)
    return line


def _normal_slopes(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    smooth = cv2.GaussianBlur(gray, (0, 0), _SLOPE_SIGMA).astype(np.float32)
    return cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)


def _edge_strengths(slopes: tuple[np.ndarray, np.ndarray], segments: np.ndarray) -> np.ndarray:
    """Median grey-level slope across each segment a→b (N×2×2): how sharply it separates two surfaces."""
    gx, gy = slopes
    a, b = segments[:, 0], segments[:, 1]
    direction = (b - a) / np.maximum(np.linalg.norm(b - a, axis=1, keepdims=True), 1e-6)
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    points = a[:, None, :] + SIDE_SHARES[None, :, None] * (b - a)[:, None, :]
    xs = np.clip(points[..., 0].round().astype(int), 0, gx.shape[1] - 1)
    ys = np.clip(points[..., 1].round().astype(int), 0, gx.shape[0] - 1)
    across = gx[ys, xs] * normal[:, None, 0] + gy[ys, xs] * normal[:, None, 1]
    return np.median(np.abs(across), axis=1)


def _split_off_neighbour(slopes: tuple[np.ndarray, np.ndarray], quad: np.ndarray) -> np.ndarray:
    """Cut a neighbour sheet off a blob whose side lies on the frame edge.

    A second sheet partly in view merges with the page into one blob that runs to the frame
    edge. The page's own edge then shows as a straight line inside the blob, roughly parallel
    to the opposite side; when one stands out from every other line scanned there, it becomes the side.
    """
    height, width = slopes[0].shape
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        if not _on_frame_edge(a, b, width, height):
            continue
        prev_side, next_side = (quad[i - 1], a), (b, quad[(i + 2) % 4])
        lines = []
        for fraction in np.linspace(*_CUT_RANGE):
            for tilt in np.linspace(*_CUT_TILT):
                start = a + fraction * (quad[i - 1] - a)
                end = b + (fraction + tilt) * (quad[(i + 2) % 4] - b)
                cut_a = _intersect_segments(prev_side, (start, end))
                cut_b = _intersect_segments(next_side, (start, end))
                if cut_a is not None and cut_b is not None:
                    lines.append((cut_a, cut_b))
        if not lines:
            continue
        strengths = _edge_strengths(slopes, np.array(lines))
        # the page's rim is faint against a white neighbour, but it stands out from every other line
        peak = int(np.argmax(strengths))
        if strengths[peak] >= max(_MIN_RIM_SLOPE, _CUT_STANDS_OUT * float(np.median(strengths))):
            quad = quad.copy()
            quad[i], quad[(i + 1) % 4] = lines[peak]
            return quad
    return quad


def _on_frame_edge(a: np.ndarray, b: np.ndarray, width: int, height: int, margin: float = _FRAME_EDGE_PX) -> bool:
    return any(
        abs(a[axis] - limit) <= margin and abs(b[axis] - limit) <= margin
        for axis, limit in ((0, 0.0), (0, width - 1.0), (1, 0.0), (1, height - 1.0))
    )


def _intersect_segments(
    first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]
) -> np.ndarray | None:
    """Where the line through `second` crosses the line through `first` (None when parallel)."""
    (p, p2), (q, q2) = first, second
    r, s = p2 - p, q2 - q
    denominator = r[0] * s[1] - r[1] * s[0]
    if abs(denominator) < 1e-9:
        return None
    t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / denominator
    return p + t * r


def _credibility(
    gray: np.ndarray, quad: np.ndarray, rim: float = _RIM_WIDE, min_contrast: float = _MIN_CONTRAST
) -> float:
    """How much this quadrilateral looks like a sheet of paper; 0 when it does not.

    `rim` is how far from each side (share of width + height) paper and desk are compared: wide for
    outlines traced from blobs, narrow for outlines laid along straight edges, which are exact.
    """
    height, width = gray.shape
    area = cv2.contourArea(quad.astype(np.float32))
    if not _MIN_AREA * width * height <= area <= _MAX_AREA * width * height:
        return 0.0
    if not cv2.isContourConvex(quad.astype(np.float32)) or not angles_plausible(quad):
        return 0.0
    margin = _OUTSIDE_SHARE * (width + height)
    if (quad < -margin).any() or (quad[:, 0] > width - 1 + margin).any() or (quad[:, 1] > height - 1 + margin).any():
        return 0.0
    contrasts = _side_contrasts(gray, quad, rim)
    if len(contrasts) < _MIN_STANDING_OUT or min(contrasts) < _LIGHTER_DESK:
        return 0.0  # paper is lighter than the desk under it: a dark patch on a light page is print
    contrasts = [abs(c) for c in contrasts]
    contrasts.sort()
    if contrasts[-_MIN_STANDING_OUT] < min_contrast:
        return 0.0
    weakest = min(1.0, contrasts[0] / (_WEAK_SIDE * min_contrast))  # a side that hardly stands out is suspect
    return float(np.sqrt(area / (width * height)) * min(np.mean(contrasts), _CONTRAST_CAP) * weakest)


def _side_contrasts(gray: np.ndarray, quad: np.ndarray, rim: float = _RIM_WIDE) -> list[float]:
    """Per side lying inside the frame: paper rim − just outside, in grey levels (median over the side)."""
    height, width = gray.shape
    band = max(_MIN_BAND_PX, rim * (width + height))
    contrasts = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        points = a[None, :] + SIDE_SHARES[:, None] * (b - a)[None, :]
        normal = inward_normal(quad, i)
        inside = points + band * normal
        outside = points - band * normal
        visible = (outside[:, 0] >= 0) & (outside[:, 0] < width) & (outside[:, 1] >= 0) & (outside[:, 1] < height)
        if visible.mean() < _MIN_VISIBLE:
            continue
        values_in = sample(gray, inside[visible])
        values_out = sample(gray, outside[visible])
        contrasts.append(float(np.median(values_in)) - float(np.median(values_out)))
    return contrasts


def _touches_border(corners: np.ndarray, width: int, height: int) -> bool:
    margin = _CUT_OFF_SHARE * (width + height)
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        for axis, limit in ((0, 0.0), (0, width - 1.0), (1, 0.0), (1, height - 1.0)):
            if abs(a[axis] - limit) <= margin and abs(b[axis] - limit) <= margin:
                return True
    return bool(
        (corners[:, 0] < -margin).any()
        or (corners[:, 0] > width - 1 + margin).any()
        or (corners[:, 1] < -margin).any()
        or (corners[:, 1] > height - 1 + margin).any()
    )


def border_is_paper(bgr: np.ndarray) -> bool:
    """True when the frame's outer ring is plain light paper (a scan or a page filling the frame), not a desk."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    height, width = gray.shape
    ring = max(_MIN_RING_PX, int(_BORDER_RING * min(height, width)))
    border = np.concatenate(
        [gray[:ring].ravel(), gray[-ring:].ravel(), gray[:, :ring].ravel(), gray[:, -ring:].ravel()]
    )
    return float(np.median(border)) >= _PAPER_MEDIAN and float(np.percentile(border, 25)) >= _PAPER_QUARTILE
