"""The quality gate before OCR: can a clerk keep this image, or must the customer's paper be retaken?

Each problem is a code with a message in desk/i18n/capture.toml (`capture.retake.<code>`).
Blur is judged against the size of the text itself (edge width ÷ character height), so a sharp
photo of large print and a sharp scan of small print both pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from desk.capture.polarity import dark_on_light
from desk.i18n import t


@dataclass(frozen=True)
class QualityLimits:
    """Where each retake reason starts; tuned on the corpus and generated camera photos."""

    max_blur_ratio: float = 0.11  # Gaussian edge sigma ÷ median character height
    min_paper_level: float = 85.0  # grey level of the paper (90th percentile) below which it is too dark
    max_ink_level: float = 175.0  # grey level of the darkest print above which the page is washed out
    max_glare_fraction: float = 0.015  # share of the page clipped to white
    min_page_fraction: float = 0.18  # share of the frame the paper must fill


@dataclass
class QualityReport:
    """Whether the page is fit to keep, and every reason it is not."""

    problems: list[str] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing calls for a retake."""
        return not self.problems

    def to_json(self, language: str | None = None) -> dict:
        """`{"ok", "problems": [codes], "messages": [clerk-readable reasons]}`."""
        return {
            "ok": self.ok,
            "problems": list(self.problems),
            "messages": [t(f"capture.retake.{code}", language) for code in self.problems],
        }


def assess(
    gray: np.ndarray,
    *,
    camera: bool,
    page_found: bool,
    page_fraction: float,
    frame_is_page: bool = False,
    cut_off: bool,
    limits: QualityLimits = QualityLimits(),
) -> QualityReport:
    """Check a flattened page (grey). `camera`: a photo (glare and framing apply), not a scan or PDF.

    `frame_is_page`: no outline was found because the paper fills the frame (its rim is paper).
    """
    report = QualityReport()
    gray = dark_on_light(gray)  # a dark card's ground is its paper, its light print its ink
    paper = float(np.percentile(gray, 90))
    ink = ink_level(gray, paper)
    report.measures.update(paper_level=paper, ink_level=ink if ink is not None else -1.0)
    if paper < limits.min_paper_level:
        report.problems.append("too_dark")
    elif ink is not None and ink > limits.max_ink_level:
        report.problems.append("too_bright")
    blur = blur_ratio(gray)
    report.measures["blur_ratio"] = blur
    if blur > limits.max_blur_ratio:
        report.problems.append("blurred")
    if camera and page_found:  # a scan's paper is white to the limit everywhere: that is not glare
        glare = glare_fraction(gray)
        report.measures["glare_fraction"] = glare
        if glare > limits.max_glare_fraction:
            report.problems.append("glare")
        if page_fraction < limits.min_page_fraction:
            report.problems.append("page_too_small")
        if cut_off:
            report.problems.append("page_cut_off")
    if camera and not page_found and not frame_is_page:
        report.problems.append("page_not_found")
    return report


def ink_level(gray: np.ndarray, paper: float) -> float | None:
    """Grey level of the darker print (10th percentile of what is not paper); None on a blank page."""
    marks = gray[gray < paper - 25]
    if marks.size < 0.0003 * gray.size:
        return None
    return float(np.percentile(marks, 10))


def blur_ratio(gray: np.ndarray) -> float:
    """Edge blur (Gaussian sigma, px) relative to the median character height; 0 on a blank page."""
    scale = min(1.0, 2000 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    height = _character_height(small) or 0.02 * max(small.shape)  # blur can merge text into blobs
    values = small.astype(np.float32)
    gx = cv2.Sobel(values, cv2.CV_32F, 1, 0, ksize=3) / 8.0  # per-pixel slope
    gy = cv2.Sobel(values, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    slope = float(np.percentile(np.hypot(gx, gy), 99.7))
    contrast = float(np.percentile(values, 95) - np.percentile(values, 1))
    if slope <= 0 or contrast < 20:
        return 0.0
    # a step of height C blurred by a Gaussian of sigma s has a steepest slope of C / (s·√(2π))
    sigma = max(contrast / (slope * np.sqrt(2 * np.pi)) - 0.5, 0.0)  # minus the sampling blur of a sharp edge
    return float(sigma / height)


def text_height(gray: np.ndarray) -> float | None:
    """Median height (px) of the text-like marks in `gray`; None where there is too little print to measure."""
    return _character_height(gray)


def _character_height(gray: np.ndarray) -> float | None:
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12)
    _count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    text_like = heights[(heights >= 6) & (heights <= gray.shape[0] / 15) & (widths <= 4 * heights)]
    if len(text_like) < 15:
        return None
    return float(np.median(text_like))


def glare_fraction(gray: np.ndarray) -> float:
    """Share of the page in patches clipped to white (light reflected straight into the lens)."""
    calm = cv2.medianBlur(gray, 5)  # sensor noise alone must not count as clipped
    clipped = cv2.morphologyEx((calm >= 253).astype(np.uint8), cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    return float(clipped.mean())
