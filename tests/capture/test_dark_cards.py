"""Bank cards on a desk, darker than the desk or hardly different from it: found by their outline,
uprighted whichever way round they lie, and not judged too dark for being dark.

Scenes are drawn in card_scenes.py with exact corners; Tesseract runs only to tell up from down.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from docgen import SceneOptions, make_sample
from docgen.scene import photograph
from PIL import Image

from desk.capture import pipeline, quality
from desk.capture.page_detection import detect_page

from .card_scenes import card_face, card_scene, dark_desk
from .pipeline_steps import upright_and_level

MAX_CORNER_ERROR = 0.01  # of the frame's diagonal
MAX_RESIDUAL_SKEW_DEG = 0.3  # a card flattened by its corners is level already; its sparse print must not tilt it
A4_AT_200_DPI = (1654, 2339)
MIN_PAGE_SHARE_OF_SCAN = 0.8  # of a scan's frame: the page fills it but for the lid's thin margin
SCENES = [  # colour, desk, share of the frame's tighter side, turn (degrees), two-tone design
    ("navy", "wood", 0.45, 4.0, False),
    ("black", "wood", 0.36, -28.0, True),
    ("black", "dark", 0.5, 7.0, False),
    ("navy", "dark", 0.58, -18.0, True),
    ("dark_green", "dark", 0.4, 15.0, True),
    ("gold", "wood", 0.6, -9.0, False),
]


def _corner_error(found: np.ndarray, truth: np.ndarray, shape: tuple[int, ...]) -> float:
    """Mean corner distance over the diagonal, whichever corner detection calls the first (it sees no text)."""
    diagonal = float(np.hypot(shape[0], shape[1]))
    return min(float(np.linalg.norm(np.roll(found, k, axis=0) - truth, axis=1).mean()) for k in range(4)) / diagonal


@pytest.mark.parametrize("index, colour, desk, fill, angle, band", [(i, *scene) for i, scene in enumerate(SCENES)])
def test_a_card_on_a_desk_is_found_within_one_percent(index, colour, desk, fill, angle, band):
    scene = card_scene(600 + index, colour=colour, desk=desk, fill=fill, angle_deg=angle, band=band)
    outline = detect_page(scene.frame)
    assert outline.found
    assert _corner_error(outline.corners, scene.corners, scene.frame.shape) < MAX_CORNER_ERROR


@pytest.mark.parametrize(
    "seed, colour, desk, turned",
    [
        (700, "navy", "wood", 180),
        (701, "black", "dark", 90),
        (701, "black", "dark", 270),
        (702, "dark_green", "dark", 0),
        (703, "gold", "wood", 90),
        (703, "gold", "wood", 180),
    ],
)
def test_a_card_lying_any_way_round_is_uprighted(seed, colour, desk, turned):
    # the print is lighter than the card: read as a negative, like ink on paper
    scene = card_scene(seed, colour=colour, desk=desk, fill=0.5, angle_deg=turned + 5.0)
    _, rotation, correction = upright_and_level(scene.frame, languages="eng")
    assert rotation == turned  # turned counter-clockwise on the desk: the same turn clockwise uprights it
    assert abs(correction) < MAX_RESIDUAL_SKEW_DEG


@pytest.mark.parametrize("colour, desk", [("navy", "wood"), ("black", "dark")])
def test_a_well_lit_dark_card_is_not_too_dark(colour, desk):
    # its dark ground is what paper is to a page; under the same light a page would pass
    scene = card_scene(710, colour=colour, desk=desk, fill=0.6, angle_deg=-4.0)
    upright, _, _ = upright_and_level(scene.frame)
    report = quality.assess(upright, camera=True, page_found=True, page_fraction=1.0, cut_off=False)
    assert "too_dark" not in report.problems and "too_bright" not in report.problems


def test_an_empty_dark_desk_has_no_outline():
    desk = (dark_desk(np.random.default_rng(3)) * 255).astype(np.uint8)
    assert not detect_page(desk).found


@pytest.mark.parametrize("flat", [False, True], ids=["photo", "scan"])
def test_a_card_copied_onto_a_page_is_print_not_the_page(flat):
    # a photocopy of a card: on the desk the page is found; in a scan the frame is the page
    rng = random.Random(8)
    page = Image.new("RGB", A4_AT_200_DPI, (250, 250, 247))
    face, _ = card_face("black", rng)
    photocopy = face.convert("L").convert("RGB").resize((face.width * 2 // 3, face.height * 2 // 3))
    page.paste(photocopy, (300, 400))
    page.paste(photocopy, (300, 1200))
    options = (
        SceneOptions(flat=True, angle_deg=1.5, fill=1.0, tilt=0.0, light=0.05, exposure=1.0, background="white")
        if flat
        else SceneOptions(angle_deg=-6.0, fill=0.8, background="wood")
    )
    scene = photograph(page, options, rng)
    frame = cv2.imdecode(np.frombuffer(scene.jpeg, np.uint8), cv2.IMREAD_COLOR)
    outline = detect_page(frame)
    if flat:  # the page's own outline inside the scanner lid's margin, or nothing: never the printed card
        area = cv2.contourArea(outline.corners.astype(np.float32))
        assert not outline.found or area > MIN_PAGE_SHARE_OF_SCAN * frame.shape[0] * frame.shape[1]
    else:
        assert outline.found
        assert _corner_error(outline.corners, scene.corners, frame.shape) < MAX_CORNER_ERROR


@pytest.mark.parametrize("seed, background", [(3, "dark"), (8, "wood")])
def test_a_vertical_card_whose_number_wraps_is_a_bank_card(seed, background):
    """A vertical card prints its number over two rows; the pipeline joins them into a Luhn-valid number."""
    options = SceneOptions(
        angle_deg=8.0,
        fill=0.5,
        tilt=0.02,
        light=0.1,
        blur_sigma=0.4,
        noise_sigma=2.0,
        jpeg_quality=90,
        background=background,
    )
    sample = make_sample(seed, "bank_card", options)
    assert sample.document.fields["layout"] == "vertical"
    result = pipeline.process_image(sample.decode(), name=sample.name)
    assert result.doc_type == "bank_card", result.text
    assert "card_number" in result.evidence
