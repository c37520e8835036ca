"""The quality gate before OCR: can a clerk keep this image, or must the customer's paper be retaken?

Each problem is a code with a message in desk/i18n/capture.toml (`capture.retake.<code>`).
Blur is judged against the size of the text itself (edge width ÷ character height), so a sharp
photo of large print and a sharp scan of small print both pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from desk.capture.image_scale import downscale
from desk.capture.ink import InkThreshold, ink_mask
from desk.capture.polarity import dark_on_light
from desk.i18n import t

_PAPER_PERCENTILE = 90  # the paper's grey level: the lightest tenth is paper on any page with print
_INK_STEP = 25  # grey levels below the paper that make a pixel print rather than paper in shadow
_MIN_INK_SHARE = 0.0003  # of the page: fewer print pixels (a few specks) is a blank page
_INK_PERCENTILE = 10  # the darker print: the darkest tenth of it, past anti-aliased stroke edges
# Blur is measured on a copy whose long side is at most 2000 px (an A4 page at 6.7 px/mm): body
# text keeps a height of 20 px or more, enough to tell a sharp edge from a soft one.
_BLUR_SIDE = 2000
_FALLBACK_TEXT = 0.02  # of the copy's long side: the text height assumed where blur merged it into blobs
_SOBEL_GAIN = 8.0  # a 3×3 Sobel answers 8 to a slope of one grey level per pixel
_STEEPEST_PERCENTILE = 99.7  # the steepest edges: print's own, not a few noisy pixels
_CONTRAST_PERCENTILES = (95, 1)  # paper and the darkest print
_MIN_CONTRAST = 20  # grey levels: a flatter page has no edges to judge
_SAMPLING_SIGMA = 0.5  # px: the blur a perfectly sharp edge shows once sampled into pixels
# Characters for their height, at the blur copy: the block (31 px, 4.6 mm of A4) is wider than body
# text's strokes; 12 grey levels, less than the skew asks, so a soft page's print still forms letters.
_INK = InkThreshold(block_px=31, offset=12)
_MIN_LETTER_PX = 6  # shorter marks are specks and punctuation
_HEIGHT_PER_LETTER = 15  # a mark taller than 1/15 of the page is a photo, a seal or a rule, not a letter
_MAX_LETTER_WIDTH = 4  # × its height: wider marks are rules and underlines
_MIN_LETTERS = 15  # fewer letters make no reliable median: the caller falls back to _FALLBACK_TEXT
_GLARE_MEDIAN_PX = 5  # median filter: a single noisy pixel at the limit is not glare
_CLIPPED = 253  # grey level: a pixel this light has lost the paper's own texture to the sensor's limit
_GLARE_PATCH_PX = 9  # clipped patches smaller than this circle (0.8 mm at 300 dpi) are a bright speck, not glare


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
    paper = float(np.percentile(gray, _PAPER_PERCENTILE))
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
    marks = gray[gray < paper - _INK_STEP]
    if marks.size < _MIN_INK_SHARE * gray.size:
        return None
    return float(np.percentile(marks, _INK_PERCENTILE))


def blur_ratio(gray: np.ndarray) -> float:
    """Edge blur (Gaussian sigma, px) relative to the median character height; 0 on a blank page."""
    small, _ = downscale(gray, _BLUR_SIDE)
    height = _character_height(small) or _FALLBACK_TEXT * max(small.shape)  # blur can merge text into blobs
    values = small.astype(np.float32)
    gx = cv2.Sobel(values, cv2.CV_32F, 1, 0, ksize=3) / _SOBEL_GAIN  # per-pixel slope
    gy = cv2.Sobel(values, cv2.CV_32F, 0, 1, ksize=3) / _SOBEL_GAIN
    slope = float(np.percentile(np.hypot(gx, gy), _STEEPEST_PERCENTILE))
    light, dark = _CONTRAST_PERCENTILES
    contrast = float(np.percentile(values, light) - np.percentile(values, dark))
    if slope <= 0 or contrast < _MIN_CONTRAST:
        return 0.0
    # a step of height C blurred by a Gaussian of sigma s has a steepest slope of C / (s·√(2π))
    sigma = max(contrast / (slope * np.sqrt(2 * np.pi)) - _SAMPLING_SIGMA, 0.0)
    return float(sigma / height)


def text_height(gray: np.ndarray) -> float | None:
    """Median height (px) of the text-like marks in `gray`; None where there is too little print to measure."""
    return _character_height(gray)


def _character_height(gray: np.ndarray) -> float | None:
    ink = ink_mask(gray, _INK)
    _count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    text_like = heights[
        (heights >= _MIN_LETTER_PX)
        & (heights <= gray.shape[0] / _HEIGHT_PER_LETTER)
        & (widths <= _MAX_LETTER_WIDTH * heights)
    ]
    if len(text_like) < _MIN_LETTERS:
        return None
    return float(np.median(text_like))


def glare_fraction(gray: np.ndarray) -> float:
    """Share of the page in patches clipped to white (light reflected straight into the lens)."""
    calm = cv2.medianBlur(gray, _GLARE_MEDIAN_PX)  # sensor noise alone must not count as clipped
    clipped: np.ndarray = (calm >= _CLIPPED).astype(np.uint8)
    patch = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_GLARE_PATCH_PX, _GLARE_PATCH_PX))
    clipped = cv2.morphologyEx(clipped, cv2.MORPH_OPEN, patch)
    return float(clipped.mean())
