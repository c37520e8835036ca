"""The quality gate: each retake reason appears when its condition is there, and not on a good photo."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from docgen import SceneOptions, make_sample

from desk.capture import quality
from desk.capture.options import CaptureOptions
from desk.capture.pipeline import process_image
from desk.i18n import t

from .synthetic import on_desk, text_page

NO_OCR = CaptureOptions(run_ocr=False)
BASE = SceneOptions(angle_deg=4.0, fill=0.8, tilt=0.04, light=0.2, blur_sigma=0.5, noise_sigma=2.0)


@pytest.fixture(scope="module")
def page_gray() -> np.ndarray:
    return cv2.cvtColor(text_page(), cv2.COLOR_BGR2GRAY)


def problems(gray: np.ndarray) -> list[str]:
    return quality.assess(gray, camera=False, page_found=True, page_fraction=1.0, cut_off=False).problems


def test_sharp_even_page_passes(page_gray):
    assert problems(page_gray) == []


def test_blur_is_a_retake_reason(page_gray):
    assert problems(cv2.GaussianBlur(page_gray, (0, 0), 1.0)) == []  # slight softness is fine
    assert problems(cv2.GaussianBlur(page_gray, (0, 0), 5.0)) == ["blurred"]


def test_under_and_over_exposure(page_gray):
    assert problems((page_gray * 0.25).astype(np.uint8)) == ["too_dark"]
    washed = (200 + page_gray.astype(np.float32) * (55 / 255)).astype(np.uint8)  # ink faded to light grey
    assert problems(washed) == ["too_bright"]


def test_glare_and_good_photo_from_the_camera():
    good = process_image(make_sample(2, "lease", BASE).decode(), options=NO_OCR)
    assert good.page_found and good.quality.ok, good.quality.problems
    glare = process_image(make_sample(2, "lease", replace(BASE, exposure=1.4, light=0.45)).decode(), options=NO_OCR)
    assert "glare" in glare.quality.problems


def test_page_too_small_in_the_frame():
    small = process_image(make_sample(6, "lease", replace(BASE, fill=0.3)).decode(), options=NO_OCR)
    assert small.page_found and "page_too_small" in small.quality.problems


def test_cut_off_page():
    corners = np.array([[-150, 200], [1300, 150], [1350, 1700], [-100, 1750]], dtype=np.float64)
    frame = on_desk(text_page(), corners, size=(2000, 1900))
    page = process_image(frame, options=NO_OCR)
    assert page.page_found and "page_cut_off" in page.quality.problems


def test_every_reason_reads_in_both_languages():
    for code in ("blurred", "too_dark", "too_bright", "glare", "page_too_small", "page_cut_off",
                 "page_not_found", "ocr_timeout"):
        zh, en = t(f"capture.retake.{code}", "zh-CN"), t(f"capture.retake.{code}", "en")
        assert zh != en and "retake" not in zh and not en.startswith("capture.")
    report = quality.QualityReport(problems=["glare"])
    assert report.to_json("en") == {"ok": False, "problems": ["glare"], "messages": [t("capture.retake.glare", "en")]}
