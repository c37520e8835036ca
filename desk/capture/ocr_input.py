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

_MIN_CROSSINGS = 12  # rule crossings that make a page a ruled form (a table), not a page with a few lines


def prepare(gray: np.ndarray, *, camera: bool) -> tuple[np.ndarray, int]:
    """The OCR input for an upright, deskewed grey page and the Tesseract `--psm` to read it with."""
    image = flat_field(gray) if camera else gray
    across, down = rules(image)
    if crossings(across, down) >= _MIN_CROSSINGS:
        return erase(image, cv2.bitwise_or(across, down)), 4
    return image, 3


def flat_field(gray: np.ndarray) -> np.ndarray:
    """`gray` divided by its local paper brightness, so the paper is evenly light everywhere."""
    scale = 0.125
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15)))
    paper = cv2.GaussianBlur(paper, (0, 0), 3)
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return np.clip(gray.astype(np.float32) / np.maximum(paper, 1.0) * 245.0, 0, 255).astype(np.uint8)


def rules(gray: np.ndarray, min_length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical lines longer than any character stroke (table rules, borders), widened a little."""
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 10)
    length = min_length or max(80, min(gray.shape) // 12)
    widen = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
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
    paper = cv2.medianBlur(gray, 31)
    return np.where(mask > 0, paper, gray).astype(np.uint8)
