"""Prepare the image Tesseract reads, and pick its page-segmentation mode.

Camera light is uneven: Tesseract binarises globally, so a page darker at one end loses that end.
Dividing by the paper's own brightness (a flat field) evens it out. Ruled forms are read row by row
(`--psm 4`) with their rules painted out; Tesseract's default layout analysis (`--psm 3`) reads a
table column by column and turns rules into junk characters. Everything else keeps `--psm 3`, which
also keeps a two-column page in reading order.
"""

from __future__ import annotations

import cv2
import numpy as np

from desk.capture.image_scale import shrink
from desk.capture.ink import InkThreshold, ink_mask

_MIN_CROSSINGS = 12  # rule crossings that make a page a ruled form (a table), not a page with a few lines
_TABLE_PSM, _LAYOUT_PSM = 4, 3  # Tesseract: one column of rows of text / its own layout analysis
# The paper's brightness is taken from an eighth-size copy (the light changes over centimetres),
# closed with a 15 px circle there (120 px, 10 mm of a 300 dpi page: wider than any character, so
# the print closes over) and smoothed by 3 px there, so the print's ghost does not shade the page.
_PAPER_SCALE, _PAPER_CLOSE_PX, _PAPER_SIGMA = 0.125, 15, 3
_PAPER_LEVEL = 245.0  # where the evened paper lands: near white, with room above for lighter spots
# Rules, at the page's own resolution (300 dpi once flattened: 11.8 px/mm): the block (31 px, 2.6
# mm) is wider than a rule, and 10 grey levels, less than print asks, keep thin or grey rules whole.
_RULE_INK = InkThreshold(block_px=31, offset=10)
# A rule is at least 80 px long (6.8 mm at 300 dpi) and a twelfth of the page's shorter side (17 mm
# of A4): longer than any character's stroke.
_MIN_RULE_PX, _SIDE_PER_RULE = 80, 12
_RULE_WIDEN = (5, 5)  # px: the rule's anti-aliased edges and a slight slant are painted out too
_ERASE_MEDIAN_PX = 31  # the paper behind a rule: a median over 2.6 mm at 300 dpi, wider than any rule


def prepare(gray: np.ndarray, *, camera: bool) -> tuple[np.ndarray, int]:
    """The OCR input for an upright, deskewed grey page and the Tesseract `--psm` to read it with."""
    image = flat_field(gray) if camera else gray
    across, down = rules(image)
    if crossings(across, down) >= _MIN_CROSSINGS:
        return erase(image, cv2.bitwise_or(across, down)), _TABLE_PSM
    return image, _LAYOUT_PSM


def flat_field(gray: np.ndarray) -> np.ndarray:
    """`gray` divided by its local paper brightness, so the paper is evenly light everywhere."""
    small = shrink(gray, _PAPER_SCALE)
    close = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_PAPER_CLOSE_PX, _PAPER_CLOSE_PX))
    paper = cv2.GaussianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, close), (0, 0), _PAPER_SIGMA)
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return np.clip(gray.astype(np.float32) / np.maximum(paper, 1.0) * _PAPER_LEVEL, 0, 255).astype(np.uint8)


def rules(gray: np.ndarray, min_length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical lines longer than any character stroke (table rules, borders), widened a little."""
    ink = ink_mask(gray, _RULE_INK)
    length = min_length or max(_MIN_RULE_PX, min(gray.shape) // _SIDE_PER_RULE)
    widen = cv2.getStructuringElement(cv2.MORPH_RECT, _RULE_WIDEN)
    across = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    down = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return cv2.dilate(across, widen), cv2.dilate(down, widen)


def rule_mask(gray: np.ndarray, min_length: int | None = None) -> np.ndarray:
    """Every rule of `rules()` in one mask."""
    across, down = rules(gray, min_length)
    return cv2.bitwise_or(across, down)


def crossings(across: np.ndarray, down: np.ndarray) -> int:
    """How many places a horizontal rule meets a vertical one."""
    count, _ = cv2.connectedComponents(cv2.bitwise_and(across, down))
    return count - 1


def erase(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`gray` with the masked pixels replaced by the surrounding paper."""
    paper = cv2.medianBlur(gray, _ERASE_MEDIAN_PX)
    return np.where(mask > 0, paper, gray).astype(np.uint8)
