"""Things lying on the desk whatever their brightness: a dark bank card on a dark or wooden desk.

The paper finder (page_detection.py) looks for surfaces lighter than the desk. A bank card is
mostly darker (navy, black, dark green) or coloured (gold) and small in the frame, and on a dark
desk it differs by a few grey levels only. Here the frame is seen as brightness on a log scale
plus colour, where such a card's rim is a clear step; the desk's colours come from the frame's
outer ring. An outline counts when every visible side has the desk just outside and a step in
that view all along it, and when it is not print inside a larger sheet of paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from desk.capture.page_lines import straight_edge_quads
from desk.capture.perspective import PAPER_SIZES_MM, measured_size
from desk.capture.quads import (
    COVER_POWER,
    SIDE_SHARES,
    Scored,
    angles_plausible,
    fill,
    inward_normal,
    order_corners,
    quads_from_mask,
    sample,
)

_MAX_AREA = 0.985  # of the frame: a larger outline is the frame itself
_RIM, _RIM_ALONG_EDGES = 0.012, 0.004  # of width + height: where an object and the desk are compared
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
_MAD_TO_SIGMA = 1.4826  # median absolute deviation to standard deviation, for normally spread values
_MASK_KERNEL_PX = 9  # in the working copy: closes the gaps embossed digits and a chip leave in a card's blob
_CONTRAST_CAP = 60.0  # view units: a stronger step is no likelier to be the object's rim
_SUPPORT_STEP = _MIN_OBJECT_CONTRAST / 2  # view units across a side at one sample: a step, not noise
_GAP_PX, _RING_PX = 5, 15  # in the working copy: colours are taken this far from the rough outline, up to this far out
_CONTRAST_MARGIN = 0.1  # of the object's size: how much desk around it the refinement sees
_DESK_GREY, _OBJECT_GREY = 64, 192  # where desk and object land in the contrast image, well inside 0..255
_SMOOTH_KERNEL = (5, 5)  # px of the working copy: evens out sensor noise in the dark and JPEG blocks
_MIN_RING_PX = 2  # the frame's outer ring is at least this wide
_MIN_BAND_PX = 3.0  # object and desk are compared at least this far from a side: past the blur of its rim
_MIN_VISIBLE = 0.5  # share of a side whose outside is in the frame for the side to count
_MIN_STANDING_OUT = 3  # sides that stand out from the desk: one may lie on the frame's edge or under a finger
_WEAK_SIDE = 3  # × the least contrast: a weaker side lowers the score in proportion
# Where a side's step is checked: nearer its ends than SIDE_SHARES, since a card's rim runs whole
# to its rounded corners, and often enough that a finger over a tenth of it shows.
_SUPPORT_SHARES = (0.05, 0.95, 48)  # from, to (shares of the side's length), places


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
    smooth = cv2.GaussianBlur(bgr, _SMOOTH_KERNEL, 0)
    lab = cv2.cvtColor(smooth, cv2.COLOR_BGR2LAB)
    view = np.empty(lab.shape, np.float32)
    view[..., 0] = cv2.LUT(cv2.cvtColor(smooth, cv2.COLOR_BGR2GRAY), _LOG_LEVELS)
    view[..., 1:] = lab[..., 1:].astype(np.float32) - 128.0  # Lab's grey: a and b of 0
    return view


def _desk_of(view: np.ndarray) -> _Desk:
    """The desk's colours from the frame's outer ring (the caller has made sure it is not paper)."""
    height, width = view.shape[:2]
    ring = max(_MIN_RING_PX, int(_BORDER_RING * min(height, width)))
    border = np.concatenate(
        [
            view[:ring].reshape(-1, 3),
            view[-ring:].reshape(-1, 3),
            view[:, :ring].reshape(-1, 3),
            view[:, -ring:].reshape(-1, 3),
        ]
    )
    # median and spread, not the extremes: a second sheet or a page may lie across part of the ring
    middle = np.median(border, axis=0)
    spread = _DESK_SPREAD * _MAD_TO_SIGMA * np.median(np.abs(border - middle), axis=0)
    return _Desk(middle - spread, middle + spread)


def objects_on_desk(small: np.ndarray, papers: list[Scored]) -> list[Scored]:
    """Credible outlines of things lying on the desk whatever their brightness (a dark bank card).

    What lies inside a larger credible sheet of paper is print, however dark: it does not count.
    """
    view = _object_view(small)
    desk = _desk_of(view)
    found = []
    for mask in _object_masks(view, desk):
        for quad in quads_from_mask(mask, _MIN_OBJECT_AREA, _MAX_AREA):
            found.append((_object_credibility(view, quad, desk) * fill(mask, quad) ** COVER_POWER * _shape(quad), quad))
    lightness = cv2.normalize(view[..., 0], None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    for quad, support in straight_edge_quads(lightness):
        quad = order_corners(quad)
        credibility = _object_credibility(view, quad, desk, rim=_RIM_ALONG_EDGES)
        found.append((credibility * support**COVER_POWER * _shape(quad), quad))
    return [
        (score, quad) for score, quad in found if score > 0 and not any(_printed_on(quad, paper) for _, paper in papers)
    ]


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
    mask = ((np.linalg.norm(beyond, axis=2) > _DESK_TOLERANCE) * 255).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (_MASK_KERNEL_PX, _MASK_KERNEL_PX))
    return [cv2.morphologyEx(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), cv2.MORPH_OPEN, kernel)]


def _object_credibility(view: np.ndarray, quad: np.ndarray, desk: _Desk, rim: float = _RIM) -> float:
    """How much this quadrilateral looks like an object lying on the desk; 0 when it does not."""
    height, width = view.shape[:2]
    area = cv2.contourArea(quad.astype(np.float32))
    if not _MIN_OBJECT_AREA * width * height <= area <= _MAX_AREA * width * height:
        return 0.0
    if not cv2.isContourConvex(quad.astype(np.float32)) or not angles_plausible(quad):
        return 0.0
    sides = _side_colours(view, quad, max(_MIN_BAND_PX, rim * (width + height)))
    if len(sides) < _MIN_STANDING_OUT or not all(desk.holds(outside) for _, outside in sides):
        return 0.0  # what lies beside some side is not the desk: the outline is inside something else
    if (
        min(inside[0] - outside[0] for inside, outside in sides) > 0
        and float(np.median([np.hypot(inside[1], inside[2]) for inside, _ in sides])) < _PAPER_CHROMA
    ):
        return 0.0  # plain light paper: the paper outlines judge it, with their own care for neighbours
    if _outline_support(view, quad) < _MIN_OBJECT_SUPPORT:
        return 0.0
    differences = sorted(float(np.linalg.norm(inside - outside)) for inside, outside in sides)
    if differences[-_MIN_STANDING_OUT] < _MIN_OBJECT_CONTRAST:
        return 0.0
    weakest = min(1.0, differences[0] / (_WEAK_SIDE * _MIN_OBJECT_CONTRAST))  # a side that hardly stands out is suspect
    return float(np.sqrt(area / (width * height)) * min(np.mean(differences), _CONTRAST_CAP) * weakest)


def _side_colours(view: np.ndarray, quad: np.ndarray, band: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per side lying inside the frame: the view's median colour `band` inside it and `band` outside it."""
    height, width = view.shape[:2]
    colours = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        points = a[None, :] + SIDE_SHARES[:, None] * (b - a)[None, :]
        normal = inward_normal(quad, i)
        inside, outside = points + band * normal, points - band * normal
        visible = _in_frame(outside, width, height)
        if visible.mean() >= _MIN_VISIBLE:
            colours.append(
                (np.median(sample(view, inside[visible]), axis=0), np.median(sample(view, outside[visible]), axis=0))
            )
    return colours


def _in_frame(points: np.ndarray, width: int, height: int) -> np.ndarray:
    return (points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)


def _outline_support(view: np.ndarray, quad: np.ndarray) -> float:
    """The least share of any visible side that lies on a step in the view: 1 for an object's own rim.

    An outline drawn around two things and the desk between them crosses plain desk somewhere.
    """
    height, width = view.shape[:2]
    offset = max(_MIN_BAND_PX, _SUPPORT_OFFSET * min(width, height))
    shares = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        points = a[None, :] + np.linspace(*_SUPPORT_SHARES)[:, None] * (b - a)[None, :]
        normal = inward_normal(quad, i)
        inside, outside = points + offset * normal, points - offset * normal
        visible = _in_frame(outside, width, height)
        if visible.mean() >= _MIN_VISIBLE:
            steps = np.linalg.norm(sample(view, inside[visible]) - sample(view, outside[visible]), axis=1)
            shares.append(float(np.mean(steps >= _SUPPORT_STEP)))
    return min(shares, default=0.0)


def object_contrast(bgr: np.ndarray, small: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """A grey image in which the object inside `quad` (small-image pixels) differs most from the desk.

    The object view projected on the direction from the desk's colour to the object's: a navy card
    on a dark grey desk hardly differs in brightness, but clearly in colour. Only the object and a
    margin around it are computed; the rest of the frame stays at the desk's level.
    """
    desk_colour, object_colour = _colours_either_side(_object_view(small), quad)
    direction = object_colour - desk_colour
    direction = (direction / max(float(np.linalg.norm(direction)), 1e-6)).astype(np.float32)
    desk_level, object_level = float(desk_colour @ direction), float(object_colour @ direction)
    contrast = np.full(bgr.shape[:2], _DESK_GREY, np.uint8)
    scale = bgr.shape[1] / small.shape[1]
    x, y, w, h = cv2.boundingRect((quad * scale).astype(np.float32))
    pad = int(_CONTRAST_MARGIN * max(w, h))
    x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(bgr.shape[1], x + w + pad), min(bgr.shape[0], y + h + pad)
    projected = _object_view(bgr[y0:y1, x0:x1]) @ direction
    gain = (_OBJECT_GREY - _DESK_GREY) / max(object_level - desk_level, 1e-6)
    contrast[y0:y1, x0:x1] = np.clip((projected - desk_level) * gain + _DESK_GREY, 0, 255).astype(np.uint8)
    return contrast


def _colours_either_side(view: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The view's median colour in a ring just outside `quad` (the desk) and well inside it (the object)."""
    inside = np.zeros(view.shape[:2], np.uint8)
    cv2.fillConvexPoly(inside, quad.round().astype(np.int32), 255)
    gap = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * _GAP_PX + 1, 2 * _GAP_PX + 1))
    reach = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * _RING_PX + 1, 2 * _RING_PX + 1))
    ring = cv2.subtract(cv2.dilate(inside, reach), cv2.dilate(inside, gap))
    core = cv2.erode(inside, gap)
    return np.median(view[ring > 0], axis=0), np.median(view[core > 0], axis=0)
