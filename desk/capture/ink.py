"""Ink: the marks darker than the paper around them (print, handwriting, rules) as a binary mask.

Camera light is uneven, so the paper's own grey level changes across a page and a single global
threshold loses the darker end. Every ink finder of desk/capture therefore compares each pixel
with the mean of a square block around it. Two numbers say what counts as ink, and each caller
names its pair with the reason for it:

- `block_px`: the side of that square, in pixels of the image thresholded. It must be wider than
  the marks to be found (a character, a digit in its box): inside a mark narrower than the block
  the mean still includes paper, so the whole mark stays ink; a block only as wide as a thick
  stroke loses the stroke's middle. Odd, as OpenCV requires.
- `offset`: how many grey levels darker than that mean a pixel must be. Higher ignores paper
  grain, sensor and JPEG noise and the faint print showing through from the back; lower keeps
  pencil, thin grey rules and print softened by blur.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np


class InkThreshold(NamedTuple):
    """What counts as ink: darker by `offset` grey levels than the mean of a `block_px` square around it."""

    block_px: int
    offset: int


def ink_mask(gray: np.ndarray, threshold: InkThreshold, on: int = 255) -> np.ndarray:
    """Ink pixels of `gray` (uint8) as `on`, everything else 0."""
    return cv2.adaptiveThreshold(
        gray, on, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, threshold.block_px, threshold.offset
    )
