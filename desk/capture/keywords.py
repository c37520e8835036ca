"""Keywords found in text the way OCR reads it: exactly, or with a character or two misread.

OCR slips are mostly one character read as a look-alike (租赁 → 租货, 方 → 万), sometimes one
dropped or doubled; so a keyword matches a stretch of text within a small edit distance, allowed
by the keyword's length: a two-character keyword with one wrong character is another word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

_SPACE = re.compile(r"\s+")
# What may stand before a label at the start of a segment: punctuation, digits, and a clause or
# item number (第二条, 一、, (三)), so that 第二条 租赁期限 … still starts with its label.
_LEAD = re.compile(r"(?:[\W\d_]|第[一二三四五六七八九十百零〇\d]+[条章节款项]|[一二三四五六七八九十]+(?=[、.)]))*")
# What may stand between a label and its colon: closing brackets, or a short note in brackets (签字).
_TO_COLON = re.compile(r"[)\]】」』]*(?:\([^()]{0,6}\))?[:：]")
# A keyword misread by more than this share of its characters is not the keyword any more.
_CREDIT_PER_EDIT = 1.2


@dataclass(frozen=True)
class Hit:
    """Where `keyword` was found in a string, and how many characters were misread."""

    keyword: str
    start: int
    end: int
    edits: int = 0

    @property
    def credit(self) -> float:
        """1 for an exact match, less for each misread character (relative to the keyword's length)."""
        return max(0.0, 1.0 - _CREDIT_PER_EDIT * self.edits / len(self.keyword))

    def overlaps(self, other: Hit) -> int:
        """How many characters this hit shares with `other` (in the same string)."""
        return max(0, min(self.end, other.end) - max(self.start, other.start))

    def inside(self, other: Hit) -> bool:
        """True when this hit lies within `other` and `other` is longer."""
        return other.start <= self.start and self.end <= other.end and other.end - other.start > self.end - self.start


def normalize(text: str) -> str:
    """Text as keywords are compared: full-width forms folded (NFKC), no spaces, Latin in upper case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).upper()


def max_edits(length: int) -> int:
    """How many misread characters a keyword of `length` characters may carry and still be recognised."""
    if length <= 2:
        return 0
    return 1 if length <= 6 else 2


def exact_hits(text: str, keyword: str) -> list[Hit]:
    """Every place `keyword` stands in `text` exactly."""
    hits, start = [], text.find(keyword)
    while start >= 0:
        hits.append(Hit(keyword, start, start + len(keyword)))
        start = text.find(keyword, start + 1)
    return hits


def fuzzy_hit(text: str, keyword: str) -> Hit | None:
    """The closest stretch of `text` to `keyword` within the allowed misreadings, anywhere in `text`."""
    size, allowed = len(keyword), max_edits(len(keyword))
    if allowed == 0 or not _could_match(text, keyword, allowed):
        return None
    best: Hit | None = None
    for start in range(len(text)):
        for length in _lengths(size, allowed):
            window = text[start : start + length]
            if len(window) < length:
                break
            best = _better(best, keyword, start, window, allowed)
    return best


def fuzzy_hit_at(text: str, keyword: str, *, start: int | None = None, end: int | None = None) -> Hit | None:
    """The closest stretch of `text` to `keyword` that begins at `start` (or ends at `end`)."""
    size, allowed = len(keyword), max_edits(len(keyword))
    reach = (
        text[start : start + size + allowed] if start is not None else text[max(0, (end or 0) - size - allowed) : end]
    )
    if allowed == 0 or not _could_match(reach, keyword, allowed):
        return None
    best: Hit | None = None
    for length in _lengths(size, allowed):
        first = start if start is not None else (end or 0) - length
        if first < 0 or first + length > len(text):
            continue
        best = _better(best, keyword, first, text[first : first + length], allowed)
    return best


def label_start(segment: str) -> int:
    """Where a label would begin in `segment`: after leading punctuation and any clause number."""
    lead = _LEAD.match(segment)
    return lead.end() if lead else 0


def colon_ends(segment: str) -> list[int]:
    """Where a label before a colon may end: before the colon's closing brackets, and before a short
    bracketed note (出租人(甲方): → after 出租人)."""
    ends = []
    for colon in (match.start() for match in re.finditer("[:：]", segment)):
        end = colon
        while end > 0 and segment[end - 1] in ")]】」』":
            end -= 1
        ends.append(end)
        note = re.search(r"\([^()]{0,6}\)$", segment[:colon])
        if note:
            ends.append(note.start())
    return ends


def before_colon(segment: str, end: int) -> bool:
    """True when a colon follows position `end` (past closing brackets or a short bracketed note)."""
    return _TO_COLON.match(segment, end) is not None


def _lengths(size: int, allowed: int) -> list[int]:
    """Window lengths to try, the keyword's own length first (a substitution is the usual slip)."""
    return sorted(range(max(1, size - allowed), size + allowed + 1), key=lambda n: abs(n - size))


def _could_match(text: str, keyword: str, allowed: int) -> bool:
    """Cheap test: enough of the keyword's characters occur in `text` at all."""
    return sum(char in text for char in keyword) >= len(keyword) - allowed


def _better(best: Hit | None, keyword: str, start: int, window: str, allowed: int) -> Hit | None:
    edits = Levenshtein.distance(keyword, window, score_cutoff=allowed)
    if edits > allowed or (best is not None and edits >= best.edits):
        return best
    return Hit(keyword, start, start + len(window), edits)
