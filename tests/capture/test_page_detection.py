"""Page detection alone (no OCR) on generated photos with exact corners: the hard desks."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from docgen import TEMPLATES, SceneOptions, make_sample, random_options

from desk.capture.page_detection import detect_page

from .synthetic import table_page, text_page


def _best_corner_error(found: np.ndarray, truth: np.ndarray, shape: tuple[int, ...]) -> float:
    """Mean corner distance over the diagonal, whichever corner detection calls the first (it sees no text)."""
    diagonal = float(np.hypot(shape[0], shape[1]))
    return min(float(np.linalg.norm(np.roll(found, k, axis=0) - truth, axis=1).mean()) for k in range(4)) / diagonal


def _light_desk_scenes(count: int) -> list[tuple[str, SceneOptions]]:
    """Counter-like conditions (hand, second sheet, shadow band, uneven light) on a light desk."""
    rng = random.Random(5)
    types = list(TEMPLATES)
    return [(types[i % len(types)], replace(random_options(rng), background="light")) for i in range(count)]


@pytest.mark.parametrize(
    "index, doc_type, options", [(i, doc_type, options) for i, (doc_type, options) in enumerate(_light_desk_scenes(12))]
)
def test_white_paper_on_a_light_desk_is_found_within_one_percent(index, doc_type, options):
    sample = make_sample(1000 + index, doc_type, options)
    frame = sample.decode()
    outline = detect_page(frame)
    assert outline.found
    assert _best_corner_error(outline.corners, sample.corners, frame.shape) < 0.01


def test_a_card_photo_near_the_edge_does_not_cut_the_card():
    # the printed portrait's dark edge is a sharper straight step than the card's faint rim
    options = SceneOptions(angle_deg=2.0, fill=0.7, tilt=0.03, light=0.15, exposure=0.91, background="light")
    sample = make_sample(1018, "id_card_front", options)
    frame = sample.decode()
    outline = detect_page(frame)
    assert outline.found and _best_corner_error(outline.corners, sample.corners, frame.shape) < 0.01


@pytest.mark.parametrize("page", [text_page, table_page], ids=["text", "table"])
def test_a_page_filling_the_picture_has_no_outline_inside_it(page):
    # a scan or a screen capture: text rows and table rules must not pass for the paper's rim
    image = page()
    assert not detect_page(image if image.ndim == 3 else np.dstack([image] * 3)).found
