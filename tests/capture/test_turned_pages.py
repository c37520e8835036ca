"""A page lying a quarter turn round and a few degrees crooked: uprighted, levelled and read.

Two ways such a page reaches us: a flatbed scan of a page laid sideways and crooked, and a PDF
whose scanned image is placed with a slightly turned matrix on a page that /Rotate turns a
quarter (as scanning software writes it). The page is English prose rendered here with PIL, so
the text is known exactly; the steps run as the pipeline runs them (pipeline.process_page).
"""

from __future__ import annotations

import math
import random
import zlib

import cv2
import numpy as np
import pytesseract
import pytest
from docgen import SceneOptions
from docgen.scene import photograph
from PIL import Image, ImageDraw, ImageFont

from desk.bench.metrics import cer
from desk.capture import engine_rapidocr
from desk.capture.inputs import decode
from desk.capture.options import CaptureOptions

from . import id_pages
from .pipeline_steps import upright_and_level

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
DPI = 200  # enough for Tesseract on 11 pt text, small enough to keep the test quick
A4_INCHES = (8.27, 11.69)
MARGIN_INCHES = 0.9
TEXT_PT = 11
LEADING = 1.45  # line pitch as a share of the type size
PARAGRAPH_GAP = 0.8  # extra space between paragraphs, as a share of the type size
PROSE = (
    "Every letter that reaches the office is opened, dated and scanned on the same day. A clerk checks "
    "that the name, the account number and the amount agree with the request before the letter is "
    "filed. Pages sent sideways or crooked are common: people feed them into the scanner in a hurry, "
    "and the archive must still hold text that can be searched years later. When a reply is needed, "
    "the clerk drafts it from the scanned copy, so a misread figure becomes a wrong answer. Old "
    "records stay for fifteen years after an account is closed, and each of them may be asked for "
    "again by a court, an auditor or the customer."
)
MAX_RESIDUAL_SKEW_DEG = 0.3
MAX_CER = 0.05


def english_page(seed: int) -> tuple[Image.Image, str]:
    """An upright A4 page of justified-looking English prose and its text, line by line."""
    rng = random.Random(seed)
    width, height = round(A4_INCHES[0] * DPI), round(A4_INCHES[1] * DPI)
    page = Image.new("RGB", (width, height), (250, 250, 247))
    draw = ImageDraw.Draw(page)
    size = round(TEXT_PT / 72 * DPI)
    font = ImageFont.truetype(SERIF, size)
    margin = round(MARGIN_INCHES * DPI)
    sentences = [f"{part.rstrip('.')}." for part in PROSE.split(". ")]
    lines: list[str] = []
    y = margin
    while y < height - margin - 3 * size:
        words = " ".join(rng.sample(sentences, k=4)).split()
        line = ""
        for word in words:
            if line and draw.textlength(f"{line} {word}", font=font) > width - 2 * margin:
                draw.text((margin, y), line, font=font, fill=(25, 25, 25))
                lines.append(line)
                y += round(LEADING * size)
                line = word
                if y >= height - margin - 3 * size:
                    break
            else:
                line = f"{line} {word}".strip()
        else:
            draw.text((margin, y), line, font=font, fill=(25, 25, 25))
            lines.append(line)
            y += round(LEADING * size)
        y += round(PARAGRAPH_GAP * size)
    return page, "\n".join(lines)


def _skew_difference(measured: float, truth: float) -> float:
    return abs((measured - truth + 45.0) % 90.0 - 45.0)


@pytest.mark.parametrize("turned, angle", [(90, 4.0), (270, -3.5)])
def test_a_scan_turned_a_quarter_and_crooked_is_uprighted_levelled_and_read(turned, angle):
    page, text = english_page(seed=turned)
    options = SceneOptions(
        flat=True,
        turned_deg=turned,
        angle_deg=angle,
        fill=1.0,
        tilt=0.0,
        light=0.05,
        exposure=1.0,
        blur_sigma=0.3,
        noise_sigma=1.5,
        jpeg_quality=90,
        background="white",
    )
    scene = photograph(page, options, random.Random(turned))
    frame = cv2.imdecode(np.frombuffer(scene.jpeg, np.uint8), cv2.IMREAD_COLOR)
    upright, rotation, correction = upright_and_level(frame)
    assert rotation == scene.turned_deg == turned  # turned counter-clockwise: the same turn clockwise uprights it
    assert _skew_difference(correction, scene.skew_deg) < MAX_RESIDUAL_SKEW_DEG
    assert cer(pytesseract.image_to_string(upright, lang="eng"), text, "eng") < MAX_CER


def rotated_pdf(page: Image.Image, *, rotate: int, angle_deg: float) -> bytes:
    """A one-page PDF: `page` (grey, A4) placed turned `angle_deg` counter-clockwise, the page turned by /Rotate."""
    gray = page.convert("L")
    width_pt, height_pt = 72 * A4_INCHES[0], 72 * A4_INCHES[1]
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    a, b, cc, d = width_pt * c, width_pt * s, -height_pt * s, height_pt * c
    e, f = width_pt / 2 - (a + cc) / 2, height_pt / 2 - (b + d) / 2  # turned about the page centre
    content = f"q {a:.4f} {b:.4f} {cc:.4f} {d:.4f} {e:.4f} {f:.4f} cm /Im0 Do Q".encode()
    pixels = zlib.compress(gray.tobytes())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt:.2f} {height_pt:.2f}] /Rotate {rotate} "
            "/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        (
            f"<< /Type /XObject /Subtype /Image /Width {gray.width} /Height {gray.height} /ColorSpace /DeviceGray "
            f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(pixels)} >>\nstream\n"
        ).encode()
        + pixels
        + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.mark.parametrize("rotate, angle", [(90, -2.5), (270, 3.0)])
def test_a_pdf_page_turned_by_rotate_with_a_crooked_image_is_read_whole(rotate, angle):
    page, text = english_page(seed=rotate)
    decoded = decode(rotated_pdf(page, rotate=rotate, angle_deg=angle), CaptureOptions())[0].image
    # /Rotate turns the page a quarter: it shows landscape, and none of its print is cut away
    assert decoded.shape[1] > decoded.shape[0]
    ink_shown = int(np.count_nonzero(cv2.cvtColor(decoded, cv2.COLOR_BGR2GRAY) < 128))
    ink_printed = int(np.count_nonzero(np.asarray(page.convert("L")) < 128))
    assert ink_shown == pytest.approx(ink_printed, rel=0.05)
    upright, rotation, correction = upright_and_level(decoded)
    assert rotation == (360 - rotate) % 360  # /Rotate turns clockwise; the uprighting turn undoes it
    assert _skew_difference(correction, -angle) < MAX_RESIDUAL_SKEW_DEG
    assert cer(pytesseract.image_to_string(upright, lang="eng"), text, "eng") < MAX_CER


@pytest.mark.parametrize("seed, kind", [(71082, "hand"), (74004, "hand"), (74024, "typed"), (74075, "typed")])
def test_a_small_upright_page_whose_edges_hold_the_desk_is_not_turned_a_quarter(seed, kind):
    """A lease photographed whole from farther away (about 75 dpi): its few rows of small, blurred text
    weigh less than the desk's edge along both long sides of the flattened page, which once made its
    lines look as if they ran down the page and turned it a quarter (found by `measure_id_fields
    --leases --small`)."""
    rng = random.Random(seed)
    page, _, _ = id_pages.party_page(rng, kind)
    photo = id_pages.photographed_page(page, rng, small=True)
    _, rotation, _ = upright_and_level(photo, "chi_sim+eng", engine=engine_rapidocr.NAME)
    assert rotation == 0
