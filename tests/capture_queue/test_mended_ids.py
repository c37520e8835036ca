"""The clerk is told when a page's ID number was read only by mending one character.

A scanned page carries a typed ID line with one digit worn (the same wear tests/capture/test_id_choices.py
shows PP-OCRv4 misreading); the capture work run by the pool and by queue workers reports the number
among the page's ID numbers and among the mended ones, which the dialog flags for a look at the paper.
A clean copy of the same page reports nothing mended.
"""

from __future__ import annotations

import cv2
import numpy as np

from desk.queue.capture_work import capture_bytes
from desk.settings import get_settings
from tests.capture import id_pages

LABEL, NUMBER = "出租方身份证号码：", "370102197405046490"
WORN = id_pages.Wear(len(LABEL) + 13, "left", 0.5)  # the 4 of …046490 loses its left half


def _scanned_page(wear: id_pages.Wear | None) -> bytes:
    """A white A4 page at 150 dpi with a title and the ID line, as a PNG scan."""
    page = np.full((1754, 1240, 3), 250, np.uint8)
    title = id_pages.typed_line("房屋租赁合同", face="serif", px=56)
    page[160 : 160 + title.shape[0], 620 - title.shape[1] // 2 : 620 - title.shape[1] // 2 + title.shape[1]] = title
    line = id_pages.typed_line(LABEL + NUMBER, face="serif", wear=wear, blur=1.2)
    page[420 : 420 + line.shape[0], 120 : 120 + line.shape[1]] = line
    return cv2.imencode(".png", page)[1].tobytes()


def _capture(data: bytes):
    settings = get_settings()
    outcome = capture_bytes(
        data, name="lease.png", camera=False, ocr_languages=settings.ocr_languages, ocr_timeout_s=settings.ocr_timeout_s
    )
    assert outcome.refused_key is None and len(outcome.pages) == 1, outcome
    return outcome.pages[0]


def test_an_id_number_read_by_mending_a_worn_digit_is_flagged_for_the_clerk():
    worn = _capture(_scanned_page(WORN))
    assert worn.id_numbers == [NUMBER]
    assert worn.mended_ids == [NUMBER]
    clean = _capture(_scanned_page(None))
    assert clean.id_numbers == [NUMBER]
    assert clean.mended_ids == []
