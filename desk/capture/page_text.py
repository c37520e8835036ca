"""A page's text as the classifier reads it: segments in printed rows, and the title.

The title is what a reader looks at first: the largest text near the top of the page. An engine
may split it into segments (wide letter-spacing) or over two rows (a hospital's name above
诊断证明书), so title rows are joined, one by one and in pairs. Text without boxes (a PDF's text
layer) has no sizes: its first short lines stand for the title.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from desk.capture.keywords import normalize
from desk.capture.reading import Box, Line, Reading, printed_rows

TOP_SHARE = 0.4  # the title sits in this top share of the page's text
TITLE_SIZE = 1.25  # a title's text is at least this much higher than the body text...
TITLE_NEAR_LARGEST = 0.8  # ...and nearly as high as the largest text near the top
TEXT_TITLE_SEGMENTS = 3  # without sizes: the first segments of the page may hold its title
_MAX_TITLE_CHARS = 30
# running text: a long segment holding a sentence (sentence punctuation, or a long run of characters)
_RUNNING_MIN_CHARS = 14
_SENTENCE_MARK = re.compile(r"[,，。;；]")
_LONG_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{12,}")
_READABLE = re.compile(r"[\u4e00-\u9fffA-Z0-9]")


@dataclass(frozen=True)
class Segment:
    """One piece of text the engine found (a label, a value, a line of a paragraph), normalised."""

    text: str
    row: int  # printed row, top to bottom
    box: Box | None = None

    @property
    def running_text(self) -> bool:
        """True for a sentence of running text rather than a label, a value or a heading."""
        return len(self.text) >= _RUNNING_MIN_CHARS and bool(
            _SENTENCE_MARK.search(self.text) or _LONG_CJK_RUN.search(self.text)
        )


@dataclass(frozen=True)
class PageText:
    """Segments, the title strings, each row's text (spaces kept), all text, and the page size if known."""

    segments: tuple[Segment, ...]
    titles: tuple[str, ...]
    title_segments: frozenset[int]  # indices into `segments` of the title's pieces
    rows: tuple[str, ...]
    text: str
    size: tuple[int, int] | None = None  # width, height in pixels
    title_by_size: bool = False  # the title stands out by its size (else it is the page's first text)

    @property
    def boxes(self) -> list[Box]:
        """The boxes of every segment that has one."""
        return [segment.box for segment in self.segments if segment.box is not None]


def from_reading(reading: Reading, size: tuple[int, int] | None = None) -> PageText:
    """The page of an engine's reading; a reading without lines is read as plain text."""
    lines = [line for line in reading.lines if _READABLE.search(normalize(line.text))]
    if not lines:
        return from_text(reading.text, size)
    rows = printed_rows(lines)
    segments = tuple(Segment(normalize(line.text), number, line.box) for number, row in enumerate(rows) for line in row)
    title_rows, by_size = _title_rows(rows)
    pieces = [index for index, segment in enumerate(segments) if segment.row in title_rows and _may_be_title(segment)]
    titles = _title_strings(
        ["".join(segments[index].text for index in pieces if segments[index].row == number) for number in title_rows]
    )
    row_texts = tuple(" ".join(_fold(line.text) for line in row) for row in rows)
    return PageText(segments, titles, frozenset(pieces), row_texts, reading.text, size, by_size)


def from_text(text: str, size: tuple[int, int] | None = None) -> PageText:
    """The page of plain text: each line a row, its space-separated pieces its segments."""
    rows = [line for line in text.splitlines() if line.strip()]
    segments = tuple(
        Segment(normalize(piece), number, None)
        for number, row in enumerate(rows)
        for piece in row.split()
        if normalize(piece)
    )
    firsts = [index for index, segment in enumerate(segments) if _may_be_title(segment)][:TEXT_TITLE_SEGMENTS]
    titles = _title_strings([segments[index].text for index in firsts])
    return PageText(segments, titles, frozenset(firsts), tuple(_fold(row) for row in rows), text, size)


def _title_rows(rows: list[list[Line]]) -> tuple[list[int], bool]:
    """The rows holding the title, and whether they stand out by size: the largest text in the top
    part of the page's text if any stands out, otherwise the first two rows (a form printed in one
    size still starts with its title). The text's own extent, not the image's, marks the page: a
    page not found sits anywhere in the frame."""
    lines = [line for row in rows for line in row]
    top = min(line.box[1] for line in lines)
    bottom = max(line.box[1] + line.box[3] for line in lines)
    limit = top + TOP_SHARE * (bottom - top)
    body = _body_height(lines)
    near_top = [line.height for line in lines if line.box[1] + line.box[3] / 2 <= limit]
    least = max(TITLE_SIZE * body, TITLE_NEAR_LARGEST * max(near_top, default=0))
    chosen = [
        number
        for number, row in enumerate(rows)
        if any(line.height >= least and line.box[1] + line.box[3] / 2 <= limit for line in row)
    ]
    return (chosen, True) if chosen else (list(range(min(2, len(rows)))), False)


def _body_height(lines: list[Line]) -> float:
    """The text height most characters are printed in (median weighted by characters)."""
    heights = np.repeat([line.height for line in lines], [max(1, len(normalize(line.text))) for line in lines])
    return float(np.median(heights))


def _may_be_title(segment: Segment) -> bool:
    """A title is short and no sentence (the first row of a page without a title may be a clause)."""
    return bool(_READABLE.search(segment.text)) and len(segment.text) <= _MAX_TITLE_CHARS and not segment.running_text


def _title_strings(rows: list[str]) -> tuple[str, ...]:
    """Each title row, and each row joined to the next (a title printed over two rows)."""
    rows = [row for row in rows if row]
    pairs = [rows[i] + rows[i + 1] for i in range(len(rows) - 1)]
    return tuple(dict.fromkeys(rows + pairs))


def _fold(text: str) -> str:
    """Full-width forms folded (NFKC), spaces kept: digits printed in groups stay apart from labels."""
    return unicodedata.normalize("NFKC", text).upper()
