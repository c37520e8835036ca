"""Warp the paper to a flat page at a known resolution.

The physical size is recognised from the outline's aspect ratio (A4, A5, B5, 16K, letter, an ID
card …); a recognised page is rendered at `flat_dpi` of its real size, or at the resolution it had
in the frame where that is higher (up to half as much again); anything else keeps the resolution it
had in the frame.
"""

from __future__ import annotations

import cv2
import numpy as np

# name -> (short side, long side) in millimetres
PAPER_SIZES_MM: dict[str, tuple[float, float]] = {
    "id_card": (54.0, 85.6),
    "a4": (210.0, 297.0),
    "a5": (148.0, 210.0),
    "b5": (176.0, 250.0),
    "16k": (185.0, 260.0),
    "letter": (215.9, 279.4),
    "invoice": (140.0, 240.0),
}
_ASPECT_TOLERANCE = 0.035  # relative; camera foreshortening of a few degrees stays inside it
_MAX_DPI_FACTOR = 1.5  # a page is flattened at most this many times flat_dpi, where its frame gives more


def measured_size(corners: np.ndarray) -> tuple[float, float]:
    """Width and height of the outline in frame pixels (mean of opposite sides)."""
    tl, tr, br, bl = corners
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width), float(height)


def paper_of(width: float, height: float) -> str | None:
    """The paper size whose aspect ratio matches width × height, or None."""
    ratio = max(width, height) / max(min(width, height), 1.0)
    best, error = None, _ASPECT_TOLERANCE
    for name, (short, long) in PAPER_SIZES_MM.items():
        relative = abs(ratio - long / short) / (long / short)
        if relative < error:
            best, error = name, relative
    return best


def flat_resolution(corners: np.ndarray, dpi: float) -> float | None:
    """The resolution the page inside `corners` is flattened at when its paper size is recognised:
    `dpi`, or the resolution it has in the frame where that is higher (at most _MAX_DPI_FACTOR × `dpi`);
    None when it is not (it keeps its frame pixels, at a resolution nobody knows)."""
    paper = _paper_at(corners, dpi)
    return paper[1] if paper else None


def target_size(corners: np.ndarray, dpi: float) -> tuple[int, int]:
    """Output width and height in pixels for the flattened page."""
    width, height = measured_size(corners)
    paper = _paper_at(corners, dpi)
    if paper is None:
        return max(1, round(width)), max(1, round(height))
    name, resolution = paper
    short, long = PAPER_SIZES_MM[name]
    scale = resolution / 25.4
    if width >= height:
        return round(long * scale), round(short * scale)
    return round(short * scale), round(long * scale)


def _paper_at(corners: np.ndarray, dpi: float) -> tuple[str, float] | None:
    """The paper size the outline has and the resolution to flatten it at, None for no known size."""
    width, height = measured_size(corners)
    name = paper_of(width, height)
    if name is None:
        return None
    # no fewer pixels than the frame gives the page: the aspect alone cannot tell an ID card from a
    # larger page of its shape seen at a slant, and a page shrunk to a card's size loses its small print;
    # up to _MAX_DPI_FACTOR × dpi (a 600-dpi scan or a card filling a 12 MP photo reads no better for more)
    in_frame = 25.4 * max(width, height) / PAPER_SIZES_MM[name][1]
    return name, min(max(dpi, in_frame), _MAX_DPI_FACTOR * dpi)


def flatten(bgr: np.ndarray, corners: np.ndarray, dpi: float) -> np.ndarray:
    """The paper inside `corners` (TL, TR, BR, BL) as an upright-in-frame rectangle."""
    width, height = target_size(corners, dpi)
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(bgr, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def in_plane_angle(upright_corners: np.ndarray, rotation: int) -> float:
    """The page's residual rotation in the frame, as the CCW correction in degrees (the `deskew` sign).

    `upright_corners` start at the corner that is top-left once the page is upright. Under
    perspective the four sides disagree; the direction of the page's own horizontal at its centre,
    mapped through the outline's homography, is what its text lines show. `rotation` (the
    clockwise cardinal turn that uprights the page) is taken out.
    """
    width, height = measured_size(upright_corners)
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    homography = cv2.getPerspectiveTransform(source, upright_corners.astype(np.float32))
    probe = np.array([[[width / 2, height / 2], [width / 2 + 10, height / 2]]], dtype=np.float32)
    (a, b) = cv2.perspectiveTransform(probe, homography)[0]
    clockwise = float(np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0])))
    return (clockwise + rotation + 180.0) % 360.0 - 180.0
