"""Tesseract behind one module: words with boxes and confidences, page text, mean confidence.

Tesseract is told to use one thread (`OMP_THREAD_LIMIT=1`): parallelism comes from running one
page per worker process, which scales better than Tesseract's own threads.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np
import pytesseract

os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by every tesseract this process starts

_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+|[ \t]+(?=[{_CJK}])")


@dataclass
class Word:
    """One recognised word: text, box (left, top, width, height) in OCR-input pixels, confidence 0–100."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float
    line: tuple[int, int, int]  # (block, paragraph, line) as Tesseract numbered them


@dataclass
class OcrResult:
    """A page's text (CJK spaces removed), its words and their mean confidence."""

    text: str = ""
    words: list[Word] = field(default_factory=list)
    confidence: float = 0.0
    timed_out: bool = False


class OcrTimeout(RuntimeError):
    """Tesseract took longer than the per-page limit."""


def remove_cjk_spaces(text: str) -> str:
    """Drop the spaces Tesseract puts between Chinese characters (and between them and Latin text)."""
    return _SPACE_NEXT_TO_CJK.sub("", text)


def read_words(image: np.ndarray, *, languages: str, timeout_s: float, psm: int = 3) -> list[Word]:
    """Every word Tesseract finds in `image` (grey or BGR)."""
    try:
        data = pytesseract.image_to_data(
            image, lang=languages, config=f"--psm {psm}", output_type=pytesseract.Output.DICT, timeout=timeout_s
        )
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrTimeout(str(exc)) from exc
        raise
    words = []
    for i, text in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        if confidence < 0 or not text.strip():
            continue
        box = (int(data["left"][i]), int(data["top"][i]), int(data["width"][i]), int(data["height"][i]))
        line = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        words.append(Word(text=text.strip(), box=box, confidence=confidence, line=line))
    return words


def recognize(image: np.ndarray, *, languages: str, timeout_s: float, psm: int = 3) -> OcrResult:
    """OCR a whole page: text in reading order with line breaks, words, mean word confidence."""
    try:
        words = read_words(image, languages=languages, timeout_s=timeout_s, psm=psm)
    except OcrTimeout:
        return OcrResult(timed_out=True)
    return OcrResult(text=page_text(words), words=words, confidence=mean_confidence(words))


def page_text(words: list[Word]) -> str:
    """Words joined into lines, paragraphs separated by a blank line; CJK spacing removed."""
    lines: list[str] = []
    current: tuple[int, int, int] | None = None
    for word in words:
        if word.line != current:
            if current is not None and word.line[:2] != current[:2]:
                lines.append("")
            lines.append(word.text)
            current = word.line
        else:
            lines[-1] += " " + word.text
    return "\n".join(remove_cjk_spaces(line) for line in lines).strip()


def mean_confidence(words: list[Word]) -> float:
    """Mean word confidence weighted by word length (a stray one-letter word counts little)."""
    if not words:
        return 0.0
    weights = np.array([len(w.text) for w in words], dtype=np.float64)
    values = np.array([w.confidence for w in words])
    return float(np.dot(weights, values) / weights.sum())
