"""Quadrilaterals for finding outlines: corner order, sides, a blob's outline, samples along sides.

Shared by the paper finder (page_detection.py) and the finder of things lying on the desk
(desk_objects.py). Points are (x, y) pixels; quadrilaterals are 4×2 float arrays, corners in
order around the outline.
"""

from __future__ import annotations

import cv2
import numpy as np

Scored = tuple[float, np.ndarray]  # credibility score, quadrilateral (TL, TR, BR, BL)
Line = tuple[np.ndarray, np.ndarray]  # a point on the line and its unit direction

# Where a side is sampled, as shares of its length: the ends are left out, since there the side
# meets its neighbour (or a card's rounded corner) and the values belong to neither surface alone.
SIDE_SHARES = np.linspace(0.1, 0.9, 40)
# A score is multiplied by the share of the outline that is really there (blob or edge) to this
# power: 90 % keeps two thirds of the score, 70 % a quarter, so an outline bent around a hand or a
# neighbour sheet loses to a whole one.
COVER_POWER = 4
_MAX_BLOBS = 3  # the largest blobs of a mask that may be the paper (a page, a neighbour sheet, a hand)
# Polygon simplification tolerances, shares of the hull's perimeter, tried in turn until four
# corners remain: a rounded card corner or a dog-ear needs the larger ones.
_SIMPLIFY_SHARES = (0.01, 0.02, 0.03, 0.05, 0.08)
_REFIT_SHARE = 0.03  # of the diagonal: contour points this close to a side belong to it
_MIN_REFIT_POINTS = 10  # fewer is too little of a side to fit; the rough side stays
_FIT_ACCURACY = 0.01  # cv2.fitLine's radius and angle accuracy: the value OpenCV recommends
_MAX_CORNER_COSINE = 0.6  # corners between ~53° and ~127°: a rectangle seen by a tilted camera


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as TL, TR, BR, BL (clockwise on screen, starting top-left)."""
    center = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - center[1], points[:, 0] - center[0])
    ordered = points[np.argsort(angles)]  # clockwise on screen (y grows downwards), from the left
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)


def perspective_sides(quad: np.ndarray) -> list[float]:
    """The lengths of the four sides of a quadrilateral."""
    return [float(np.linalg.norm(quad[(i + 1) % 4] - quad[i])) for i in range(4)]


def quads_from_mask(mask: np.ndarray, min_area: float, max_area: float) -> list[np.ndarray]:
    """Quadrilaterals around the (at most `_MAX_BLOBS`) largest blobs of `mask` whose share of the frame is in range."""
    area = mask.shape[0] * mask.shape[1]
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[:_MAX_BLOBS]
    quads = []
    for contour in contours:
        if not min_area * area <= cv2.contourArea(contour) <= max_area * area:
            continue
        quad = _quad_of_contour(contour)
        if quad is not None:
            quads.append(quad)
    return quads


def _quad_of_contour(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for fraction in _SIMPLIFY_SHARES:
        approx = cv2.approxPolyDP(hull, fraction * perimeter, True)
        if len(approx) == 4:
            quad = order_corners(approx.reshape(4, 2).astype(np.float64))
            return _refit_sides(contour.reshape(-1, 2).astype(np.float64), quad)
    box = cv2.boxPoints(cv2.minAreaRect(contour))
    return _refit_sides(contour.reshape(-1, 2).astype(np.float64), order_corners(box.astype(np.float64)))


def _refit_sides(points: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Fit a robust line to the contour points near each side and intersect neighbours."""
    lines = []
    tolerance = _REFIT_SHARE * float(np.linalg.norm(quad[0] - quad[2]))
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        near = points[_distance_to_segment(points, a, b) < tolerance]
        lines.append(fit_line(near) if len(near) >= _MIN_REFIT_POINTS else line_through(a, b))
    refined = intersect_all(lines)
    return refined if refined is not None else quad


def fit_line(points: np.ndarray) -> Line:
    """The line through `points`, little moved by a few far ones (Huber loss)."""
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, _FIT_ACCURACY, _FIT_ACCURACY).ravel()
    return np.array([x0, y0], dtype=np.float64), np.array([vx, vy], dtype=np.float64)


def line_through(a: np.ndarray, b: np.ndarray) -> Line:
    """The line through points `a` and `b`."""
    direction = (b - a) / max(np.linalg.norm(b - a), 1e-6)
    return a.astype(np.float64), direction


def signed_distance(points: np.ndarray, line: Line) -> np.ndarray:
    """Distance of each point from `line`, positive on one side and negative on the other."""
    origin, direction = line
    return (points[:, 0] - origin[0]) * direction[1] - (points[:, 1] - origin[1]) * direction[0]


def _distance_to_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((points - a) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1)


def intersect_all(lines: list[Line]) -> np.ndarray | None:
    """The corners where each of four sides meets the next; None when two neighbours are parallel."""
    corners = []
    for i in range(4):
        (p, r), (q, s) = lines[i - 1], lines[i]  # side i-1 ends where side i starts
        denominator = r[0] * s[1] - r[1] * s[0]
        if abs(denominator) < 1e-6:
            return None
        t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / denominator
        corners.append(p + t * r)
    return np.array(corners)


def fill(mask: np.ndarray, quad: np.ndarray) -> float:
    """Share of the quadrilateral the blob really covers: a hand or a neighbour sheet merged in covers less."""
    solid = np.zeros_like(mask)  # holes (text cut out by edge masks) do not count against the blob
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(solid, contours, -1, 255, thickness=cv2.FILLED)
    inside = np.zeros_like(mask)
    cv2.fillConvexPoly(inside, quad.round().astype(np.int32), 255)
    area = max(int(np.count_nonzero(inside)), 1)
    return float(np.count_nonzero(cv2.bitwise_and(solid, inside))) / area


def angles_plausible(quad: np.ndarray) -> bool:
    """Whether every corner could be a rectangle's corner seen by a camera."""
    for i in range(4):
        u = quad[i - 1] - quad[i]
        v = quad[(i + 1) % 4] - quad[i]
        cosine = float(u @ v) / max(float(np.linalg.norm(u)) * float(np.linalg.norm(v)), 1e-9)
        if abs(cosine) > _MAX_CORNER_COSINE:
            return False
    return True


def inward_normal(quad: np.ndarray, i: int) -> np.ndarray:
    """The unit normal of side i (quad[i] → quad[i+1]) that points into the quadrilateral."""
    a, b = quad[i], quad[(i + 1) % 4]
    direction = (b - a) / max(float(np.linalg.norm(b - a)), 1e-6)
    normal = np.array([-direction[1], direction[0]])
    return -normal if normal @ (quad.mean(axis=0) - (a + b) / 2) < 0 else normal


def sample(gray: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The image's values at the nearest pixels to `points` (clamped to the image)."""
    xs = np.clip(points[:, 0].round().astype(int), 0, gray.shape[1] - 1)
    ys = np.clip(points[:, 1].round().astype(int), 0, gray.shape[0] - 1)
    return gray[ys, xs]
