"""A short piece of page text around the first hit, with every hit in it marked."""

from __future__ import annotations

from desk.archive.query_parser import Term
from desk.security.masking import mask_numbers_in_text

OPEN, CLOSE = "【", "】"


def _spans(text: str, terms: tuple[Term, ...]) -> list[tuple[int, int]]:
    spans = sorted(
        match.span() for term in terms for match in term.pattern().finditer(text) if match.end() > match.start()
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def make_snippet(text: str, terms: tuple[Term, ...], *, width: int = 80, mark: tuple[str, str] = (OPEN, CLOSE)) -> str:
    """About `width` characters of `text` (one line) around the first hit, hits wrapped in `mark`.

    Hits are found in the full text (an ID number is searchable) but shown masked.
    """
    flat = " ".join(text.split())
    spans = _spans(flat, terms)
    flat = mask_numbers_in_text(flat)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    end = min(len(flat), start + width)
    pieces, cursor = [], start
    for span_start, span_end in spans:
        if span_start < start or span_start >= end:
            continue
        span_end = min(span_end, end)
        pieces += [flat[cursor:span_start], mark[0], flat[span_start:span_end], mark[1]]
        cursor = span_end
    pieces.append(flat[cursor:end])
    return ("…" if start > 0 else "") + "".join(pieces) + ("…" if end < len(flat) else "")
