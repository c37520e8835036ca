"""PP-OCRv4 (through rapidocr-onnxruntime) behind the OCR seam: the engine for Chinese pages.

The wheel ships the detection, direction and recognition models as ONNX files, so nothing is
downloaded at run time. ONNX Runtime is told to use one thread: as with Tesseract, the process
pool runs one page per core, which keeps both cores busy without threads fighting over them.
The model is loaded once per process (`warm_up` does it when a worker starts, so the first page
a clerk captures is not slowed by it).

RapidOCR returns text segments (a label, a value, a line of a paragraph) with a box and, asked
for, a box per character. Segments on one printed row are put together into one text line, as a
reader would; each keeps its own `Line`, so the boxes stay exact. Its line direction classifier
turns a line upside down only when most of the page's lines are (`_PageWiseTurns`): the page
arrives upright, and a lone faint run of digits is not to be read turned.

RapidOCR decodes the recogniser's output greedily: at each step the most probable character, and a
character's probability is all it keeps. For lines that hold a long run of digits (an ID or card
number) the decoder here also keeps each character's runner-up readings (`Line.choices`), so a
number whose check character fails can be mended with the model's own second choice, not a guess;
and such a line that does not read as an ID number is read again stretched (`Line.id_steps`), so a
number misread or read a digit short can be decoded again as 18 characters (`id_decoding`).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import util as import_util
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from desk.capture import id_decoding, id_numbers
from desk.capture.reading import (
    Box,
    Choices,
    Line,
    Reading,
    Word,
    mean_confidence,
    printed_rows,
    remove_cjk_spaces,
    union_box,
)

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
# Choices are kept for lines with at least this many digits (an ID number has 17 or 18, a bank card
# 16-19): the numbers a check digit guards. Other lines would only carry them for nothing.
_CHOICE_MIN_DIGITS = 15
_KEPT_CHOICES = 3  # readings kept per character: the one read and its two runners-up
# Digit lines are read again this many times as wide for the ID decoding (`stretched_id_steps`): on 206
# small blurred typed ID lines (decoded alone) 1.5 gave 198 right numbers, 2.0 gave 190, unstretched 190.
_ID_STRETCH = 1.5
_MODEL_FILES = ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx")


class RapidOcrEngine:
    """PP-OCRv4 detection + recognition (Chinese and Latin script in one model)."""

    name = NAME

    def read(self, image: np.ndarray, *, languages: str, timeout_s: float) -> Reading:
        """Segments with character boxes, grouped into rows. `languages` and `timeout_s` are not used:
        the one model reads Chinese and Latin script, and its work is bounded by `_MAX_SIDE_PX`."""
        model = _model()
        decoder = model.text_rec.postprocess_op
        decoder.kept = []
        framed = _framed(image)
        try:
            found, _ = model(framed, return_word_box=True)
            choices = _choices_by_text(decoder.kept)
        finally:
            decoder.kept = None
        size = (image.shape[1], image.shape[0])
        segments = []
        for item in found or []:
            kept = choices.get(str(item[1]), [])
            # only a digit line that does not already read as an ID number is worth a second read
            fails = kept and not id_numbers.find_in_text(str(item[1]))
            id_steps = stretched_id_steps(framed, item[0]) if fails else None
            segments.append(_segment(item, _MARGIN_PX, size, kept, id_steps))
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
    model.text_rec.postprocess_op = _ChoiceKeepingDecoder(model.text_rec.postprocess_op)
    model.text_cls = _PageWiseTurns(model.text_cls)
    detector = model.text_det
    # RapidOCR 1.4 picks the detection size itself (2000 px for a page); at _DETECT_SIDE_PX it finds
    # the same lines in 60% of the time and 30% less memory (measured on generated A4 pages)
    detector.get_preprocess = lambda _longest: DetPreProcess(_DETECT_SIDE_PX, "max", detector.mean, detector.std)
    return model


def stretched_id_steps(framed: np.ndarray, quad: Any) -> np.ndarray:
    """The line in `quad` of `framed` read again _ID_STRETCH times as wide, as its steps' probabilities
    of the blank, the digits and X (`id_decoding.id_steps`).

    The recogniser reads a line scaled to 48 px high in steps 8 px apart: a small printed ID number
    gets two or three steps a digit, and two equal digits side by side ("00") need a blank step
    between them or they are read as one. Stretched, each digit gets half as many steps again.
    """
    model = _model()
    colour = framed if framed.ndim == 3 else cv2.cvtColor(framed, cv2.COLOR_GRAY2BGR)
    crop = model.get_crop_img_list(colour, [np.asarray(quad, dtype=np.float32)])[0]
    crop = cv2.resize(crop, None, fx=_ID_STRETCH, fy=1.0, interpolation=cv2.INTER_CUBIC)
    recogniser = model.text_rec
    batch = recogniser.resize_norm_img(crop, crop.shape[1] / crop.shape[0])[np.newaxis].astype(np.float32)
    steps = recogniser.session(batch)[0][0]
    return id_decoding.id_steps(steps, _id_columns())


@lru_cache(maxsize=1)
def _id_columns() -> list[list[int]]:
    """The recogniser's alphabet columns each kept ID column sums (`id_decoding.id_columns`)."""
    return id_decoding.id_columns(_model().text_rec.postprocess_op.character)


def _segment(
    item: list, margin: int, size: tuple[int, int], choices: list[Choices], id_steps: np.ndarray | None
) -> Line:
    """One RapidOCR result (quad, text, score, character quads, characters, character scores) as a Line,
    its boxes moved back by the `margin` added around the image and kept inside its `size` (w, h);
    `choices` are the decoder's per-character readings of the result's text (before stripping), and
    `id_steps` those of the line read again stretched (`stretched_id_steps`)."""
    quad, text, score = item[0], str(item[1]), float(item[2])
    char_quads, chars, char_scores = (item[3], item[4], item[5]) if len(item) >= 6 else ([], [], [])
    words = _words(list(zip(chars, [_box(q, margin, size) for q in char_quads], char_scores)))
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    kept = choices[lead : lead + len(stripped)] if len(choices) == len(text) else []
    return Line(
        text=stripped,
        box=_box(quad, margin, size),
        confidence=100.0 * score,
        words=words,
        choices=kept,
        id_steps=id_steps,
    )


class _PageWiseTurns:
    """PP-OCR's line direction classifier (`classifier`), overruled by the page: a line is turned
    upside down only when most of the page's lines are.

    The classifier looks at each line alone. On a faint or handwritten run of digits it can be sure a
    line is upside down when it is not (0, 1, 6, 8 and 9 turned are digits still), and the line turned
    reads as nonsense and is dropped. The page reaches the engine upright (the orientation step), so a
    lone turned line is the classifier's mistake; a page whose lines are mostly turned (orientation
    missed a quarter turn, and its crops were stood up the wrong way) is turned line by line as before.
    """

    def __init__(self, classifier: Any) -> None:
        self.classifier = classifier

    def __call__(self, crops: list[np.ndarray]) -> tuple[list[np.ndarray], list, float]:
        turned, verdicts, seconds = self.classifier(crops)
        # the classifier turns a crop when it reads it as upside down with more than its threshold
        flipped = sum("180" in label and score > self.classifier.cls_thresh for label, score in verdicts)
        if 2 * flipped > len(crops):
            return turned, verdicts, seconds
        return list(crops), verdicts, seconds


class _ChoiceKeepingDecoder:
    """RapidOCR's own greedy CTC decoder (`decoder`, called as before), which also keeps, while `kept`
    is a list, each decoded character's best readings for every line with a long digit run, as
    (text, choices) pairs."""

    def __init__(self, decoder: Any) -> None:
        self.decoder = decoder
        self.character: list[str] = decoder.character
        self.dict: dict[str, int] = decoder.dict
        self.kept: list[tuple[str, list[Choices]]] | None = None

    def __call__(self, preds: np.ndarray, return_word_box: bool = False, **kwargs: Any) -> list:
        results = self.decoder(preds, return_word_box, **kwargs)
        if self.kept is not None:
            for steps, result in zip(preds, results):
                text = str(result[0])
                if sum(c.isdigit() for c in text) >= _CHOICE_MIN_DIGITS:
                    self.kept.append((text, character_choices(steps, self.character)))
        return results


def character_choices(steps: np.ndarray, alphabet: list[str], keep: int = _KEPT_CHOICES) -> list[Choices]:
    """Per character the greedy CTC decoding reads from `steps` (steps × alphabet softmax, index 0 the
    blank), the character read and its runners-up, each with its highest probability over the steps
    the character spans and the blank steps on either side of them (where a faint rival often peaks).

    The characters line up one to one with RapidOCR's decoded text: a character is a run of equal
    non-blank best indices, as its decoder collapses them.
    """
    best = steps.argmax(axis=1)
    out: list[Choices] = []
    start = 0
    while start < len(best):
        end = start
        while end + 1 < len(best) and best[end + 1] == best[start]:
            end += 1
        if best[start] != 0:
            low = start - 1 if start > 0 and best[start - 1] == 0 else start
            high = end + 1 if end + 1 < len(best) and best[end + 1] == 0 else end
            peak = steps[low : high + 1].max(axis=0)
            read = int(best[start])
            peak[0] = peak[read] = -1.0  # neither the blank nor the character read is a runner-up
            rivals = np.argsort(peak)[::-1][: keep - 1]
            read_p = float(steps[start : end + 1, read].max())
            out.append(((alphabet[read], read_p), *((alphabet[i], float(peak[i])) for i in rivals)))
        start = end + 1
    return out


def _choices_by_text(kept: list[tuple[str, list[Choices]]]) -> dict[str, list[Choices]]:
    """The kept choices by the text they were decoded for; a text read twice with different choices
    has none (which line is which cannot be told)."""
    by_text: dict[str, list[Choices]] = {}
    clashing: set[str] = set()
    for text, choices in kept:
        if text in by_text and by_text[text] != choices:
            clashing.add(text)
        by_text[text] = choices
    return {text: choices for text, choices in by_text.items() if text not in clashing}


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
