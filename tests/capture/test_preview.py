"""The live outline's service (desk.capture.preview) on generated photos with exact corners: the frame
shrunk to the browser's preview size and JPEG-encoded as the browser sends it, plus the browser's
full-resolution crop from the middle of the page."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from docgen import SceneOptions, make_sample

from desk.capture.preview import preview_frame

from .card_scenes import card_scene

PREVIEW_SIDE, DETAIL_SIDE = 640, 512  # as camera.js sends them


def _jpeg(bgr: np.ndarray, quality: int = 80) -> bytes:
    return cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def _preview(frame: np.ndarray) -> bytes:
    scale = PREVIEW_SIDE / max(frame.shape[:2])
    return _jpeg(cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))


def _detail(frame: np.ndarray, centre: np.ndarray) -> bytes:
    """The crop the browser takes: DETAIL_SIDE square at full resolution around the page's middle."""
    half = DETAIL_SIDE // 2
    x = int(np.clip(centre[0] - half, 0, frame.shape[1] - DETAIL_SIDE))
    y = int(np.clip(centre[1] - half, 0, frame.shape[0] - DETAIL_SIDE))
    return _jpeg(frame[y : y + DETAIL_SIDE, x : x + DETAIL_SIDE], 90)


def _corner_error(found: list, truth: np.ndarray, shape: tuple[int, ...]) -> float:
    """Mean corner distance over the frame's diagonal, whichever corner the finder calls first."""
    points = np.array(found) * [shape[1], shape[0]]
    diagonal = float(np.hypot(shape[0], shape[1]))
    return min(float(np.linalg.norm(np.roll(points, k, axis=0) - truth, axis=1).mean()) for k in range(4)) / diagonal


@pytest.mark.parametrize("seed, doc_type", [(41, "lease"), (42, "application_form"), (43, "household_register")])
def test_a_whole_sharp_page_is_ok_with_its_corners(seed, doc_type):
    sample = make_sample(seed, doc_type, SceneOptions(angle_deg=4.0))
    frame = sample.decode()
    result = preview_frame(_preview(frame), _detail(frame, sample.corners.mean(axis=0)))
    assert result.ok, result.problems
    assert _corner_error(result.corners, sample.corners, frame.shape) < 0.01
    assert result.to_json()["ok"] is True


def test_a_card_on_a_dark_desk_is_outlined():
    scene = card_scene(812, colour="navy", desk="wood", fill=0.55, angle_deg=6.0)
    result = preview_frame(_preview(scene.frame))
    assert result.found
    assert _corner_error(result.corners, scene.corners, scene.frame.shape) < 0.015


@pytest.mark.parametrize("seed, doc_type", [(44, "lease"), (45, "application_form")])
def test_a_page_running_off_the_frame_is_cut_off(seed, doc_type):
    sample = make_sample(seed, doc_type, SceneOptions(angle_deg=3.0))
    frame = sample.decode()
    xs = sample.corners[:, 0]
    cut = frame[:, : int(xs.max() - 0.15 * (xs.max() - xs.min()))]  # the page slid past the right edge
    result = preview_frame(_preview(cut), _detail(cut, sample.corners.mean(axis=0)))
    assert result.found
    assert "page_cut_off" in result.problems
    assert not result.ok


@pytest.mark.parametrize("seed, doc_type", [(46, "lease"), (47, "application_form"), (48, "household_register")])
def test_a_blurred_page_is_blurred_and_the_same_page_sharp_is_not(seed, doc_type):
    results = {}
    for sigma in (0.6, 4.0):  # in full-resolution pixels: a camera in focus, and one that is not
        sample = make_sample(seed, doc_type, SceneOptions(angle_deg=3.0, blur_sigma=sigma))
        frame = sample.decode()
        results[sigma] = preview_frame(_preview(frame), _detail(frame, sample.corners.mean(axis=0)))
    assert "blurred" not in results[0.6].problems
    assert "blurred" in results[4.0].problems
    assert results[4.0].found and results[4.0].measures["blur_ratio"] > results[0.6].measures["blur_ratio"]


def test_glare_on_the_paper_is_reported():
    sample = make_sample(49, "lease", SceneOptions(angle_deg=3.0, exposure=1.2, light=0.5))
    frame = sample.decode()
    result = preview_frame(_preview(frame), _detail(frame, sample.corners.mean(axis=0)))
    assert result.found and "glare" in result.problems


def test_an_empty_desk_has_no_page():
    sample = make_sample(50, "lease", SceneOptions(angle_deg=3.0))
    frame = sample.decode()
    left = int(sample.corners[:, 0].min()) - 20  # the desk left of the page only
    result = preview_frame(_preview(frame[:, :left]))
    assert not result.found and result.problems == ["page_not_found"]


def test_what_is_not_an_image_is_refused():
    with pytest.raises(ValueError):
        preview_frame(b"not a jpeg")
