"""PP-OCRv4 (through rapidocr-onnxruntime) behind the OCR seam: the engine for Chinese pages.

The wheel ships the detection, direction and recognition models as ONNX files, so nothing is
downloaded at run time. ONNX Runtime is told to use one thread: as with Tesseract, the process
pool runs one page per core, which keeps both cores busy without threads fighting over them.
The model is loaded once per process (`warm_up` does it when a worker starts, so the first page
a clerk captures is not slowed by it).

RapidOCR returns text segments (a label, a value, a line of a paragraph) with a box and, asked
for, a box per character. Segments on one printed row are put together into one text line, as a
reader would; each keeps its own `Line`, so the boxes stay exact.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import util as import_util
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from desk.capture.reading import Box, Line, Reading, Word, mean_confidence, printed_rows, remove_cjk_spaces, union_box

NAME = "rapidocr"
# RapidOCR shrinks a page to this longest side before reading it: a 300-dpi A4 page comes down to
# about 170 dpi, where 10-point text is still ~25 px high (the recogniser reads 48-px-high crops)
# and detection takes seconds, not tens of seconds.
_MAX_SIDE_PX = 2000
# Text lines are found on the page shrunk to this longest side (10-point text ~15 px high, plenty for
# the detector), then read from the _MAX_SIDE_PX image.
_DETECT_SIDE_PX = 1280
# Text that touches the image's edge (a cropped line, a scan cut close) is not detected: the page is
# read with this much of its own edge repeated around it.
_MARGIN_PX = 32
_MODEL_FILES = ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx")


class RapidOcrEngine:
    """PP-OCRv4 detection + recognition (Chinese and Latin script in one model)."""

    name = NAME

    def read(self, image: np.ndarray, *, languages: str, timeout_s: float) -> Reading:
        """Segments with character boxes, grouped into rows. `languages` and `timeout_s` are not used:
        the one model reads Chinese and Latin script, and its work is bounded by `_MAX_SIDE_PX`."""
        found, _ = _model()(_framed(image), return_word_box=True)
        size = (image.shape[1], image.shape[0])
        segments = [_segment(item, _MARGIN_PX, size) for item in found or []]
        rows = printed_rows([segment for segment in segments if segment.text])
        lines = []
        for row_number, row in enumerate(rows, start=1):
            for segment_number, segment in enumerate(row, start=1):
                for word in segment.words:
                    word.line = (1, row_number, segment_number)
                lines.append(segment)
        text = "\n".join(remove_cjk_spaces(" ".join(segment.text for segment in row)) for row in rows)
        words = [word for line in lines for word in line.words]
        return Reading(text=text, lines=lines, confidence=mean_confidence(words), engine=NAME)

    def problems(self, languages: str) -> list[str]:
        """The package or one of its model files missing."""
        spec = import_util.find_spec("rapidocr_onnxruntime")
        if spec is None or spec.origin is None:
            return ["rapidocr: the package rapidocr-onnxruntime is not installed"]
        models = Path(spec.origin).parent / "models"
        return [f"rapidocr: model file {name} is missing" for name in _MODEL_FILES if not (models / name).is_file()]


def reading_score(image: np.ndarray) -> float:
    """How well `image` reads the way up it is: the sum over text segments of (confidence − 0.5) ×
    length, with PP-OCR's own turning of upside-down lines off. Used to tell a page from its 180° turn."""
    found, _ = _model()(_framed(image), use_cls=False)
    return float(sum((float(item[2]) - 0.5) * len(str(item[1])) for item in found or []))


def warm_up() -> None:
    """Load the models and run them once on a tiny image, so the first real page reads at full speed."""
    blank = np.full((64, 256, 3), 255, np.uint8)
    _model()(blank)


def _framed(image: np.ndarray) -> np.ndarray:
    return cv2.copyMakeBorder(image, _MARGIN_PX, _MARGIN_PX, _MARGIN_PX, _MARGIN_PX, cv2.BORDER_REPLICATE)


@lru_cache(maxsize=1)
def _model() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    model = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, max_side_len=_MAX_SIDE_PX)
    detector = model.text_det
    # RapidOCR 1.4 picks the detection size itself (2000 px for a page); at _DETECT_SIDE_PX it finds
    # the same lines in 60% of the time and 30% less memory (measured on generated A4 pages)
    detector.get_preprocess = lambda _longest: DetPreProcess(_DETECT_SIDE_PX, "max", detector.mean, detector.std)
    return model


def _segment(item: list, margin: int, size: tuple[int, int]) -> Line:
    """One RapidOCR result (quad, text, score, character quads, characters, character scores) as a Line,
    its boxes moved back by the `margin` added around the image and kept inside its `size` (w, h)."""
    quad, text, score = item[0], str(item[1]), float(item[2])
    char_quads, chars, char_scores = (item[3], item[4], item[5]) if len(item) >= 6 else ([], [], [])
    words = _words(list(zip(chars, [_box(q, margin, size) for q in char_quads], char_scores)))
    return Line(text=text.strip(), box=_box(quad, margin, size), confidence=100.0 * score, words=words)


def _words(chars: list[tuple[str, Box, float]]) -> list[Word]:
    """Characters merged into words: each Chinese character on its own, Latin letters and digits in runs."""
    words: list[Word] = []
    run: list[tuple[str, Box, float]] = []

    def close_run() -> None:
        if run:
            words.append(
                Word(
                    text="".join(c for c, _, _ in run),
                    box=union_box([b for _, b, _ in run]),
                    confidence=100.0 * float(np.mean([s for _, _, s in run])),
                    line=(1, 0, 0),
                )
            )
            run.clear()

    for char, box, score in chars:
        if char.isspace():
            close_run()
        elif (char.isascii() and char.isalnum()) or (run and char in ".-/:" and char.isascii()):
            run.append((char, box, score))
        else:
            close_run()
            words.append(Word(text=char, box=box, confidence=100.0 * float(score), line=(1, 0, 0)))
    close_run()
    return words


def _box(quad: Any, margin: int, size: tuple[int, int]) -> Box:
    points = np.clip(np.asarray(quad, dtype=np.float64).reshape(-1, 2) - margin, 0, size)
    left, top = np.floor(points.min(axis=0))
    right, bottom = np.ceil(points.max(axis=0))
    return int(left), int(top), int(right - left), int(bottom - top)
