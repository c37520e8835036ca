"""Decoding: every accepted format, EXIF and alpha handled, every bad input refused with a clear reason."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from desk.capture.errors import InputRefused
from desk.capture.inputs import decode, read_source
from desk.capture.options import CaptureOptions

OPTIONS = CaptureOptions()


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gradient(width: int = 120, height: int = 80) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.uint8)
    rgb = np.dstack([np.tile(x, (height, 1))] * 3)
    rgb[: height // 4, : width // 4] = (200, 30, 30)  # a red patch marks the top-left corner
    return Image.fromarray(rgb)


def refusal(data: bytes, options: CaptureOptions = OPTIONS) -> InputRefused:
    with pytest.raises(InputRefused) as caught:
        decode(read_source(data, options), options)
    return caught.value


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF"])
def test_image_formats_decode_to_bgr(fmt):
    pages = decode(encoded(gradient(), fmt), OPTIONS)
    assert len(pages) == 1 and pages[0].image.shape == (80, 120, 3) and pages[0].page == 1
    assert pages[0].image[5, 5, 2] > 150 > pages[0].image[5, 5, 0]  # red stays red: BGR order


def test_exif_orientation_is_honoured():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: turn 90° clockwise to view
    page = decode(encoded(gradient(), "JPEG", exif=exif.tobytes()), OPTIONS)[0]
    assert page.image.shape == (120, 80, 3)
    assert page.image[5, -5, 2] > 150  # the red top-left patch is now top-right


def test_alpha_is_flattened_onto_white():
    rgba = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    rgba.paste((10, 10, 10, 255), (0, 0, 20, 30))
    image = decode(encoded(rgba, "PNG"), OPTIONS)[0].image
    assert image[15, 30].tolist() == [255, 255, 255] and image[15, 5].tolist() == [10, 10, 10]


def test_multi_page_tiff_gives_every_page():
    frames = [gradient(), gradient(60, 40), gradient(30, 20)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    pages = decode(buffer.getvalue(), OPTIONS)
    assert [p.page for p in pages] == [1, 2, 3]
    assert [p.image.shape[:2] for p in pages] == [(80, 120), (40, 60), (20, 30)]


def test_image_pdf_pages_are_rendered_at_the_image_resolution():
    pdf = encoded(gradient(600, 800), "PDF", resolution=200.0, save_all=True, append_images=[gradient(600, 800)])
    pages = decode(pdf, OPTIONS)
    assert len(pages) == 2 and pages[0].source_kind == "pdf"
    assert abs(pages[0].image.shape[1] - 600) <= 2 and abs(pages[0].dpi - 200) < 1
    assert pages[0].text_layer == ""


def text_pdf(text: str) -> bytes:
    """A one-page PDF with a real text layer (Helvetica), built by hand."""
    stream = f"BT /F1 14 Tf 72 700 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_pdf_text_layer_is_kept():
    pages = decode(text_pdf("Housing provident fund withdrawal application 2026"), OPTIONS)
    assert "provident fund withdrawal" in pages[0].text_layer
    assert pages[0].image.shape[0] > 3000  # rendered at 300 dpi for the archive


def test_empty_input_is_refused():
    assert refusal(b"").key == "capture.refused.empty"


def test_not_an_image_is_refused():
    reason = refusal(b"PK\x03\x04 this is a zip, not a picture" * 10)
    assert reason.key == "capture.refused.unknown_format"
    assert "JPEG" in reason.message("en") and "PDF" in reason.message("zh-CN")


def test_truncated_image_is_refused():
    data = encoded(gradient(400, 300), "PNG")
    assert refusal(data[: len(data) // 2]).key == "capture.refused.damaged"


def test_truncated_pdf_is_refused():
    assert refusal(text_pdf("hello world, a page of text")[:200]).key == "capture.refused.damaged"


def test_encrypted_pdf_is_refused():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    reason = refusal(buffer.getvalue())
    assert reason.key == "capture.refused.encrypted"
    assert "密码" in reason.message("zh-CN") and "password" in reason.message("en")


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def test_pixel_bomb_is_refused_before_decoding():
    reason = refusal(png_claiming(100_000, 100_000))
    assert reason.key == "capture.refused.too_many_pixels" and reason.params["megapixels"] == 10_000


def test_oversized_file_is_refused():
    small = CaptureOptions(max_file_bytes=1000)
    assert refusal(b"x" * 5000, small).key == "capture.refused.too_large_file"


def test_missing_path_is_refused(tmp_path):
    with pytest.raises(InputRefused) as caught:
        read_source(tmp_path / "nope.jpg", OPTIONS)
    assert caught.value.key == "capture.refused.not_found"
