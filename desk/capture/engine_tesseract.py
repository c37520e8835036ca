"""Tesseract behind the OCR seam: every call to the `tesseract` program goes through this module.

Each call runs its own `tesseract` process with its own environment: one thread
(`OMP_THREAD_LIMIT=1`), because parallelism comes from one page per worker process, which scales
better than Tesseract's threads. A call that runs past its time limit raises `OcrTimeout`, one that
fails raises `TesseractFailed`: types, not messages, say what went wrong.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from functools import lru_cache

import cv2
import numpy as np

from desk.capture.reading import Line, Reading, Word, mean_confidence, remove_cjk_spaces, union_box

NAME = "tesseract"
_ENVIRONMENT = {"OMP_THREAD_LIMIT": "1"}


class OcrTimeout(RuntimeError):
    """Tesseract took longer than the per-page limit."""


class TesseractFailed(RuntimeError):
    """Tesseract ended with an error (bad input, a missing language, too little text for OSD)."""


def run(image: np.ndarray, arguments: list[str], *, timeout_s: float) -> str:
    """Tesseract's standard output for `image` (grey or BGR) read with `arguments`."""
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise TesseractFailed("the image could not be encoded")
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", *arguments],
            input=png.tobytes(),
            capture_output=True,
            timeout=timeout_s,
            env={**os.environ, **_ENVIRONMENT},
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrTimeout(f"tesseract ran longer than {timeout_s:g} s") from exc
    if done.returncode != 0:
        raise TesseractFailed(done.stderr.decode("utf-8", "replace").strip())
    return done.stdout.decode("utf-8", "replace")


def read_words(image: np.ndarray, *, languages: str, timeout_s: float, psm: int = 3) -> list[Word]:
    """Every word Tesseract finds in `image`, with its box, confidence and (block, paragraph, line)."""
    tsv = run(image, ["-l", languages, "--psm", str(psm), "tsv"], timeout_s=timeout_s)
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        confidence = float(row.get("conf") or -1)
        if confidence < 0 or not text:
            continue
        box = (int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]))
        line = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        words.append(Word(text=text, box=box, confidence=confidence, line=line))
    return words


def osd(image: np.ndarray, *, timeout_s: float) -> tuple[int, float] | None:
    """Tesseract's orientation guess (clockwise turn that uprights, confidence); None with too little text."""
    try:
        out = run(image, ["--psm", "0", "-c", "min_characters_to_try=5"], timeout_s=timeout_s)
    except TesseractFailed:
        return None
    values = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    try:
        return int(values["Rotate"].strip()) % 360, float(values["Orientation confidence"].strip())
    except (KeyError, ValueError):
        return None


class TesseractEngine:
    """Tesseract 5 (LSTM) reading a page with the page-segmentation mode it is given."""

    name = NAME

    def __init__(self, psm: int = 3) -> None:
        self.psm = psm

    def read(self, image: np.ndarray, *, languages: str, timeout_s: float) -> Reading:
        """The page's words grouped into lines; an empty, timed-out reading when the time limit ran out."""
        try:
            words = read_words(image, languages=languages, timeout_s=timeout_s, psm=self.psm)
        except OcrTimeout:
            return Reading(timed_out=True, engine=NAME)
        lines = lines_of(words)
        return Reading(text=page_text(words), lines=lines, confidence=mean_confidence(words), engine=NAME)

    def problems(self, languages: str) -> list[str]:
        """A missing `tesseract` program or language."""
        if shutil.which("tesseract") is None:
            return ["tesseract: the program is not installed (Debian package tesseract-ocr)"]
        missing = [lang for lang in languages.split("+") if lang and lang not in installed_languages()]
        return [
            f"tesseract: language {lang} is not installed (tesseract-ocr-{lang.replace('_', '-')})" for lang in missing
        ]


@lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """The languages the installed Tesseract can read."""
    done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, timeout=30, check=False)
    listed = done.stdout.decode("utf-8", "replace").splitlines()[1:]  # the first line is a heading
    return frozenset(lang.strip() for lang in listed if lang.strip())


def lines_of(words: list[Word]) -> list[Line]:
    """Words grouped by Tesseract's line numbers, each line with its union box."""
    lines: list[Line] = []
    for word in words:
        if lines and lines[-1].words[-1].line == word.line:
            lines[-1].words.append(word)
        else:
            lines.append(Line(text="", box=word.box, confidence=0.0, words=[word]))
    for line in lines:
        line.text = remove_cjk_spaces(" ".join(w.text for w in line.words))
        line.box = union_box([w.box for w in line.words])
        line.confidence = mean_confidence(line.words)
    return lines


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
