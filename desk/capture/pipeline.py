"""The capture recipe, top-down: bytes in, pages out. Pure: no database, no UI.

    read → decode → for each page: detect the paper → flatten → deskew → upright →
    quality gate → OCR (or the PDF's own text layer) → classify → fields

Each step lives in its own module; this file only says in which order they run and what each
hands the next. Pages are decoded one at a time and handed on as they are done (`stream_file`),
so a long file never sits in memory as a whole; multi-page files run one page per worker process,
a few pages ahead of the caller.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from desk.capture import classify, engines, fields, orientation, page_detection, perspective, quality, skew
from desk.capture.image_scale import downscale
from desk.capture.inputs import open_pages, read_source
from desk.capture.options import CaptureOptions
from desk.capture.reading import Reading, remove_cjk_spaces
from desk.capture.results import PageResult
from desk.capture.source_pages import SourcePage

__all__ = [
    "CaptureOptions",
    "PageResult",
    "StreamedFile",
    "process_file",
    "process_image",
    "process_page",
    "stream_file",
]


@dataclass(frozen=True)
class StreamedFile:  # not a NamedTuple: its `count` would shadow tuple.count
    """The page count of a file (known before any page is processed) and its results, page by page."""

    count: int
    results: Iterator[PageResult]


def stream_file(source: str | Path | bytes, *, name: str, options: CaptureOptions | None = None) -> StreamedFile:
    """The pages of an image or PDF file, processed as they are asked for, in order.

    Bad and over-budget input raises `InputRefused` here, before any page is decoded; a page that
    turns out damaged raises it while iterating.
    """
    options = options or CaptureOptions()
    stream = open_pages(read_source(source, options), options)
    if stream.count == 1 or (options.workers or 2) == 1:
        return StreamedFile(stream.count, (process_page(page, name=name, options=options) for page in stream.pages))
    return StreamedFile(stream.count, _in_pool(stream.pages, name, options))


def process_file(source: str | Path | bytes, *, name: str, options: CaptureOptions | None = None) -> list[PageResult]:
    """Every page of an image or PDF file. Raises `InputRefused` (with a clerk-readable reason) for bad input."""
    return list(stream_file(source, name=name, options=options).results)


def process_image(bgr: np.ndarray, *, name: str = "frame", options: CaptureOptions | None = None) -> PageResult:
    """One camera frame (BGR array) through the pipeline."""
    if bgr.ndim == 2:
        bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
    return process_page(SourcePage(image=bgr, page=1, source_kind="image"), name=name, options=options)


def process_page(page: SourcePage, *, name: str, options: CaptureOptions | None = None) -> PageResult:
    """The recipe for one decoded page."""
    options = options or CaptureOptions()
    timer = _StepTimer()
    original = page.image
    camera = _is_camera_frame(page)
    with timer("detect_page"):
        outline = page_detection.detect_page(original)
    with timer("flatten"):
        flat = perspective.flatten(original, outline.corners, options.flat_dpi) if outline.found else original
        dpi = perspective.flat_resolution(outline.corners, options.flat_dpi) if outline.found else None
    with timer("deskew"):
        gray = cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)
        residual = skew.estimate_skew(gray)
        gray = skew.rotate(gray, residual)
    with timer("orientation"):
        turn = orientation.detect_orientation(
            gray,
            languages=options.ocr_languages,
            timeout_s=options.ocr_timeout_s,
            engine=engines.orientation_engine(options.ocr_engine, options.ocr_languages),
        )
        upright_gray = orientation.turn_clockwise(gray, turn.rotation)
        if turn.rotation in (90, 270):  # levelled through vertical text so far: level its lines now
            across = skew.estimate_skew(upright_gray, limit_deg=2.0)
            residual += across
            upright_gray = skew.rotate(upright_gray, across)
        upright = skew.rotate(orientation.turn_clockwise(flat, turn.rotation), residual)
    with timer("quality"):
        report = quality.assess(
            upright_gray,
            camera=camera,
            page_found=outline.found,
            frame_is_page=page_detection.border_is_paper(original),
            page_fraction=_area_fraction(outline.corners, original.shape),
            cut_off=outline.touches_border,
        )
    with timer("ocr"):
        ocr_image, text_source, read = _read_text(
            page, upright_gray, camera or outline.found, options, blank=turn.method == "blank"
        )
        if read.timed_out:
            report.problems.append("ocr_timeout")
    with timer("classify"):
        decided = classify.classify_page(read, upright_gray)  # same geometry as ocr_image, before its filtering
    with timer("fields"):
        found_fields = fields.extract_page(read, classify.fields_for(decided.doc_type), image=ocr_image)
    corners = _corners_from_upright_top_left(outline.corners, turn.rotation)
    skew_deg = residual + (perspective.in_plane_angle(corners, turn.rotation) if outline.found else 0.0)
    return PageResult(
        file=name,
        page=page.page,
        page_found=outline.found,
        corners=corners,
        rotation=turn.rotation,
        skew_deg=float(skew_deg),
        quality=report,
        doc_type=decided.doc_type,
        fields=found_fields,
        text=read.text,
        confidence=read.confidence,
        timings_ms=timer.finish(),
        original=original,
        flattened=upright,
        ocr_input=ocr_image,
        thumbnail=_thumbnail(upright, options.thumbnail_px),
        words=read.words,
        lines=read.lines,
        evidence=decided.evidence,
        text_source=text_source,
        engine=read.engine,
        language=options.language,
        dpi=dpi,
    )


def _read_text(
    page: SourcePage, upright_gray: np.ndarray, photographed: bool, options: CaptureOptions, *, blank: bool
) -> tuple[np.ndarray, str, Reading]:
    """The OCR input, where the text came from, and the text: the PDF's own text layer when it has
    one, else the OCR engine (unless OCR is switched off)."""
    if page.text_layer:
        text = remove_cjk_spaces(page.text_layer.strip())
        return upright_gray, "pdf_text_layer", Reading(text=text, confidence=100.0, engine="pdf_text_layer")
    if not options.run_ocr or blank:  # a page without ink has nothing to read
        return upright_gray, "none", Reading()
    image, read = engines.read_page(
        upright_gray,
        engine=options.ocr_engine,
        languages=options.ocr_languages,
        timeout_s=options.ocr_timeout_s,
        photographed=photographed,
    )
    return image, "ocr", read


def _in_pool(pages: Iterator[SourcePage], name: str, options: CaptureOptions) -> Iterator[PageResult]:
    """Pages through the process pool, a few ahead of the caller: enough to keep every worker busy,
    few enough that memory holds a handful of pages, not the file."""
    from desk.capture.pool import page_pool

    executor = page_pool(options.workers)
    ahead = 2 * (options.workers or os.cpu_count() or 1)
    in_flight: deque[tuple[SourcePage, Future]] = deque()
    try:
        for page in pages:
            in_flight.append((page, executor.submit(process_page, page, name=name, options=options)))
            if len(in_flight) >= ahead:
                yield _collected(*in_flight.popleft(), name, options)
        while in_flight:
            yield _collected(*in_flight.popleft(), name, options)
    finally:
        for _, future in in_flight:  # the caller stopped early (a refusal, a closed dialog): drop the rest
            future.cancel()


def _collected(page: SourcePage, future: Future, name: str, options: CaptureOptions) -> PageResult:
    """The worker's result for `page`; a dead worker raises `WorkerDied` (the pool is replaced)."""
    from desk.capture.pool import result_of

    # Tesseract enforces the per-page timeout itself; this backstop only catches a hung worker.
    backstop = 3 * options.ocr_timeout_s + 120
    try:
        return result_of(future, timeout=backstop)
    except FutureTimeout:
        future.cancel()
        return _timed_out(page, name, options)


def _timed_out(page: SourcePage, name: str, options: CaptureOptions) -> PageResult:
    report = quality.QualityReport(problems=["ocr_timeout"])
    height, width = page.image.shape[:2]
    gray = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY)
    return PageResult(
        file=name,
        page=page.page,
        page_found=False,
        corners=page_detection.frame_corners(width, height),
        rotation=0,
        skew_deg=0.0,
        quality=report,
        doc_type="other",
        fields=fields.extract(""),
        text="",
        confidence=0.0,
        timings_ms={},
        original=page.image,
        flattened=page.image,
        ocr_input=gray,
        thumbnail=_thumbnail(page.image, options.thumbnail_px),
        text_source="none",
        language=options.language,
    )


def _is_camera_frame(page: SourcePage) -> bool:
    """A photo from a camera (no scanner resolution in the file), as opposed to a scan or a PDF page."""
    return page.source_kind == "image" and page.dpi is None


def _corners_from_upright_top_left(corners: np.ndarray, rotation: int) -> np.ndarray:
    """Corners (TL, TR, BR, BL in the frame) restarted at the corner that is top-left once uprighted."""
    # Turning the page clockwise by 90° brings its bottom-left corner to the top-left, and so on.
    start = (4 - rotation // 90) % 4
    return np.roll(corners, -start, axis=0)


def _area_fraction(corners: np.ndarray, shape: tuple[int, ...]) -> float:
    return float(cv2.contourArea(corners.astype(np.float32)) / (shape[0] * shape[1]))


def _thumbnail(bgr: np.ndarray, side: int) -> np.ndarray:
    small, scale = downscale(bgr, side)
    return small if scale < 1 else bgr.copy()  # a copy: the thumbnail is stored apart from the page


class _StepTimer:
    """Milliseconds per named step, plus the total."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self.steps: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.steps[step] = (time.perf_counter() - began) * 1000

    def finish(self) -> dict[str, float]:
        """The step timings with "total" added."""
        return {**self.steps, "total": (time.perf_counter() - self._start) * 1000}
