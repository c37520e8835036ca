"""Skew: within 0.1° of the known angle on text, on a form with little text, and behind a scanner border."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from desk.capture.skew import estimate_skew, rotate

from .synthetic import table_page, text_page, turn_content


@pytest.fixture(scope="module")
def page_gray() -> np.ndarray:
    return cv2.cvtColor(text_page(), cv2.COLOR_BGR2GRAY)


@pytest.mark.parametrize("angle", [0.37, -1.865, 7.3, -33.0])
def test_text_page_skew_within_a_tenth_of_a_degree(page_gray, angle):
    assert estimate_skew(turn_content(page_gray, angle)) == pytest.approx(angle, abs=0.1)


def test_form_with_little_text():
    gray = cv2.cvtColor(table_page(), cv2.COLOR_BGR2GRAY)
    assert estimate_skew(turn_content(gray, -3.4)) == pytest.approx(-3.4, abs=0.1)


def test_scanner_border_does_not_pull_the_angle(page_gray):
    turned = turn_content(page_gray, 6.0, border=0)  # the black bed shows where the paper turned away
    framed = cv2.copyMakeBorder(turned, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=0)
    assert estimate_skew(framed) == pytest.approx(6.0, abs=0.1)


def test_blank_page_is_not_skewed():
    assert estimate_skew(np.full((800, 600), 250, np.uint8)) == 0.0


def test_rotate_keeps_every_corner(page_gray):
    turned = rotate(page_gray, 10.0)
    assert turned.shape[0] > page_gray.shape[0] and turned.shape[1] > page_gray.shape[1]
    assert estimate_skew(rotate(turn_content(page_gray, 10.0), 10.0)) == pytest.approx(0.0, abs=0.1)


@pytest.mark.corpus
def test_corpus_pdf_with_exact_angle(corpus):
    from desk.capture.inputs import decode, read_source
    from desk.capture.options import CaptureOptions

    options = CaptureOptions()
    page = decode(read_source(corpus / "skew" / "ocrmypdf_skew.pdf", options), options)[0]
    # the exact angle of the PDF's image matrix; Tesseract's own estimate misses it by 0.13° or more
    assert estimate_skew(cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY)) == pytest.approx(1.8651, abs=0.05)
