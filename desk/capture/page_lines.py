"""Page outlines built from straight edges: for paper that hardly differs from the desk under it.

White paper on a light desk, or a page crossed by a shadow, never separates from the desk by
brightness; its rim survives only as four faint straight steps, sometimes broken by a hand or by
guilloche printed up to the card's edge. Here short straight segments (OpenCV's line segment
detector) that are real steps in brightness merge into lines, nearly parallel lines pair up as
opposite sides, and two pairs meeting at plausible angles make a quadrilateral. Each comes with
how much of its perimeter really lies on a step; the caller decides whether the paper is credible.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import cv2
import numpy as np

_MAX_LINES = 14  # the strongest straight steps considered; a page has four
_MIN_STEP = 5.0  # grey levels between the two sides of a paper rim
_STEP_CAP = 40.0  # a stronger step is no more likely to be the rim (wood grain can be strong)
_SAME_LINE_DEG = 3.0  # short segments of one rim differ this much in direction
_PARALLEL_DEG = 15.0  # opposite sides under perspective
_MIN_CORNER_DEG = 55.0  # between the two pairs (55°..125° at the corners): a photographed rectangle
_MIN_SUPPORT = 0.35  # of each side on a step: a hand may hide part of a side, not most of it
# Sizes below are shares of the image's tighter side, with a floor in pixels for small images.
_SMOOTH_SIGMA = 1.5  # px: steps are measured past sensor noise and JPEG blocks
_MIN_SEGMENT, _MIN_SEGMENT_PX = 0.025, 12.0  # shorter segments are letters' strokes, not a rim
_SAME_LINE, _SAME_LINE_PX = 0.006, 2  # segments of one rim lie this close to one line (a bent page curls)
_STEP_OFFSET, _STEP_OFFSET_PX = 0.008, 4.0  # either side of a segment, brightness is read this far off it
_MIN_GAP = 0.15  # opposite sides of a page lie at least this far apart: closer is a rule and its shadow
_OUTSIDE = 0.01  # of width + height: a corner farther outside the frame belongs to no visible page
_POINTS_EVERY_PX = 4  # a merged line is fitted to a point this often along each of its segments
_FIT_ACCURACY = 0.01  # cv2.fitLine's radius and angle accuracy: the value OpenCV recommends
# Where a segment's step and an outline's support are read, as shares of the length: a segment's
# ends are where LSD is least sure; an outline's sides are read nearly to the corners.
_STEP_SHARES = (0.1, 0.9, 24)  # from, to, places
_SUPPORT_SHARES = (0.05, 0.95, 48)


@dataclass(frozen=True)
class _Line:
    theta: float  # direction of the normal, radians in [0, pi)
    rho: float  # signed distance of the line from the origin along its normal
    extent: float  # length covered by the segments behind it
    step: float  # grey levels between its two sides (length-weighted mean of its segments)

    @property
    def normal(self) -> np.ndarray:
        return np.array([np.cos(self.theta), np.sin(self.theta)])


def straight_edge_quads(gray: np.ndarray, limit: int = 6) -> list[tuple[np.ndarray, float]]:
    """Up to `limit` quadrilaterals (4×2, corners in order around the outline) with their edge support (0..1)."""
    smooth = cv2.GaussianBlur(gray, (0, 0), _SMOOTH_SIGMA)
    lines = _lines(gray, smooth)
    if len(lines) < 4:
        return []
    height, width = gray.shape
    found = []
    for first, second in combinations(_parallel_pairs(lines, min(height, width)), 2):
        if _angle_between(first[0], second[0]) < _MIN_CORNER_DEG:
            continue
        quad = _corners(first, second)
        if quad is None or not _inside_frame(quad, width, height):
            continue
        support = _support(smooth, quad)
        if support > 0:
            area = cv2.contourArea(quad.astype(np.float32)) / (width * height)
            found.append((support * np.sqrt(area), quad, support))
    found.sort(key=lambda entry: entry[0], reverse=True)
    return [(quad, support) for _, quad, support in found[:limit]]


def _lines(gray: np.ndarray, smooth: np.ndarray) -> list[_Line]:
    """The strongest straight steps in brightness, collinear segments merged into one line.

    Printed rules have the same paper on both sides and a text row's edge is a weak step, so each
    segment is judged on its own before collinear ones merge; lines rank by extent times step,
    the paper's rim (sharp, as long as the page) before the rows printed on it.
    """
    short = min(gray.shape)
    segments = _segments(gray, min_length=max(_MIN_SEGMENT_PX, _MIN_SEGMENT * short))
    steps = _segment_steps(smooth, segments)
    segments, steps = segments[steps >= _MIN_STEP], steps[steps >= _MIN_STEP]
    lengths = np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])
    clusters = _collinear_clusters(segments, lengths, _SAME_LINE * short + _SAME_LINE_PX)
    lines = [_fit(segments[c], steps[c], lengths[c]) for c in clusters]
    ranked = sorted(lines, key=lambda line: line.extent * min(line.step, _STEP_CAP), reverse=True)
    chosen: list[_Line] = []
    for line in ranked:  # wood grain or ruled paper must not crowd out the other pair of sides
        if sum(_angle_between(line, other) <= _PARALLEL_DEG for other in chosen) < _MAX_LINES // 2:
            chosen.append(line)
    return chosen[:_MAX_LINES]


def _segments(gray: np.ndarray, min_length: float) -> np.ndarray:
    """Straight segments (N×4: x1 y1 x2 y2) at least `min_length` long."""
    found = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD).detect(gray)[0]
    if found is None:
        return np.zeros((0, 4))
    segments = found.reshape(-1, 4).astype(np.float64)
    lengths = np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])
    return segments[lengths >= min_length]


def _segment_steps(smooth: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Grey levels between the two sides of each segment (median over its length)."""
    a, b = segments[:, None, :2], segments[:, None, 2:]
    direction = (b - a) / np.maximum(np.linalg.norm(b - a, axis=2, keepdims=True), 1e-6)
    normals = np.concatenate([-direction[..., 1:], direction[..., :1]], axis=2)
    points = a + np.linspace(*_STEP_SHARES)[None, :, None] * (b - a)
    return np.abs(np.median(_steps_at(smooth, points, normals), axis=1))


def _steps_at(smooth: np.ndarray, points: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Brightness on one side of each point minus the other side, a few pixels along its normal."""
    offset = max(_STEP_OFFSET_PX, _STEP_OFFSET * min(smooth.shape))
    values = []
    for sign in (1, -1):
        shifted = points + sign * offset * normals
        xs = np.clip(shifted[..., 0].round().astype(int), 0, smooth.shape[1] - 1)
        ys = np.clip(shifted[..., 1].round().astype(int), 0, smooth.shape[0] - 1)
        values.append(smooth[ys, xs].astype(np.float64))
    return values[0] - values[1]


def _collinear_clusters(segments: np.ndarray, lengths: np.ndarray, distance: float) -> list[list[int]]:
    """Segments grouped by the line they lie on, longest first: each joins the first group whose longest
    segment it lies along (both ends within `distance` of that segment's line, a similar direction).

    Every segment is compared with all groups at once: wood grain gives hundreds of segments, and one
    comparison at a time took seconds of a live preview."""
    starts = np.zeros((len(segments), 2))  # each group's longest segment: a point and its unit direction
    directions = np.zeros((len(segments), 2))
    clusters: list[list[int]] = []
    min_cosine = np.cos(np.radians(_SAME_LINE_DEG))
    for index in np.argsort(-lengths):
        other = segments[index]
        count = len(clusters)
        if count:
            turn = other[2:] - other[:2]
            cosine = np.abs(directions[:count] @ turn) / max(float(np.linalg.norm(turn)), 1e-6)
            normals = np.stack([-directions[:count, 1], directions[:count, 0]], axis=1)
            offsets = other.reshape(1, 2, 2) - starts[:count, None, :]  # both ends, from each group's start
            apart = np.abs(np.einsum("kij,kj->ki", offsets, normals)).max(axis=1)
            joins = np.flatnonzero((cosine >= min_cosine) & (apart <= distance))
            if joins.size:
                clusters[joins[0]].append(int(index))
                continue
        starts[count] = other[:2]
        directions[count] = (other[2:] - other[:2]) / max(float(np.linalg.norm(other[2:] - other[:2])), 1e-6)
        clusters.append([int(index)])
    return clusters


def _fit(segments: np.ndarray, steps: np.ndarray, lengths: np.ndarray) -> _Line:
    """One line through collinear segments: fitted to points along all of them, by length."""
    points = np.concatenate(
        [
            a + np.linspace(0, 1, max(2, int(n // _POINTS_EVERY_PX)))[:, None] * (b - a)
            for a, b, n in zip(segments[:, :2], segments[:, 2:], lengths)
        ]
    )
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_L2, 0, _FIT_ACCURACY, _FIT_ACCURACY).ravel()
    theta = float(np.arctan2(vx, -vy) % np.pi)
    normal = np.array([np.cos(theta), np.sin(theta)])
    along = points @ np.array([-normal[1], normal[0]])
    return _Line(
        theta,
        float(np.array([x0, y0]) @ normal),
        float(along.max() - along.min()),
        float(np.average(steps, weights=lengths)),
    )


def _parallel_pairs(lines: list[_Line], short: int) -> list[tuple[_Line, _Line]]:
    """Pairs of nearly parallel lines far enough apart to be opposite sides of a page."""
    pairs = []
    for a, b in combinations(lines, 2):
        if _angle_between(a, b) <= _PARALLEL_DEG:
            gap = abs(float(b.rho * b.normal @ a.normal) - a.rho)
            if gap >= _MIN_GAP * short:
                pairs.append((a, b))
    return pairs


def _angle_between(a: _Line, b: _Line) -> float:
    """The angle between two lines in degrees, 0 (parallel) to 90 (perpendicular)."""
    difference = np.degrees(abs(a.theta - b.theta)) % 180.0
    return min(difference, 180.0 - difference)


def _corners(first: tuple[_Line, _Line], second: tuple[_Line, _Line]) -> np.ndarray | None:
    """The quadrilateral whose sides run along first[0], second[0], first[1], second[1]."""
    order = [(first[0], second[0]), (second[0], first[1]), (first[1], second[1]), (second[1], first[0])]
    points = [_intersection(a, b) for a, b in order]
    if any(point is None for point in points):
        return None
    quad = np.array(points)
    return quad if cv2.isContourConvex(quad.astype(np.float32)) else None


def _intersection(a: _Line, b: _Line) -> np.ndarray | None:
    matrix = np.array([[np.cos(a.theta), np.sin(a.theta)], [np.cos(b.theta), np.sin(b.theta)]])
    if abs(np.linalg.det(matrix)) < 1e-6:
        return None
    return np.linalg.solve(matrix, np.array([a.rho, b.rho]))


def _inside_frame(quad: np.ndarray, width: int, height: int) -> bool:
    margin = _OUTSIDE * (width + height)
    return bool(
        (quad[:, 0] >= -margin).all()
        and (quad[:, 0] <= width - 1 + margin).all()
        and (quad[:, 1] >= -margin).all()
        and (quad[:, 1] <= height - 1 + margin).all()
    )


def _support(smooth: np.ndarray, quad: np.ndarray) -> float:
    """Mean share of each side that lies on a brightness step; 0 when any side is mostly not one."""
    sides = np.concatenate([quad, np.roll(quad, -1, axis=0)], axis=1)  # 4 × (x1 y1 x2 y2)
    a, b = sides[:, None, :2], sides[:, None, 2:]
    direction = (b - a) / np.maximum(np.linalg.norm(b - a, axis=2, keepdims=True), 1e-6)
    normals = np.concatenate([-direction[..., 1:], direction[..., :1]], axis=2)
    points = a + np.linspace(*_SUPPORT_SHARES)[None, :, None] * (b - a)
    shares = (np.abs(_steps_at(smooth, points, normals)) >= _MIN_STEP).mean(axis=1)
    return 0.0 if shares.min() < _MIN_SUPPORT else float(shares.mean())
