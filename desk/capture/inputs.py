"""Decode a file into pages: images (EXIF orientation honoured, alpha flattened, multi-page TIFF) and PDFs.

Every failure becomes `InputRefused` with a reason a clerk understands; nothing else escapes.
Pixel bombs are refused from the header size, before any pixel is decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

from desk.capture.errors import InputRefused
from desk.capture.options import CaptureOptions

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, not silently padded grey


@dataclass
class SourcePage:
    """One decoded page: the colour original as BGR, upright per EXIF, alpha flattened onto white."""

    image: np.ndarray
    page: int  # 1-based
    source_kind: str  # "image" or "pdf"
    dpi: float | None = None  # known resolution (TIFF/PNG header, PDF); None for camera frames
    text_layer: str = ""  # text a PDF page already carries


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


def decode(data: bytes, options: CaptureOptions) -> list[SourcePage]:
    """All pages of an image or PDF file."""
    if data.lstrip()[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        from desk.capture.pdf_pages import decode_pdf

        return decode_pdf(data, options)
    return _decode_image(data, options)


def _decode_image(data: bytes, options: CaptureOptions) -> list[SourcePage]:
    Image.MAX_IMAGE_PIXELS = None  # we apply our own limit below, per frame, from the header
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            pages: list[SourcePage] = []
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                if number > options.max_pages:
                    raise InputRefused("capture.refused.too_many_pages", pages=options.max_pages)
                _check_pixels(frame.size, options)
                pages.append(_to_page(frame, number))
    except InputRefused:
        raise
    except UnidentifiedImageError as exc:
        raise InputRefused("capture.refused.unknown_format") from exc
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise InputRefused("capture.refused.damaged", detail=_short(exc)) from exc
    if not pages:
        raise InputRefused("capture.refused.damaged", detail="no frames")
    return pages


def _check_pixels(size: tuple[int, int], options: CaptureOptions) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise InputRefused("capture.refused.damaged", detail="zero size")
    if width * height > options.max_pixels:
        raise InputRefused(
            "capture.refused.too_many_pixels",
            megapixels=round(width * height / 1e6),
            limit=options.max_pixels // 1_000_000,
        )


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
