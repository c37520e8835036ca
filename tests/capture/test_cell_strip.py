"""A row's cells read once more side by side as one line (desk.capture.cell_strip), on handwritten digits."""

from __future__ import annotations

import random

import cv2
import numpy as np

from desk.capture import cell_strip, digit_boxes
from tests.capture import id_pages
from tests.docgen.sheet import Sheet


def _written(char: str, rng: random.Random) -> np.ndarray:
    """`char` written by pen in a 7 × 9 mm box, cut to its ink with a margin (as digit_boxes cuts a cell)."""
    sheet = Sheet(7, 9, dpi=300)
    id_pages.handwritten(sheet, char, (0, 0, sheet.px(7), sheet.px(9)), rng, ink=(30, 30, 90))
    gray = cv2.cvtColor(np.asarray(sheet.image.convert("RGB")), cv2.COLOR_RGB2GRAY)
    ys, xs = np.nonzero(gray < 128)
    crop = gray[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    framed = cv2.copyMakeBorder(crop, 6, 6, 6, 6, cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(framed, cv2.COLOR_GRAY2BGR)


def test_each_cell_is_read_at_its_own_place_in_the_line_and_an_empty_cell_is_none():
    rng = random.Random(5)
    number = "11010519491231002X"
    crops = [None if n == 6 else _written(char, rng) for n, char in enumerate(number)]
    recogniser, columns = digit_boxes._recogniser()
    read = cell_strip.read_in_line(crops, recogniser, columns)
    assert len(read) == len(number)
    assert read[6] is None
    best = "".join("?" if scores is None else max(scores, key=scores.get) for scores in read)
    # neighbours must not leak into a cell: repeated digits (11, 00) and the X at the end keep their places
    wrong = [n for n, (got, char) in enumerate(zip(best, number)) if n != 6 and got != char]
    assert len(wrong) <= 1, (best, number)
