"""The quality gate: each retake reason appears when its condition is there, and not on a good photo.

The gate (desk/capture/quality.py) is called on what the steps before it in the pipeline give; one
test runs the whole pipeline to check that it applies the gate to its pages.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from docgen import SceneOptions, make_sample

from desk.capture import page_detection, perspective, quality
from desk.capture.options import CaptureOptions
from desk.capture.pipeline import process_image
from desk.i18n import t

from .pipeline_steps import FLAT_DPI
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


def camera_gate(bgr: np.ndarray, *, camera: bool = True) -> quality.QualityReport:
    """The gate on a camera photo, given what pipeline.process_page finds before it: the page's outline, its
    share of the frame and the flattened grey page. Flattening from the corners levels the page; the deskew
    and orientation steps only turn it, and none of the gate's measures depends on the page's angle."""
    outline = page_detection.detect_page(bgr)
    flat = perspective.flatten(bgr, outline.corners, FLAT_DPI) if outline.found else bgr
    gray = cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)
    fraction = cv2.contourArea(outline.corners.astype(np.float32)) / (bgr.shape[0] * bgr.shape[1])
    return quality.assess(
        gray,
        camera=camera,
        page_found=outline.found,
        page_fraction=fraction,
        frame_is_page=page_detection.border_is_paper(bgr),
        cut_off=outline.touches_border,
    )


@pytest.fixture(scope="module")
def glare_photo() -> np.ndarray:
    return make_sample(2, "lease", replace(BASE, exposure=1.4, light=0.45)).decode()


def test_glare_and_good_photo_from_the_camera(glare_photo):
    good = camera_gate(make_sample(2, "lease", BASE).decode())
    assert good.ok, good.problems
    assert "glare" in camera_gate(glare_photo).problems
    assert "glare" not in camera_gate(glare_photo, camera=False).problems  # a scan's paper is white to the limit


def test_page_too_small_in_the_frame():
    assert "page_too_small" in camera_gate(make_sample(6, "lease", replace(BASE, fill=0.3)).decode()).problems


def test_cut_off_page():
    corners = np.array([[-150, 200], [1300, 150], [1350, 1700], [-100, 1750]], dtype=np.float64)
    frame = on_desk(text_page(), corners, size=(2000, 1900))
    assert "page_cut_off" in camera_gate(frame).problems


def test_the_pipeline_applies_the_gate_to_a_camera_photo(glare_photo):
    page = process_image(glare_photo, options=NO_OCR)
    assert page.page_found and "glare" in page.quality.problems
    assert page.quality.problems == camera_gate(glare_photo).problems


def test_every_reason_reads_in_both_languages():
    for code in (
        "blurred",
        "too_dark",
        "too_bright",
        "glare",
        "page_too_small",
        "page_cut_off",
        "page_not_found",
        "ocr_timeout",
    ):
        zh, en = t(f"capture.retake.{code}", "zh-CN"), t(f"capture.retake.{code}", "en")
        assert zh != en and "retake" not in zh and not en.startswith("capture.")
    report = quality.QualityReport(problems=["glare"])
    assert report.to_json("en") == {"ok": False, "problems": ["glare"], "messages": [t("capture.retake.glare", "en")]}
