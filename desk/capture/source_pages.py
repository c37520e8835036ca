"""A decoded page and a file's stream of them, with the page and pixel budgets both decoders check.

Shared by the image decoder (inputs.py) and the PDF renderer (pdf_pages.py), which import it, not each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from desk.capture.errors import InputRefused
from desk.capture.options import CaptureOptions


@dataclass
class SourcePage:
    """One decoded page: the colour original as BGR, upright per EXIF, alpha flattened onto white."""

    image: np.ndarray
    page: int  # 1-based
    source_kind: str  # "image" or "pdf"
    dpi: float | None = None  # known resolution (TIFF/PNG header, PDF); None for camera frames
    text_layer: str = ""  # text a PDF page already carries


@dataclass
class PageStream:
    """The pages of one file, decoded one at a time as `pages` is iterated.

    Opening a stream counts the pages and their pixels from the file's headers and checks them
    against the budgets, so an oversized file is refused before any page is decoded.
    """

    count: int
    pages: Iterator[SourcePage]


def check_page_count(count: int, options: CaptureOptions) -> None:
    """Refuse a file with more pages than one upload may have."""
    if count > options.max_pages:
        raise InputRefused("capture.refused.too_many_pages", count=count, pages=options.max_pages)


def check_pixels(pixels_per_page: list[int], options: CaptureOptions) -> None:
    """Refuse a file whose largest page or whose pages together exceed the pixel budgets."""
    check_page_count(len(pixels_per_page), options)
    for pixels in pixels_per_page:
        if pixels > options.max_pixels:
            raise InputRefused(
                "capture.refused.too_many_pixels", megapixels=round(pixels / 1e6), limit=options.max_pixels // 1_000_000
            )
    total = sum(pixels_per_page)
    if total > options.max_total_pixels:
        raise InputRefused(
            "capture.refused.too_many_pixels_total",
            pages=len(pixels_per_page),
            megapixels=round(total / 1e6),
            limit=options.max_total_pixels // 1_000_000,
        )
