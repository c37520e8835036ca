"""A row of digit cells read once more as one line: each cell's writing set side by side, as in print.

PP-OCR's recogniser was trained on lines of text. A lone digit, padded into a square, is read well
when it is clear; a pale, blurred or half-hidden one is often left between two characters. The same
writing among its neighbours, at one height, is read by the recogniser as it reads a printed
number, and that second reading is often sure where the first was not (a 3 against an 8, a 7
against a 1). `digit_boxes` multiplies the two readings of each cell image: they see the same ink,
but in different company, and on generated forms the product reads numbers that either reading
alone leaves in doubt, and no wrong one (the figures are at `digit_boxes._SURE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np

# The height the recogniser reads lines at; every cell's writing is scaled to it.
_HEIGHT = 48
# White between two cells' writing (pixels at _HEIGHT): about one recogniser step, as between printed digits.
_GAP = 12
# An empty cell stands in the line as white this wide (pixels at _HEIGHT), so the neighbours do not touch.
_EMPTY_WIDTH = 24


def read_in_line(
    crops: Sequence[np.ndarray | None], recogniser: Any, columns: Mapping[str, list[int]]
) -> list[dict[str, float] | None]:
    """For each crop (a cell's writing on white, BGR; None for an empty cell), each character's
    probability at the step of the line where it is most probable within that crop's stretch of the line.

    `recogniser` is rapidocr's text recogniser; `columns` names, for each character, the alphabet
    indices whose probabilities count for it (the character and its look-alikes).
    """
    parts: list[np.ndarray] = []
    spans: list[tuple[int, int] | None] = []
    x = 0
    for crop in crops:
        if crop is None:
            parts.append(np.full((_HEIGHT, _EMPTY_WIDTH, 3), 255, np.uint8))
            spans.append(None)
            x += _EMPTY_WIDTH
        else:
            width = max(1, round(crop.shape[1] * _HEIGHT / crop.shape[0]))
            parts.append(cv2.resize(crop, (width, _HEIGHT), interpolation=cv2.INTER_AREA))
            spans.append((x, x + width))
            x += width
        parts.append(np.full((_HEIGHT, _GAP, 3), 255, np.uint8))
        x += _GAP
    line = np.hstack(parts)
    batch = recogniser.resize_norm_img(line, line.shape[1] / _HEIGHT)[np.newaxis].astype(np.float32)
    steps = recogniser.session(batch)[0][0]  # (steps, alphabet): softmax probabilities
    per_pixel = steps.shape[0] / line.shape[1]
    read: list[dict[str, float] | None] = []
    for span in spans:
        if span is None:
            read.append(None)
            continue
        first = int(span[0] * per_pixel)
        stretch = steps[first : max(first + 1, int(np.ceil(span[1] * per_pixel)))]
        read.append(best_steps(stretch, columns))
    return read


def best_steps(steps: np.ndarray, columns: Mapping[str, list[int]]) -> dict[str, float]:
    """Each character's probability (its `columns` summed) at the step of `steps` (steps × alphabet)
    where it is most probable: a cell holds one character, wherever in its stretch the recogniser puts it."""
    return {char: float(steps[:, cols].sum(axis=1).max()) for char, cols in columns.items()}
