"""Which way up: the clockwise turn (0/90/180/270) that uprights a deskewed page.

First whether the text lines run across or down the page (projection profiles: cheap and reliable
once deskewed), then which of the two remaining turns reads better: Tesseract's word confidences
on a strip of a few text lines, read both ways up. Tesseract's OSD is unreliable on Chinese forms
(wrong on a third of generated counter documents), so it only breaks a tie on pages with little text.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from desk.capture import engine_rapidocr, engine_tesseract, ocr_input
from desk.capture.image_scale import downscale, shrink
from desk.capture.ink import InkThreshold, ink_mask
from desk.capture.polarity import dark_on_light
from desk.capture.skew import without_wavy_lines

_OSD_SIDE = 1800  # OSD is slow on full-resolution pages and no better
# Lines are found on a copy whose long side is 1000 px: an A4 page at 3.4 px/mm, body text about
# 12 px tall, still a clear row of ink; a text line's direction needs no more.
_INK_SIDE = 1000
# Ink at that copy: the block (25 px, 7.4 mm of A4: two characters' height) holds paper around a
# bold heading's strokes too; 15 grey levels keep clear print only, as for the skew.
_INK = InkThreshold(block_px=25, offset=15)
# Ink this close to the page's edges (share of its side; 6 mm of A4) is left out of the lines' direction
_MARGIN_SHARE = 0.03
_MIN_INK_PX = 200  # fewer ink pixels on the copy (a few specks, a signature's tail): a blank page
# A row of the copy belongs to a text line when this share of its width is ink (at least 3 px):
# the gaps between lines hold a speck or a descender at most.
_LINE_ROW_SHARE, _MIN_LINE_ROW_PX = 0.01, 3
_MIN_LINE_PX = 4  # a shorter run of rows is a rule's remains or a row of dots, not text
_TYPICAL_HEIGHT = (0.6, 1.6)  # × the median line height: ordinary text lines, not titles or fine print
_BAND_PAD = 0.3  # × the median line height above and below the strip: ascenders and descenders stay whole
_BAND_MAX_PX = 1600  # the strip's width once scaled: about 44 characters at 36 px, plenty to read
_WIDTH_PER_RULE, _MIN_RULE_PX = 25, 15  # a straight line of 1/25 of the copy's width (at least 15 px) is a rule
_BLOCK_PSM = 6  # Tesseract's "one uniform block of text": the strip and its turned copy, line by line
_NEUTRAL_CONFIDENCE = 50.0  # Tesseract's word confidence (0..100): a word above counts for its half, below against
_BAND_LINE_PX = 36  # text height in the strip read both ways up: plenty for Tesseract, and fast
_BAND_LINES = 4  # text lines in that strip
_BAND_RULE_LINES = 4  # a straight line at least this many text heights long in the strip is a rule
_MIN_READING_MARGIN = 40.0  # reading-score difference that decides between a page and its 180° turn
# the same for PP-OCR's scores (sum of (confidence − 0.5) × length): about eight confidently read
# characters more one way up than the other
_MIN_PP_OCR_MARGIN = 4.0


@dataclass
class Orientation:
    """The clockwise turn that uprights the page, how sure we are and who decided."""

    rotation: int
    confidence: float
    method: str  # "profile+ocr", "osd" (tie-break), "profile" (undecided: kept as found) or "blank"


def detect_orientation(
    gray: np.ndarray, *, languages: str, timeout_s: float, engine: str = engine_tesseract.NAME
) -> Orientation:
    """The cardinal turn for a deskewed page (grey); `engine` reads the strip both ways up."""
    gray = dark_on_light(gray)  # light print on a dark card reads like ink on paper once negative
    ink = _ink(gray)
    if int(np.count_nonzero(ink)) < _MIN_INK_PX:
        return Orientation(0, 0.0, "blank")
    inner = _inside_margin(ink)
    across = _line_sharpness(inner) >= _line_sharpness(inner.T)
    level = gray if across else cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
    band = _text_band(level)
    first, second = (0, 180) if across else (90, 270)
    if band is not None:
        if engine == engine_rapidocr.NAME:
            upright_score, flipped_score = _pp_ocr_scores(band)
            needed = _MIN_PP_OCR_MARGIN
        else:
            upright_score, flipped_score = _tesseract_scores(band, languages, timeout_s)
            needed = _MIN_READING_MARGIN
        margin = abs(upright_score - flipped_score)
        if margin >= needed:
            return Orientation(first if upright_score > flipped_score else second, margin, "profile+ocr")
    osd = _osd(gray, timeout_s)  # the band did not decide (little text): ask Tesseract's OSD
    if osd is not None and osd[0] in (first, second):
        return Orientation(osd[0], osd[1], "osd")
    return Orientation(first, 0.0, "profile")


def turn_clockwise(image: np.ndarray, rotation: int) -> np.ndarray:
    """`image` turned clockwise by `rotation` (0/90/180/270) degrees."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[rotation]) if rotation in codes else image


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink (1) of the `_INK_SIDE` copy of `gray`, for counting by rows and columns."""
    return ink_mask(downscale(gray, _INK_SIDE)[0], _INK, on=1)


def _inside_margin(ink: np.ndarray) -> np.ndarray:
    """`ink` without a `_MARGIN_SHARE` strip along each edge.

    A flattened page's edges can hold what lay just outside its outline (the desk, the paper's own
    edge, a shadow): a line the whole height of the page, which outweighs a few rows of small text
    and would make the text look as if it ran down the page.
    """
    height, width = ink.shape
    top, side = int(_MARGIN_SHARE * height), int(_MARGIN_SHARE * width)
    return ink[top : height - top, side : width - side]


def _line_sharpness(ink: np.ndarray) -> float:
    rows = ink.sum(axis=1).astype(np.float64)
    return float(np.dot(rows, rows)) / max(float(rows.sum()), 1.0)


def _osd(gray: np.ndarray, timeout_s: float) -> tuple[int, float] | None:
    small, _ = downscale(gray, _OSD_SIDE)
    try:
        return engine_tesseract.osd(small, timeout_s=timeout_s)  # None: too little text for OSD
    except engine_tesseract.OcrTimeout:
        return None  # undecided: the caller keeps the page as found


def _text_band(level: np.ndarray) -> np.ndarray | None:
    """A strip of a few ordinary text lines from the middle of a page whose lines run across, scaled for OCR."""
    small, scale = downscale(level, _INK_SIDE)
    ink = ink_mask(small, _INK, on=1)
    ink = without_wavy_lines(_without_rules(ink))  # a card's or a certificate's wavy pattern is no text line
    rows = ink.sum(axis=1) > max(_MIN_LINE_ROW_PX, _LINE_ROW_SHARE * ink.shape[1])
    lines = _runs(rows)
    lines = [(a, b) for a, b in lines if b - a >= _MIN_LINE_PX]
    if not lines:
        return None
    heights = np.array([b - a for a, b in lines])
    low, high = _TYPICAL_HEIGHT
    typical = [line for line, h in zip(lines, heights) if low * np.median(heights) <= h <= high * np.median(heights)]
    chosen = _most_written(typical or lines, ink)
    top, bottom = chosen[0][0], chosen[-1][1]
    pad = int(_BAND_PAD * np.median(heights))
    band = level[int(max(0, top - pad) / scale) : int(min(small.shape[0], bottom + pad) / scale)]
    line_height = float(np.median(heights)) / scale
    fit = min(1.0, _BAND_LINE_PX / max(line_height, 1.0))
    band = shrink(band, fit)
    if band.shape[1] > _BAND_MAX_PX:
        left = (band.shape[1] - _BAND_MAX_PX) // 2
        band = band[:, left : left + _BAND_MAX_PX]
    return _erase_rules(np.ascontiguousarray(band))


def _most_written(lines: list[tuple[int, int]], ink: np.ndarray) -> list[tuple[int, int]]:
    """The run of `_BAND_LINES` neighbouring lines holding the most separate marks (letters).

    A card has a handful of lines with a pattern or a chip between them, which read as nothing
    either way up; among equally written runs the one nearest the page's middle is taken.
    """
    count, _, _, centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    rows = centres[1:count, 1]
    marks = [int(np.count_nonzero((rows >= a) & (rows < b))) for a, b in lines]
    size = min(_BAND_LINES, len(lines))
    middle = (len(lines) - size) / 2
    windows = range(len(lines) - size + 1)
    start = max(windows, key=lambda i: (sum(marks[i : i + size]), -abs(i - middle)))
    return lines[start : start + size]


def _erase_rules(band: np.ndarray) -> np.ndarray:
    """The band with table rules painted over in the paper's colour: Tesseract reads them as junk."""
    return ocr_input.erase(band, ocr_input.rule_mask(band, min_length=_BAND_RULE_LINES * _BAND_LINE_PX))


def _without_rules(ink: np.ndarray) -> np.ndarray:
    """`ink` without long straight lines (table rules, borders), which would merge text lines into one."""
    length = max(_MIN_RULE_PX, ink.shape[1] // _WIDTH_PER_RULE)
    across = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    down = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return cv2.subtract(ink, cv2.bitwise_or(across, down))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _pp_ocr_scores(band: np.ndarray) -> tuple[float, float]:
    """How well PP-OCR reads the strip as it is and turned 180° (its own line flipping off).

    On Chinese forms with handwriting and digit boxes Tesseract's scores often tie where PP-OCR's
    differ by tens of characters (generated held-out forms turned 180°).
    """
    return engine_rapidocr.reading_score(band), engine_rapidocr.reading_score(cv2.rotate(band, cv2.ROTATE_180))


def _tesseract_scores(band: np.ndarray, languages: str, timeout_s: float) -> tuple[float, float]:
    """How well the strip reads as it is and turned 180°, in one Tesseract run (it starts slowly).

    Score: sum over words of (confidence − 50) × length, so real words count for and junk against.
    0 for both when Tesseract runs out of time (undecided).
    """
    try:
        return _tesseract_reading(band, languages, timeout_s)
    except engine_tesseract.OcrTimeout:
        return 0.0, 0.0


def _tesseract_reading(band: np.ndarray, languages: str, timeout_s: float) -> tuple[float, float]:
    gap = np.full((band.shape[0], band.shape[1]), int(np.median(band)), np.uint8)
    stacked = np.vstack([band, gap, cv2.rotate(band, cv2.ROTATE_180)])
    words = engine_tesseract.read_words(stacked, languages=languages, timeout_s=timeout_s, psm=_BLOCK_PSM)
    scores = [0.0, 0.0]
    for word in words:
        middle = word.box[1] + word.box[3] / 2
        half = 0 if middle < 1.5 * band.shape[0] else 1  # the gap is as tall as the strip: 1.5 strips is its middle
        scores[half] += (word.confidence - _NEUTRAL_CONFIDENCE) * len(word.text)
    return scores[0], scores[1]
