"""The live outline of the document camera: one small preview frame in, the paper's corners and what
stops a good capture out.

It runs for every preview frame (a few a second per clerk), so it does only the cheap checks: the
same page detection as a capture (page_detection.detect_page), the paper cut off at the frame edge
or too small in it, glare on the paper, and blur. Blur cannot be judged at preview size (at 640 px
a blurred page looks sharp), so the browser adds a full-resolution crop from the middle of the
page; blur is judged on that crop only where it holds print to measure against, with the same
limit as the capture's quality gate (quality.QualityLimits). The full capture still runs the whole
gate: this only says early what the clerk would otherwise learn seconds later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from desk.capture import perspective, quality
from desk.capture.page_detection import detect_page
from desk.capture.quality import QualityLimits

MAX_PREVIEW_SIDE = 1024  # a larger frame is shrunk first: the outline needs no more, and the cost grows with it


@dataclass(frozen=True)
class PreviewResult:
    """What the live outline shows: the corners (TL, TR, BR, BL as shares of the frame's width and
    height, 0..1) and the problems (capture.retake codes; none means the page is whole and sharp)."""

    found: bool
    corners: list[tuple[float, float]]
    problems: list[str] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the page is found, whole and sharp."""
        return self.found and not self.problems

    def to_json(self) -> dict:
        """Plain values for the browser."""
        return {
            "found": self.found,
            "ok": self.ok,
            "corners": [[round(x, 4), round(y, 4)] for x, y in self.corners],
            "problems": list(self.problems),
            "measures": {k: round(v, 4) for k, v in self.measures.items()},
        }


def decode(data: bytes) -> np.ndarray:
    """The JPEG or PNG `data` as BGR, shrunk to MAX_PREVIEW_SIDE; ValueError when it is no image."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if bgr is None:
        raise ValueError("not an image")
    scale = MAX_PREVIEW_SIDE / max(bgr.shape[:2])
    return cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else bgr


DEFAULT_LIMITS = QualityLimits()  # the capture's own limits (frozen: safe to share as a default)


def preview_frame(frame: bytes, detail: bytes | None = None, limits: QualityLimits = DEFAULT_LIMITS) -> PreviewResult:
    """The outline and problems of one preview `frame`; `detail`: a full-resolution crop of the page's
    middle, for blur. Raises ValueError when `frame` is not an image."""
    bgr = decode(frame)
    height, width = bgr.shape[:2]
    outline = detect_page(bgr)
    corners = [(float(x) / width, float(y) / height) for x, y in outline.corners]
    if not outline.found:
        return PreviewResult(False, corners, ["page_not_found"])
    problems: list[str] = []
    measures = {"page_fraction": float(cv2.contourArea(outline.corners.astype(np.float32)) / (width * height))}
    if outline.touches_border:
        problems.append("page_cut_off")
    if measures["page_fraction"] < limits.min_page_fraction:
        problems.append("page_too_small")
    page = cv2.cvtColor(_flatten(bgr, outline.corners), cv2.COLOR_BGR2GRAY)
    blur = _blur(detail, page)
    if blur is not None:
        measures["blur_ratio"] = blur
        if blur > limits.max_blur_ratio:
            problems.append("blurred")
    measures["glare_fraction"] = quality.glare_fraction(page)
    if measures["glare_fraction"] > limits.max_glare_fraction:
        problems.append("glare")
    return PreviewResult(True, corners, problems, measures)


def _flatten(bgr: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The paper at the size it has in the frame (no paper-size rendering: nothing is read from it)."""
    width, height = (max(8, round(side)) for side in perspective.measured_size(corners))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    warp = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(bgr, warp, (width, height), flags=cv2.INTER_LINEAR)


def _blur(detail: bytes | None, page: np.ndarray) -> float | None:
    """The blur ratio of the print, on the full-resolution crop if it holds print, else on the preview
    page if that does; None when neither has print to measure against (a photo, a blank side)."""
    crop = cv2.imdecode(np.frombuffer(detail, np.uint8), cv2.IMREAD_GRAYSCALE) if detail else None
    for gray in (crop, page):
        if gray is not None and quality.text_height(gray) is not None:
            return quality.blur_ratio(gray)
    return None
