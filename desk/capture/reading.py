"""What an OCR engine hands back, whichever engine read the page: lines and words with boxes.

The seam between the capture recipe and the engines (as OCRmyPDF's `OcrEngine` and Paperless's
parser protocol): an engine takes a page image and returns a `Reading`. Boxes are in the pixels of
the image the engine was given (`PageResult.ocr_input`), so the archive's hit highlighting and the
searchable PDF's text layer can place every word where it is printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

Box = tuple[int, int, int, int]  # left, top, width, height
# One character's readings as the engine weighed them: (character, probability), most probable first.
Choices = tuple[tuple[str, float], ...]

_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+|[ \t]+(?=[{_CJK}])")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# Two segments are on one printed row when their vertical extents overlap by this share of the
# lower one's height (skew is already removed; labels and values of a form share a row).
_SAME_ROW_OVERLAP = 0.5


@dataclass
class Word:
    """One recognised word (a Chinese character, or a run of Latin letters and digits), confidence 0–100."""

    text: str
    box: Box
    confidence: float
    line: tuple[int, int, int]  # (block, paragraph, line): words sharing it are one printed line


@dataclass
class Line:
    """One printed line: its text, its box, and its words left to right.

    `choices`, where the engine gives them, holds for each character of `text` the engine's best
    readings with their probabilities (the first is the character read), so a reading that fails a
    check (an ID number's check character) can be mended with the engine's own second choice.
    `id_steps`, for such a line that does not read as an ID number, holds the recogniser's probabilities
    per step of the blank, the digits and X with the line read again stretched (`id_decoding.id_steps`),
    so a number misread or read a digit short can be decoded again.
    """

    text: str
    box: Box
    confidence: float
    words: list[Word] = field(default_factory=list)
    choices: list[Choices] = field(default_factory=list)
    id_steps: np.ndarray | None = None

    @property
    def height(self) -> int:
        """Text height in pixels (the box's height: one line of characters)."""
        return self.box[3]


@dataclass
class Reading:
    """A page as an engine read it: text in reading order, its lines, the engine's name, mean confidence."""

    text: str = ""
    lines: list[Line] = field(default_factory=list)
    confidence: float = 0.0
    timed_out: bool = False
    engine: str = ""

    @property
    def words(self) -> list[Word]:
        """Every word of every line, in reading order."""
        return [word for line in self.lines for word in line.words]


class OcrEngine(Protocol):
    """One OCR engine behind the seam."""

    name: str

    def read(self, image: np.ndarray, *, languages: str, timeout_s: float) -> Reading:
        """Read a grey or BGR page image."""
        ...

    def problems(self, languages: str) -> list[str]:
        """What keeps this engine from reading `languages` here (a missing binary, model or language)."""
        ...


def remove_cjk_spaces(text: str) -> str:
    """Drop the spaces engines put between Chinese characters (and between them and Latin text)."""
    return _SPACE_NEXT_TO_CJK.sub("", text)


def is_latin_text(text: str, *, min_letters: int = 40) -> bool:
    """True for a page of Latin-script text (English) with next to no Chinese in it."""
    letters = len(_LATIN_LETTER.findall(text))
    return letters >= min_letters and len(_CJK_CHAR.findall(text)) < 0.02 * letters


def printed_rows(lines: list[Line]) -> list[list[Line]]:
    """Text segments grouped into printed rows, top to bottom, each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: item.box[1] + item.box[3] / 2):
        row = next((r for r in rows if _same_row(r, line)), None)
        if row is None:
            rows.append([line])
        else:
            row.append(line)
    for row in rows:
        row.sort(key=lambda item: item.box[0])
    rows.sort(key=lambda r: min(item.box[1] for item in r))
    return rows


def _same_row(row: list[Line], line: Line) -> bool:
    top = min(item.box[1] for item in row)
    bottom = max(item.box[1] + item.box[3] for item in row)
    overlap = min(bottom, line.box[1] + line.box[3]) - max(top, line.box[1])
    return overlap >= _SAME_ROW_OVERLAP * min(line.box[3], bottom - top)


def union_box(boxes: list[Box]) -> Box:
    """The smallest box holding every box of `boxes`."""
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[0] + b[2] for b in boxes)
    bottom = max(b[1] + b[3] for b in boxes)
    return left, top, right - left, bottom - top


def mean_confidence(words: list[Word]) -> float:
    """Mean word confidence weighted by word length (a stray one-letter word counts little)."""
    if not words:
        return 0.0
    weights = np.array([len(w.text) for w in words], dtype=np.float64)
    values = np.array([w.confidence for w in words])
    return float(np.dot(weights, values) / weights.sum())
