"""Smaller working copies of an image: the steps that need no full resolution run on these.

Finding the paper, the skew, the way up or the text height looks at shapes many pixels wide, and
a 5 MP photo or a 300 dpi page costs time without making them surer. Shrinking uses area
averaging (INTER_AREA), which keeps thin strokes as lighter lines instead of dropping them; an
image already small enough is returned as it is, never enlarged.
"""

from __future__ import annotations

import cv2
import numpy as np


def shrink(image: np.ndarray, factor: float) -> np.ndarray:
    """`image` scaled by `factor` when that makes it smaller; `image` itself otherwise."""
    if factor >= 1:
        return image
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def downscale(image: np.ndarray, longest_side: float) -> tuple[np.ndarray, float]:
    """`image` shrunk so its longer side is at most `longest_side` pixels, and the factor used (≤ 1).

    Coordinates found in the copy are divided by the factor to land on the original.
    """
    factor = min(1.0, longest_side / max(image.shape[:2]))
    return shrink(image, factor), factor
