"""Measures of capture quality: character error rate, skew and corner errors, ID-number recall.

Each function compares one system's output with the ground truth of one page; `Summary` folds
the per-page values of a kind of material into the figures the benchmark prints.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from desk.capture.id_numbers import is_valid

_WHITESPACE = re.compile(r"\s+")
_ID_RUN = re.compile(r"[0-9Xx]{18,}")
_SPACES = re.compile(r"[ \t\u3000]+")


def is_chinese(lang: str) -> bool:
    """True when the Tesseract language string of an item includes Chinese (`chi_sim`, `chi_sim+eng`…)."""
    return "chi" in lang


def normalize_text(text: str, lang: str) -> str:
    """Text as compared: NFKC (full-width forms to ASCII); Chinese ignores whitespace, others collapse it.

    Tesseract separates Chinese characters with spaces and line breaks fall anywhere in a table, so for
    Chinese only the characters count; in English a space separates words and counts once.
    """
    text = unicodedata.normalize("NFKC", text)
    if is_chinese(lang):
        return _WHITESPACE.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def cer(hypothesis: str, reference: str, lang: str) -> float:
    """Character error rate: edit distance over the reference length, after `normalize_text`."""
    ref, hyp = normalize_text(reference, lang), normalize_text(hypothesis, lang)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(hyp, ref) / len(ref)


def angle_error(measured: float, truth: float) -> float:
    """Absolute difference of two skew angles in degrees, folded into [0, 90] (a line has no direction)."""
    diff = (measured - truth) % 180.0
    return min(diff, 180.0 - diff)


def corner_error(found: Sequence[Sequence[float]], truth: Sequence[Sequence[float]], width: int, height: int) -> float:
    """Mean distance between corresponding corners over the image diagonal.

    Both lists run clockwise from the upright page's top-left corner, so a page found with the
    wrong starting corner scores as badly as it is wrong.
    """
    if len(found) != 4 or len(truth) != 4:
        raise ValueError("corner lists need four (x, y) points")
    distances = [math.dist(a, b) for a, b in zip(found, truth)]
    return statistics.fmean(distances) / math.hypot(width, height)


def id_numbers_in(text: str) -> set[str]:
    """Every resident ID number (valid check character and birth date) in `text`.

    Spaces inside a line are ignored (Tesseract splits digit groups); a longer run of digits is
    searched window by window, since two numbers on one line run together once spaces go.
    """
    compact = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    found = set()
    for run in _ID_RUN.finditer(compact):
        digits = run.group(0).upper()
        for start in range(len(digits) - 17):
            window = digits[start : start + 18]
            if window[:17].isdigit() and is_valid(window):
                found.add(window)
    return found


@dataclass(frozen=True)
class Summary:
    """Mean, max and count of a list of per-page values (None when there were none)."""

    mean: float | None
    max: float | None
    count: int

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Summary:
        """Summarize the non-None values."""
        kept = [v for v in values if v is not None]
        if not kept:
            return cls(None, None, 0)
        return cls(statistics.fmean(kept), max(kept), len(kept))

    @classmethod
    def combine(cls, parts: Iterable[Summary]) -> Summary:
        """One summary of the values behind `parts` (their means weighted by their counts)."""
        kept = [p for p in parts if p.count]
        if not kept:
            return cls(None, None, 0)
        known = [(p.mean, p.max, p.count) for p in kept if p.mean is not None and p.max is not None]
        assert len(known) == len(kept), "a summary of at least one value has a mean and a max (see `of`)"
        count = sum(n for _, _, n in known)
        return cls(sum(mean * n for mean, _, n in known) / count, max(peak for _, peak, _ in known), count)


def share(hits: Iterable[bool | None]) -> tuple[int, int]:
    """(successes, trials) over the non-None outcomes: pages found, types right, IDs recalled."""
    kept = [bool(h) for h in hits if h is not None]
    return sum(kept), len(kept)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator
