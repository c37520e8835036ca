"""Find the paper's outline in a camera frame: four corners, or an honest "not found".

Candidates come from several views of the frame (paper-like brightness/colour, closed edges, and
both cut along faint edges); each becomes a quadrilateral whose sides are then re-fitted on the
full-resolution gradient, so a hand over one corner or a shadow over one side does not pull the
corners. A blob that runs to the frame edge is checked for a second sheet merged into it. A
candidate is credible only when the paper inside differs from what lies just outside it on at
least three sides; a table frame printed on a scanned page therefore never passes for the page.
White paper on a light desk seldom makes a blob at all: outlines laid along straight brightness
steps (page_lines.py) compete with the traced ones, and a laid outline that extends the best one
by moving one side outwards wins, since whatever lies inside a page is print.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from desk.capture.page_lines import straight_edge_quads
from desk.capture.perspective import PAPER_SIZES_MM, measured_size

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
    scale = min(1.0, _WORK_SIDE / max(height, width))
    small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else bgr
    small_gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    traced, laid = _traced_outlines(small, small_gray), _laid_outlines(small_gray)
    objects = _desk_objects(small, traced + laid)
    best = max(traced + laid + objects, key=lambda c: c[0], default=None)
    if best is not None:  # a larger outline may extend the best: objects only by objects (a card by its design)
        best = _outermost(objects if any(best is c for c in objects) else laid + objects, best)
    if best is None or min(perspective_sides(best[1] / scale)) < _MIN_SIDE_PX:
        return PageOutline(frame_corners(width, height), found=False)
    rough = best[1] / scale
    on_desk = any(best is candidate for candidate in objects)
    gray = _object_contrast(bgr, small, best[1]) if on_desk else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    corners = refine_corners(gray, rough)
    cut_off = _touches_border(rough, width, height) or _touches_border(corners, width, height)
    return PageOutline(corners=corners, found=True, score=best[0], touches_border=cut_off)


Scored = tuple[float, np.ndarray]  # credibility score, quadrilateral (TL, TR, BR, BL)


def _traced_outlines(small: np.ndarray, small_gray: np.ndarray) -> list[Scored]:
    """Credible outlines traced around blobs of paper-like pixels, with their scores."""
    found = []
    slopes = _normal_slopes(small_gray)
    for mask in _candidate_masks(small):
        for quad in _quads_from_mask(mask):
            quad = _split_off_neighbour(slopes, quad)
            found.append((_credibility(small_gray, quad) * _fill(mask, quad) ** 4, quad))
    return [(score, quad) for score, quad in found if score > 0]


def _laid_outlines(small_gray: np.ndarray) -> list[Scored]:
    """Credible outlines laid along straight brightness steps (paper barely lighter than the desk)."""
    found = []
    height, width = small_gray.shape
    margin = 0.015 * max(width, height)
    for quad, support in straight_edge_quads(small_gray):
        quad = order_corners(quad)
        if any(_on_frame_edge(quad[i], quad[(i + 1) % 4], width, height, margin) for i in range(4)):
            continue  # a side along the frame edge is the picture's own border, not the paper's rim
        if _paper_beyond_a_side(small_gray, quad):
            continue  # the edge of a text column or a shaded box: the page goes on past it
        credibility = _credibility(small_gray, quad, rim=_RIM_NARROW, min_contrast=_MIN_CONTRAST_ALONG_EDGES)
        found.append((credibility * support ** 4, quad))
    return [(score, quad) for score, quad in found if score > 0]


def _paper_beyond_a_side(gray: np.ndarray, quad: np.ndarray) -> bool:
    """Whether, just past some side, nearly all the surface is as light as the paper inside that side.

    Past a real rim lies the desk, darker than the paper at the same spot. Past the edge of a text
    column there is blank paper between the characters: the side is inside the page.
    """
    height, width = gray.shape
    near, far = max(3.0, 0.01 * min(width, height)), max(8.0, 0.05 * min(width, height))
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        outward = -_inward_normal(quad, i)
        along = a + np.linspace(0.1, 0.9, 40)[:, None] * (b - a)
        inside = _sample(gray, along - near * outward)
        beyond = np.concatenate([_sample(gray, along + d * outward) for d in np.linspace(near, far, 8)
                                 if _all_inside(along + d * outward, width, height)] or [np.zeros(0)])
        if len(beyond) and float(np.mean(beyond >= float(np.median(inside)) - 2.0)) > _PAPER_BEYOND_SHARE:
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
    tolerance = 0.025 * float(np.linalg.norm(outer[0] - outer[2]))
    shared = sum(
        any(np.abs(_signed_distance(inner[[i, (i + 1) % 4]], _line_through(outer[j], outer[(j + 1) % 4]))).max()
            <= tolerance for j in range(4))
        for i in range(4))
    grows = cv2.contourArea(outer.astype(np.float32)) > 1.05 * cv2.contourArea(inner.astype(np.float32))
    return shared >= 3 and grows


def perspective_sides(quad: np.ndarray) -> list[float]:
    """The lengths of the four sides of a quadrilateral."""
    return [float(np.linalg.norm(quad[(i + 1) % 4] - quad[i])) for i in range(4)]


def _candidate_masks(small: np.ndarray) -> list[np.ndarray]:
    """Binary masks in which the paper should be one big blob."""
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB)
    lightness = cv2.GaussianBlur(lab[:, :, 0], (5, 5), 0)
    chroma = np.hypot(lab[:, :, 1].astype(np.float32) - 128, lab[:, :, 2].astype(np.float32) - 128)
    paperness = np.clip(lightness.astype(np.float32) - 2.0 * chroma, 0, 255).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    masks = []
    for channel in (paperness, lightness):
        _, mask = cv2.threshold(channel, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        masks.append(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel))
    # Low contrast (white paper on a light desk): the outline survives only as an edge.
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    median = float(np.median(gray))
    edges = cv2.Canny(gray, max(5, int(0.2 * median)), max(15, int(0.5 * median)))
    edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    filled = np.zeros_like(edges)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    masks.append(cv2.morphologyEx(filled, cv2.MORPH_OPEN, kernel))
    # Paper overlapping a neighbour sheet: cut the blob along even faint edges (the sheet's rim and
    # its soft shadow), without closing, so the cut stays open.
    faint = cv2.dilate(cv2.Canny(gray, 6, 18), cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    for mask in masks[:2]:
        _, raw = cv2.threshold(mask, 127, 255, cv2.THRESH_BINARY)
        cut = cv2.bitwise_and(raw, cv2.bitwise_not(faint))
        masks.append(cv2.morphologyEx(cut, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))))
    return masks


def _quads_from_mask(mask: np.ndarray, min_area: float = _MIN_AREA) -> list[np.ndarray]:
    area = mask.shape[0] * mask.shape[1]
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[:3]
    quads = []
    for contour in contours:
        if not min_area * area <= cv2.contourArea(contour) <= _MAX_AREA * area:
            continue
        quad = _quad_of_contour(contour)
        if quad is not None:
            quads.append(quad)
    return quads


def _quad_of_contour(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for fraction in (0.01, 0.02, 0.03, 0.05, 0.08):
        approx = cv2.approxPolyDP(hull, fraction * perimeter, True)
        if len(approx) == 4:
            quad = order_corners(approx.reshape(4, 2).astype(np.float64))
            return _refit_sides(contour.reshape(-1, 2).astype(np.float64), quad)
    box = cv2.boxPoints(cv2.minAreaRect(contour))
    return _refit_sides(contour.reshape(-1, 2).astype(np.float64), order_corners(box.astype(np.float64)))


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as TL, TR, BR, BL (clockwise on screen, starting top-left)."""
    center = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - center[1], points[:, 0] - center[0])
    ordered = points[np.argsort(angles)]  # clockwise on screen (y grows downwards), from the left
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)


def _refit_sides(points: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Fit a robust line to the contour points near each side and intersect neighbours."""
    lines = []
    tolerance = 0.03 * float(np.linalg.norm(quad[0] - quad[2]))
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        near = points[_distance_to_segment(points, a, b) < tolerance]
        lines.append(_fit_line(near) if len(near) >= 10 else _line_through(a, b))
    refined = _intersect_all(lines)
    return refined if refined is not None else quad


def refine_corners(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Move each side onto the strongest nearby edge of the full-resolution image, robustly."""
    diagonal = float(np.linalg.norm(quad[0] - quad[2]))
    smooth = cv2.GaussianBlur(gray, (0, 0), max(1.0, diagonal / 1500)).astype(np.float32)
    for reach in (0.012 * diagonal, 0.004 * diagonal):
        lines = []
        for i in range(4):
            points = _edge_points(smooth, quad[i], quad[(i + 1) % 4], max(reach, 3.0))
            lines.append(_robust_line(points) if len(points) >= 12 else _line_through(quad[i], quad[(i + 1) % 4]))
        refined = _intersect_all(lines)
        if refined is None or np.abs(refined - quad).max() > 2.5 * reach + 4:
            break
        quad = refined
    return quad


def _edge_points(smooth: np.ndarray, a: np.ndarray, b: np.ndarray, reach: float) -> np.ndarray:
    """Where the grey level changes most along the normal of side a→b, at 60 places on it."""
    direction = (b - a) / max(np.linalg.norm(b - a), 1e-6)
    normal = np.array([-direction[1], direction[0]])
    ts = np.linspace(0.06, 0.94, 60)
    offsets = np.arange(-reach, reach + 0.5, 0.5)
    base = a[None, :] + ts[:, None] * (b - a)[None, :]
    xs = (base[:, None, 0] + offsets[None, :] * normal[0]).astype(np.float32)
    ys = (base[:, None, 1] + offsets[None, :] * normal[1]).astype(np.float32)
    profiles = cv2.remap(smooth, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    slopes = np.abs(np.diff(profiles, axis=1))
    peak = slopes.argmax(axis=1)
    strength = slopes[np.arange(len(ts)), peak]
    keep = strength >= max(2.0, 0.3 * float(np.median(strength)))
    position = offsets[:-1][peak] + 0.25
    points = base + position[:, None] * normal[None, :]
    return points[keep]


def _robust_line(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A line through most of `points`, ignoring a hand or a shadow that bends part of the side."""
    line = _fit_line(points)
    for _ in range(2):
        distance = np.abs(_signed_distance(points, line))
        limit = max(1.5, 2.5 * float(np.median(distance)))
        inliers = points[distance <= limit]
        if len(inliers) < 8:
            break
        line = _fit_line(inliers)
    return line


def _fit_line(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0], dtype=np.float64), np.array([vx, vy], dtype=np.float64)


def _line_through(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    direction = (b - a) / max(np.linalg.norm(b - a), 1e-6)
    return a.astype(np.float64), direction


def _signed_distance(points: np.ndarray, line: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    origin, direction = line
    return (points[:, 0] - origin[0]) * direction[1] - (points[:, 1] - origin[1]) * direction[0]


def _distance_to_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((points - a) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1)


def _intersect_all(lines: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray | None:
    corners = []
    for i in range(4):
        (p, r), (q, s) = lines[i - 1], lines[i]  # side i-1 ends where side i starts
        denominator = r[0] * s[1] - r[1] * s[0]
        if abs(denominator) < 1e-6:
            return None
        t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / denominator
        corners.append(p + t * r)
    return np.array(corners)


def _normal_slopes(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    smooth = cv2.GaussianBlur(gray, (0, 0), 1.2).astype(np.float32)
    return cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)


def _edge_strengths(slopes: tuple[np.ndarray, np.ndarray], segments: np.ndarray) -> np.ndarray:
    """Median grey-level slope across each segment a→b (N×2×2): how sharply it separates two surfaces."""
    gx, gy = slopes
    a, b = segments[:, 0], segments[:, 1]
    direction = (b - a) / np.maximum(np.linalg.norm(b - a, axis=1, keepdims=True), 1e-6)
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    points = a[:, None, :] + np.linspace(0.1, 0.9, 40)[None, :, None] * (b - a)[:, None, :]
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
        for fraction in np.linspace(0.03, 0.6, 58):
            for tilt in np.linspace(-0.06, 0.06, 7):
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
        if strengths[peak] >= max(_MIN_RIM_SLOPE, 6 * float(np.median(strengths))):
            quad = quad.copy()
            quad[i], quad[(i + 1) % 4] = lines[peak]
            return quad
    return quad


def _on_frame_edge(a: np.ndarray, b: np.ndarray, width: int, height: int, margin: float = 3.0) -> bool:
    return any(
        abs(a[axis] - limit) <= margin and abs(b[axis] - limit) <= margin
        for axis, limit in ((0, 0.0), (0, width - 1.0), (1, 0.0), (1, height - 1.0))
    )


def _intersect_segments(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """Where the line through `second` crosses the line through `first` (None when parallel)."""
    (p, p2), (q, q2) = first, second
    r, s = p2 - p, q2 - q
    denominator = r[0] * s[1] - r[1] * s[0]
    if abs(denominator) < 1e-9:
        return None
    t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / denominator
    return p + t * r


def _fill(mask: np.ndarray, quad: np.ndarray) -> float:
    """Share of the quadrilateral the blob really covers: a hand or a neighbour sheet merged in covers less."""
    solid = np.zeros_like(mask)  # holes (text cut out by edge masks) do not count against the blob
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(solid, contours, -1, 255, thickness=cv2.FILLED)
    inside = np.zeros_like(mask)
    cv2.fillConvexPoly(inside, quad.round().astype(np.int32), 255)
    area = max(int(np.count_nonzero(inside)), 1)
    return float(np.count_nonzero(cv2.bitwise_and(solid, inside))) / area


def _credibility(gray: np.ndarray, quad: np.ndarray, rim: float = _RIM_WIDE,
                 min_contrast: float = _MIN_CONTRAST) -> float:
    """How much this quadrilateral looks like a sheet of paper; 0 when it does not.

    `rim` is how far from each side (share of width + height) paper and desk are compared: wide for
    outlines traced from blobs, narrow for outlines laid along straight edges, which are exact.
    """
    height, width = gray.shape
    area = cv2.contourArea(quad.astype(np.float32))
    if not _MIN_AREA * width * height <= area <= _MAX_AREA * width * height:
        return 0.0
    if not cv2.isContourConvex(quad.astype(np.float32)) or not _angles_plausible(quad):
        return 0.0
    margin = 0.03 * (width + height)
    if (quad < -margin).any() or (quad[:, 0] > width - 1 + margin).any() or (quad[:, 1] > height - 1 + margin).any():
        return 0.0
    contrasts = _side_contrasts(gray, quad, rim)
    if len(contrasts) < 3 or min(contrasts) < -3.0:
        return 0.0  # paper is lighter than the desk under it: a dark patch on a light page is print
    contrasts = [abs(c) for c in contrasts]
    contrasts.sort()
    if contrasts[-3] < min_contrast:  # at least three sides must stand out from the desk
        return 0.0
    weakest = min(1.0, contrasts[0] / (3 * min_contrast))  # a side that hardly stands out is suspect
    return float(np.sqrt(area / (width * height)) * min(np.mean(contrasts), 60.0) * weakest)


def _angles_plausible(quad: np.ndarray) -> bool:
    for i in range(4):
        u = quad[i - 1] - quad[i]
        v = quad[(i + 1) % 4] - quad[i]
        cosine = float(u @ v) / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-9)
        if abs(cosine) > 0.6:  # corners between ~53° and ~127°: a photographed rectangle
            return False
    return True


def _side_contrasts(gray: np.ndarray, quad: np.ndarray, rim: float = _RIM_WIDE) -> list[float]:
    """Per side lying inside the frame: paper rim − just outside, in grey levels (median over the side)."""
    height, width = gray.shape
    band = max(3.0, rim * (width + height))
    contrasts = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        ts = np.linspace(0.1, 0.9, 40)
        points = a[None, :] + ts[:, None] * (b - a)[None, :]
        normal = _inward_normal(quad, i)
        inside = points + band * normal
        outside = points - band * normal
        visible = (outside[:, 0] >= 0) & (outside[:, 0] < width) & (outside[:, 1] >= 0) & (outside[:, 1] < height)
        if visible.mean() < 0.5:
            continue
        values_in = _sample(gray, inside[visible])
        values_out = _sample(gray, outside[visible])
        contrasts.append(float(np.median(values_in)) - float(np.median(values_out)))
    return contrasts


def _inward_normal(quad: np.ndarray, i: int) -> np.ndarray:
    """The unit normal of side i (quad[i] → quad[i+1]) that points into the quadrilateral."""
    a, b = quad[i], quad[(i + 1) % 4]
    direction = (b - a) / max(float(np.linalg.norm(b - a)), 1e-6)
    normal = np.array([-direction[1], direction[0]])
    return -normal if normal @ (quad.mean(axis=0) - (a + b) / 2) < 0 else normal


def _sample(gray: np.ndarray, points: np.ndarray) -> np.ndarray:
    xs = np.clip(points[:, 0].round().astype(int), 0, gray.shape[1] - 1)
    ys = np.clip(points[:, 1].round().astype(int), 0, gray.shape[0] - 1)
    return gray[ys, xs]


def _touches_border(corners: np.ndarray, width: int, height: int) -> bool:
    margin = 0.004 * (width + height)
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        for axis, limit in ((0, 0.0), (0, width - 1.0), (1, 0.0), (1, height - 1.0)):
            if abs(a[axis] - limit) <= margin and abs(b[axis] - limit) <= margin:
                return True
    return bool((corners[:, 0] < -margin).any() or (corners[:, 0] > width - 1 + margin).any()
                or (corners[:, 1] < -margin).any() or (corners[:, 1] > height - 1 + margin).any())


_BORDER_RING = 0.03  # of the tighter side: the frame's outer ring, where the desk shows
_DARK_FLOOR = 8.0  # grey levels: the log view treats this much as black, so sensor noise in the dark stays small
_LOG_LEVELS = (255.0 / np.log1p(255.0 / _DARK_FLOOR) * np.log1p(np.arange(256) / _DARK_FLOOR)).astype(np.float32)
_MIN_OBJECT_AREA = 0.02  # of the frame: a bank card turned 45° across a third of the frame's height
_DESK_TOLERANCE = 10.0  # view units past the range the frame's rim shows that still count as the desk
_DESK_SPREAD = 3.0  # standard deviations of the rim's colours that still count as the desk (grain, uneven light)
_MIN_OBJECT_CONTRAST = 9.0  # view units between an object's rim and the desk beside it
_PAPER_CHROMA = 12.0  # Lab a/b distance from grey below which a light surface is plain paper
_MIN_OBJECT_SUPPORT = 0.85  # of every visible side on a step: a card's rim is whole, a finger may hide a little
_SUPPORT_OFFSET = 0.008  # of the tighter side: how far either side of an outline its step is measured
_ODD_SHAPE_SHARE = 0.7  # score kept by an object outline whose proportions match no card or paper size
_SHAPE_TOLERANCE = 0.05  # relative error of proportions that a tilted camera alone explains
_SHAPE_FALL = 2.0  # score lost per unit of relative error beyond that
_PRINT_AREA_SHARE = 1.2  # a paper outline this much larger than a dark outline inside it holds it as print


@dataclass
class _Desk:
    """The range of colours (in the object view) the desk shows along the frame's rim."""

    low: np.ndarray
    high: np.ndarray

    def holds(self, colour: np.ndarray) -> bool:
        """Whether a view colour could be the desk's."""
        return bool(((colour >= self.low - _DESK_TOLERANCE) & (colour <= self.high + _DESK_TOLERANCE)).all())


def _object_view(bgr: np.ndarray) -> np.ndarray:
    """Brightness on a log scale and the two colour axes (Lab a, b): steps are ratios of light.

    A black card on a dark desk differs from it by a few grey levels, a white page on wood by a
    hundred; on a log scale both are clear steps, and uneven light scales both sides alike.
    """
    smooth = cv2.GaussianBlur(bgr, (5, 5), 0)
    lab = cv2.cvtColor(smooth, cv2.COLOR_BGR2LAB)
    view = np.empty(lab.shape, np.float32)
    view[..., 0] = cv2.LUT(cv2.cvtColor(smooth, cv2.COLOR_BGR2GRAY), _LOG_LEVELS)
    view[..., 1:] = lab[..., 1:].astype(np.float32) - 128.0
    return view


def _desk_of(small: np.ndarray, view: np.ndarray) -> _Desk | None:
    """The desk's colours from the frame's outer ring; None when that ring is paper (a scan, a page filling the frame)."""
    if border_is_paper(small):
        return None
    height, width = view.shape[:2]
    ring = max(2, int(_BORDER_RING * min(height, width)))
    border = np.concatenate([view[:ring].reshape(-1, 3), view[-ring:].reshape(-1, 3),
                             view[:, :ring].reshape(-1, 3), view[:, -ring:].reshape(-1, 3)])
    # median and spread, not the extremes: a second sheet or a page may lie across part of the ring
    middle = np.median(border, axis=0)
    spread = _DESK_SPREAD * 1.4826 * np.median(np.abs(border - middle), axis=0)
    return _Desk(middle - spread, middle + spread)


def _desk_objects(small: np.ndarray, papers: list[Scored]) -> list[Scored]:
    """Credible outlines of things lying on the desk whatever their brightness (a dark bank card).

    What lies inside a larger credible sheet of paper is print, however dark: it does not count.
    """
    view = _object_view(small)
    desk = _desk_of(small, view)
    if desk is None:
        return []
    found = []
    for mask in _object_masks(view, desk):
        for quad in _quads_from_mask(mask, _MIN_OBJECT_AREA):
            found.append((_object_credibility(view, quad, desk) * _fill(mask, quad) ** 4 * _shape(quad), quad))
    lightness = cv2.normalize(view[..., 0], None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    for quad, support in straight_edge_quads(lightness):
        quad = order_corners(quad)
        credibility = _object_credibility(view, quad, desk, rim=_RIM_NARROW)
        found.append((credibility * support ** 4 * _shape(quad), quad))
    return [(score, quad) for score, quad in found
            if score > 0 and not any(_printed_on(quad, paper) for _, paper in papers)]


def _shape(quad: np.ndarray) -> float:
    """1 near the proportions of a known card or paper size, down to `_ODD_SHAPE_SHARE` far from all.

    Part of a card's design cut off along a printed edge has no standard proportions. The camera's
    tilt bends a card's measured proportions by several per cent, so the factor falls gently.
    """
    width, height = measured_size(quad)
    ratio = max(width, height) / max(min(width, height), 1.0)
    error = min(abs(ratio - long / short) / (long / short) for short, long in PAPER_SIZES_MM.values())
    return max(_ODD_SHAPE_SHARE, 1.0 - _SHAPE_FALL * max(0.0, error - _SHAPE_TOLERANCE))


def _printed_on(inner: np.ndarray, outer: np.ndarray) -> bool:
    """Whether `inner` lies inside the clearly larger `outer` (print on a page, not the page itself)."""
    centre = inner.mean(axis=0)
    within = cv2.pointPolygonTest(outer.astype(np.float32), (float(centre[0]), float(centre[1])), False) > 0
    area = cv2.contourArea(inner.astype(np.float32))
    return within and cv2.contourArea(outer.astype(np.float32)) > _PRINT_AREA_SHARE * area


def _object_masks(view: np.ndarray, desk: _Desk) -> list[np.ndarray]:
    """Binary masks in which an object that differs from the desk should be one big blob."""
    beyond = np.maximum(desk.low - view, 0) + np.maximum(view - desk.high, 0)  # how far outside the desk's range
    distance = np.linalg.norm(beyond, axis=2)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    mask = ((distance > _DESK_TOLERANCE) * 255).astype(np.uint8)
    return [cv2.morphologyEx(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), cv2.MORPH_OPEN, kernel)]


def _object_credibility(view: np.ndarray, quad: np.ndarray, desk: _Desk, rim: float = _RIM_WIDE) -> float:
    """How much this quadrilateral looks like an object lying on the desk; 0 when it does not."""
    height, width = view.shape[:2]
    area = cv2.contourArea(quad.astype(np.float32))
    if not _MIN_OBJECT_AREA * width * height <= area <= _MAX_AREA * width * height:
        return 0.0
    if not cv2.isContourConvex(quad.astype(np.float32)) or not _angles_plausible(quad):
        return 0.0
    band = max(3.0, rim * (width + height))
    differences, steps, chromas = [], [], []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        points = a[None, :] + np.linspace(0.1, 0.9, 40)[:, None] * (b - a)[None, :]
        normal = _inward_normal(quad, i)
        inside, outside = points + band * normal, points - band * normal
        visible = (outside[:, 0] >= 0) & (outside[:, 0] < width) & (outside[:, 1] >= 0) & (outside[:, 1] < height)
        if visible.mean() < 0.5:
            continue
        colour_out = np.median(_sample(view, outside[visible]), axis=0)
        if not desk.holds(colour_out):
            return 0.0  # what lies beside this side is not the desk: the outline is inside something else
        colour_in = np.median(_sample(view, inside[visible]), axis=0)
        differences.append(float(np.linalg.norm(colour_in - colour_out)))
        steps.append(float(colour_in[0] - colour_out[0]))
        chromas.append(float(np.hypot(colour_in[1], colour_in[2])))
    if len(differences) < 3 or _outline_support(view, quad) < _MIN_OBJECT_SUPPORT:
        return 0.0
    if min(steps) > 0 and float(np.median(chromas)) < _PAPER_CHROMA:
        return 0.0  # plain light paper: the paper outlines judge it, with their own care for neighbours
    differences.sort()
    if differences[-3] < _MIN_OBJECT_CONTRAST:
        return 0.0
    weakest = min(1.0, differences[0] / (3 * _MIN_OBJECT_CONTRAST))
    return float(np.sqrt(area / (width * height)) * min(np.mean(differences), 60.0) * weakest)


def _outline_support(view: np.ndarray, quad: np.ndarray) -> float:
    """The least share of any visible side that lies on a step in the view: 1 for an object's own rim.

    An outline drawn around two things and the desk between them crosses plain desk somewhere.
    """
    height, width = view.shape[:2]
    offset = max(3.0, _SUPPORT_OFFSET * min(width, height))
    shares = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        points = a[None, :] + np.linspace(0.05, 0.95, 48)[:, None] * (b - a)[None, :]
        normal = _inward_normal(quad, i)
        inside, outside = points + offset * normal, points - offset * normal
        visible = (outside[:, 0] >= 0) & (outside[:, 0] < width) & (outside[:, 1] >= 0) & (outside[:, 1] < height)
        if visible.mean() < 0.5:
            continue
        steps = np.linalg.norm(_sample(view, inside[visible]) - _sample(view, outside[visible]), axis=1)
        shares.append(float(np.mean(steps >= _MIN_OBJECT_CONTRAST / 2)))
    return min(shares, default=0.0)


def _object_contrast(bgr: np.ndarray, small: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """A grey image in which the object inside `quad` (small-image pixels) differs most from the desk.

    The object view projected on the direction from the desk's colour to the object's: a navy card
    on a dark grey desk hardly differs in brightness, but clearly in colour. Only the object and a
    margin around it are computed; the rest of the frame stays at the desk's level.
    """
    view_small = _object_view(small)
    inside = np.zeros(small.shape[:2], np.uint8)
    cv2.fillConvexPoly(inside, quad.round().astype(np.int32), 255)
    grown = cv2.dilate(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (31, 31)))
    ring = cv2.subtract(grown, cv2.dilate(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))))
    core = cv2.erode(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11)))
    colour_in, colour_out = np.median(view_small[core > 0], axis=0), np.median(view_small[ring > 0], axis=0)
    direction = ((colour_in - colour_out) / max(float(np.linalg.norm(colour_in - colour_out)), 1e-6)).astype(np.float32)
    low, high = float(colour_out @ direction), float(colour_in @ direction)
    contrast = np.full(bgr.shape[:2], 64, np.uint8)  # desk at 64, object at 192
    scale = bgr.shape[1] / small.shape[1]
    x, y, w, h = cv2.boundingRect((quad * scale).astype(np.float32))
    pad = int(0.1 * max(w, h))
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(bgr.shape[1], x + w + pad), min(bgr.shape[0], y + h + pad)
    projected = _object_view(bgr[y0:y1, x0:x1]) @ direction
    stretched = (projected - low) * (128.0 / max(high - low, 1e-6)) + 64.0
    contrast[y0:y1, x0:x1] = np.clip(stretched, 0, 255).astype(np.uint8)
    return contrast


def border_is_paper(bgr: np.ndarray) -> bool:
    """True when the frame's outer ring is plain light paper (a scan or a page filling the frame), not a desk."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    height, width = gray.shape
    ring = max(2, int(0.03 * min(height, width)))
    border = np.concatenate([gray[:ring].ravel(), gray[-ring:].ravel(), gray[:, :ring].ravel(), gray[:, -ring:].ravel()])
    return float(np.median(border)) >= 150 and float(np.percentile(border, 25)) >= 120
