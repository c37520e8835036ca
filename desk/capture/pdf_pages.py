"""PDF pages as images: pypdf checks structure, encryption and text layers; PDFium renders each page.

A scanned page is rendered at the native resolution of its largest image, so the page's images
come out pixel for pixel, placed (rotated, skewed) exactly as the PDF shows them.

Opening a PDF counts its pages and works out every page's rendered size (page size and embedded
images, no rendering) to check the budgets; pages are then rendered one at a time, each only when
the pipeline asks for it, so a long PDF never sits in memory as a whole.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from desk.capture.errors import InputRefused
from desk.capture.options import CaptureOptions
from desk.capture.source_pages import PageStream, SourcePage, check_page_count, check_pixels

logging.getLogger("pypdf").setLevel(logging.ERROR)

_MIN_TEXT_LAYER_CHARS = 20  # fewer characters than this is a stray label, not a text layer
_POINTS_PER_INCH = 72.0  # PDF user space: a page's size and its images' placement are in points
_NATIVE_DPI = (
    100,
    600,
)  # a scan is rendered at its images' own resolution within these: coarser is unreadable, finer costs memory only
_DETAIL_CHARS = 120  # of the PDF library's message kept in the refusal: enough to tell what broke


@dataclass(frozen=True)
class _PagePlan:
    """How one page will be rendered, known before rendering: its scale and the pixels it will take."""

    scale: float
    pixels: int  # the rendered page or its largest embedded image, whichever is larger


def open_pdf(data: bytes, options: CaptureOptions) -> PageStream:
    """The PDF's pages, refusing encrypted, damaged and over-budget files before any page is rendered."""
    reader = _reader(data, options)
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise InputRefused("capture.refused.damaged", detail=str(exc)[:_DETAIL_CHARS]) from exc
    try:
        check_page_count(len(document), options)
        plans = [_plan(document, index, options) for index in range(len(document))]
        check_pixels([plan.pixels for plan in plans], options)
    except BaseException:
        document.close()
        raise
    return PageStream(len(plans), _rendered(document, reader, plans))


def _reader(data: bytes, options: CaptureOptions) -> object:
    """pypdf's reader of the file, refusing encrypted, empty and over-long files."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputRefused("capture.refused.encrypted")
        count = len(reader.pages)
        if count == 0:
            raise InputRefused("capture.refused.damaged", detail="no pages")
        check_page_count(count, options)
        return reader
    except InputRefused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise InputRefused("capture.refused.encrypted") from exc
        raise InputRefused("capture.refused.damaged", detail=str(exc)[:_DETAIL_CHARS]) from exc


def _plan(document: object, index: int, options: CaptureOptions) -> _PagePlan:
    """The scale and pixel count of page `index`, from its size and its images' headers."""
    page = document[index]  # type: ignore[index]
    try:
        width_pt, height_pt = page.get_size()
        images = _placed_images(page)
        scale = _native_scale(images) or options.pdf_dpi / _POINTS_PER_INCH
        rendered = round(width_pt * scale) * round(height_pt * scale)
        largest_image = max((w * h for w, h in (obj.get_px_size() for obj in images)), default=0)
        return _PagePlan(scale=scale, pixels=max(rendered, largest_image))
    finally:
        page.close()


def _rendered(document: object, reader: object, plans: list[_PagePlan]) -> Iterator[SourcePage]:
    """Render page n only when page n is asked for; the document closes when the pages are done."""
    import pypdfium2 as pdfium

    try:
        for index, plan in enumerate(plans):
            page = document[index]  # type: ignore[index]
            try:
                rendered = _render(page, index, _text_layer(reader, index), plan.scale)
            except pdfium.PdfiumError as exc:
                raise InputRefused("capture.refused.damaged", detail=str(exc)[:_DETAIL_CHARS]) from exc
            finally:
                page.close()
            yield rendered
    finally:
        document.close()  # type: ignore[attr-defined]


def _text_layer(reader: object, index: int) -> str:
    """The text page `index` already carries ("" when it has none or it cannot be read)."""
    try:
        page = reader.pages[index]  # type: ignore[attr-defined]
    except Exception:
        return ""
    return _page_text(page)


def _page_text(page: object) -> str:
    try:
        text = page.extract_text() or ""  # type: ignore[attr-defined]
    except Exception:
        return ""
    return text if len("".join(text.split())) >= _MIN_TEXT_LAYER_CHARS else ""


def _render(page: object, index: int, text_layer: str, scale: float) -> SourcePage:
    images = _placed_images(page)
    if images and not text_layer and not _has_other_content(page):
        bgr = _compose(images, page, scale)
    else:
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))  # type: ignore[attr-defined]
        bgr = np.ascontiguousarray(np.asarray(bitmap.to_pil().convert("RGB"))[:, :, ::-1])
    return SourcePage(image=bgr, page=index + 1, source_kind="pdf", dpi=_POINTS_PER_INCH * scale, text_layer=text_layer)


def _placed_images(page: Any) -> list[Any]:  # PDFium's objects: pypdfium2 has no type hints
    import pypdfium2.raw as raw

    return list(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _has_other_content(page: object) -> bool:
    import pypdfium2.raw as raw

    kinds = {obj.type for obj in page.get_objects(max_depth=2)}  # type: ignore[attr-defined]
    return bool(kinds - {raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM})


def _compose(images: list[object], page: object, scale: float) -> np.ndarray:
    """Place each image with its exact matrix on a white page.

    PDFium's own renderer approximates rotated images (a 1.865° placement came out at 1.80°), so a
    scanned page is composed here instead: the image pixels through the PDF matrix, nothing else.
    """
    # The matrices place images on the unturned page; PDFium's get_size() is already turned by /Rotate.
    left, bottom, right, top = page.get_cropbox()  # type: ignore[attr-defined]
    width, height = round((right - left) * scale), round((top - bottom) * scale)
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    for obj in images:
        pixels = np.asarray(obj.get_bitmap(render=False).to_pil().convert("RGB"))[:, :, ::-1]  # type: ignore[attr-defined]
        img_h, img_w = pixels.shape[:2]
        m = obj.get_matrix()  # type: ignore[attr-defined]
        # image pixel (u, v) -> unit square (u/W, 1 - v/H) -> page points -> canvas pixels (y down)
        affine = np.array(
            [
                [scale * m.a / img_w, -scale * m.c / img_h, scale * (m.c + m.e - left)],
                [-scale * m.b / img_w, scale * m.d / img_h, scale * (top - m.d - m.f)],
            ]
        )
        placed = cv2.warpAffine(
            np.ascontiguousarray(pixels),
            affine,
            (width, height),
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(255, 255, 255),
        )
        coverage = cv2.warpAffine(
            np.full((img_h, img_w), 255, np.uint8),
            affine,
            (width, height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        alpha = (coverage.astype(np.float32) / 255.0)[:, :, None]
        canvas = (placed * alpha + canvas * (1 - alpha)).astype(np.uint8)
    turn = page.get_rotation() % 360  # type: ignore[attr-defined]
    if turn:
        canvas = np.ascontiguousarray(np.rot90(canvas, k=-(turn // 90)))  # /Rotate turns the page clockwise
    return canvas


def _native_scale(images: list[object]) -> float | None:
    """Pixels per PDF point of the page's largest image (None when it has no image)."""
    best: tuple[float, float] | None = None
    for obj in images:
        px_w, px_h = obj.get_px_size()  # type: ignore[attr-defined]
        m = obj.get_matrix()  # type: ignore[attr-defined]
        placed_w = float(np.hypot(m.a, m.b))  # length of the image's x axis on the page, in points
        placed_h = float(np.hypot(m.c, m.d))
        if placed_w < 1 or placed_h < 1:
            continue
        area = placed_w * placed_h
        scale = max(px_w / placed_w, px_h / placed_h)
        if best is None or area > best[0]:
            best = (area, scale)
    if best is None:
        return None
    low, high = _NATIVE_DPI
    return float(min(max(best[1], low / _POINTS_PER_INCH), high / _POINTS_PER_INCH))
