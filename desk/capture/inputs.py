"""Decode a file into pages: images (EXIF orientation honoured, alpha flattened, multi-page TIFF) and PDFs.

Every failure becomes `InputRefused` with a reason a clerk understands; nothing else escapes.
The page count and the pixels of every page are read from the headers and checked against the
budgets (per page and per file) before any pixel is decoded; then pages are decoded one at a time.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from desk.capture.errors import InputRefused
from desk.capture.options import CaptureOptions
from desk.capture.pdf_pages import open_pdf
from desk.capture.source_pages import PageStream, SourcePage, check_page_count, check_pixels

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, not silently padded grey


def read_source(source: str | Path | bytes, options: CaptureOptions) -> bytes:
    """The bytes of `source` (a path or bytes), refusing empty and oversized files."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputRefused("capture.refused.not_found")
        if path.stat().st_size > options.max_file_bytes:
            raise InputRefused("capture.refused.too_large_file", mb=options.max_file_bytes // 2**20)
        data = path.read_bytes()
    else:
        data = bytes(source)
    if not data:
        raise InputRefused("capture.refused.empty")
    if len(data) > options.max_file_bytes:
        raise InputRefused("capture.refused.too_large_file", mb=options.max_file_bytes // 2**20)
    return data


def open_pages(data: bytes, options: CaptureOptions) -> PageStream:
    """The pages of an image or PDF file, budgets checked, decoded on demand."""
    if data.lstrip()[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return open_pdf(data, options)
    return _open_image(data, options)


def decode(data: bytes, options: CaptureOptions) -> list[SourcePage]:
    """All pages of an image or PDF file at once (the pipeline streams them with `open_pages`)."""
    return list(open_pages(data, options).pages)


@contextmanager
def _readable() -> Iterator[None]:
    """Pillow's errors as the clerk's reasons."""
    try:
        yield
    except InputRefused:
        raise
    except UnidentifiedImageError as exc:
        raise InputRefused("capture.refused.unknown_format") from exc
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise InputRefused("capture.refused.damaged", detail=_short(exc)) from exc


def _open_image(data: bytes, options: CaptureOptions) -> PageStream:
    Image.MAX_IMAGE_PIXELS = None  # we apply our own limits, from the headers, before decoding
    with _readable():
        image = Image.open(io.BytesIO(data))
        sizes = _frame_sizes(image, options)
    for width, height in sizes:
        if width <= 0 or height <= 0:
            raise InputRefused("capture.refused.damaged", detail="zero size")
    check_pixels([width * height for width, height in sizes], options)
    return PageStream(len(sizes), _frames(image, len(sizes), options))


def _frame_sizes(image: Image.Image, options: CaptureOptions) -> list[tuple[int, int]]:
    """The size of every frame, read from the headers only (seeking a TIFF reads its IFDs, no pixels)."""
    count = getattr(image, "n_frames", 1)
    check_page_count(count, options)
    if count == 1 or image.format != "TIFF":
        return [image.size] * count  # GIF, WebP and APNG frames share one canvas
    sizes = []
    for index in range(count):
        image.seek(index)
        sizes.append(image.size)
    image.seek(0)
    return sizes


def _frames(image: Image.Image, count: int, options: CaptureOptions) -> Iterator[SourcePage]:
    """Decode frame n only when frame n is asked for, so one frame is in memory at a time."""
    with _readable():
        for index in range(count):
            image.seek(index)
            check_pixels([image.size[0] * image.size[1]], options)
            yield _to_page(image, index + 1)


def _to_page(frame: Image.Image, number: int) -> SourcePage:
    dpi = _dpi_of(frame)
    upright = ImageOps.exif_transpose(frame)
    upright.load()
    return SourcePage(image=pil_to_bgr(upright), page=number, source_kind="image", dpi=dpi)


def pil_to_bgr(image: Image.Image) -> np.ndarray:
    """A BGR uint8 array of `image`, transparent parts flattened onto white paper."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        peak = max(float(array.max()), 1.0)
        image = Image.fromarray((array * (255.0 / (65535.0 if peak > 255 else 255.0))).clip(0, 255).astype(np.uint8))
    rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _dpi_of(frame: Image.Image) -> float | None:
    dpi = frame.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return value if 50.0 <= value <= 2400.0 else None  # 72/96 and junk headers say nothing about paper size


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
