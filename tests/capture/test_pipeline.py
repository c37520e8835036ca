"""The whole recipe on generated camera photos with exact ground truth (tests/docgen)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from docgen import SceneOptions, make_sample

from desk.archive.intake import page_input_from_result
from desk.capture.options import CaptureOptions
from desk.capture.pipeline import process_file, process_image
from desk.capture.results import JSON_KEYS

from .synthetic import corner_error

ROOT = Path(__file__).resolve().parents[2]
BASE = SceneOptions(angle_deg=6.0, fill=0.8, tilt=0.05, light=0.3, blur_sigma=0.6, noise_sigma=3.0)


@pytest.fixture(scope="module")
def lease_photo():
    """A lease, turned a quarter (counter-clockwise), with a hand and a second sheet in view."""
    sample = make_sample(5, "lease", replace(BASE, turned_deg=90, hand=True, second_sheet=True))
    return sample, process_file(sample.data, name=sample.name)[0]


def test_page_found_with_corners_within_one_percent(lease_photo):
    sample, page = lease_photo
    assert page.page_found
    assert corner_error(page.corners, sample.corners, sample.decode().shape) < 0.01


def test_page_uprighted_and_skew_measured(lease_photo):
    sample, page = lease_photo
    assert page.rotation == sample.turned_deg == 90
    assert page.skew_deg == pytest.approx(sample.skew_deg, abs=0.2)


def test_text_classification_and_id_number(lease_photo):
    sample, page = lease_photo
    assert page.doc_type == "lease" and page.evidence
    assert sample.fields["id_number"] in [found["value"] for found in page.fields["id_numbers"]]
    assert page.confidence > 60
    assert "出租人" in page.text and "承租人" in page.text  # read without Tesseract's spaces between characters


def test_json_has_exactly_the_command_line_keys(lease_photo):
    _, page = lease_photo
    data = page.to_json()
    assert tuple(data) == JSON_KEYS
    json.dumps(data, ensure_ascii=False)  # plain JSON types only
    assert set(data["timings_ms"]) >= {"detect_page", "deskew", "orientation", "ocr", "total"}
    assert data["quality"]["ok"] == (data["quality"]["problems"] == [])


def test_images_for_the_archive(lease_photo):
    sample, page = lease_photo
    assert np.array_equal(page.original, sample.decode())  # the colour original is untouched
    assert page.flattened.ndim == 3 and page.flattened.shape[0] > page.flattened.shape[1]  # upright A4
    assert max(page.thumbnail.shape[:2]) == 320
    assert page.png(page.thumbnail)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("turned", [180, 270])
def test_every_cardinal_turn_is_uprighted(turned):
    sample = make_sample(9, "diagnosis_certificate", replace(BASE, turned_deg=turned, angle_deg=-4.0))
    page = process_image(sample.decode(), options=CaptureOptions(run_ocr=False))
    assert page.rotation == turned
    assert corner_error(page.corners, sample.corners, sample.decode().shape) < 0.01


def test_id_card_is_flattened_to_its_real_size():
    sample = make_sample(3, "id_card_front", replace(BASE, background="grey", fill=0.6, angle_deg=-8.0))
    page = process_image(sample.decode())
    assert page.page_found and corner_error(page.corners, sample.corners, sample.decode().shape) < 0.01
    height, width = page.flattened.shape[:2]
    assert page.dpi >= 300  # at least the archive's resolution, more where the photo gives more
    assert abs(width / page.dpi * 25.4 - 85.6) < 0.2 and abs(height / page.dpi * 25.4 - 54.0) < 0.2
    assert page.doc_type == "id_card_front"
    assert page.fields["id_numbers"][0]["value"] == sample.fields["id_number"]


def test_a_page_of_no_known_paper_size_keeps_its_frame_pixels_and_claims_no_resolution():
    frame = np.full((900, 1200, 3), (60, 90, 120), np.uint8)
    frame[150:750, 300:900] = 245  # a square sheet: no paper size the desk knows
    page = process_image(frame, options=CaptureOptions(run_ocr=False, language="en"))
    assert page.page_found and page.dpi is None
    assert abs(page.flattened.shape[0] - 600) <= 3 and abs(page.flattened.shape[1] - 600) <= 3
    assert page_input_from_result(page).dpi is None  # the archive does not size it as if it were 300 dpi


def test_no_page_in_view_keeps_the_whole_frame():
    frame = np.full((900, 1200, 3), (60, 90, 120), np.uint8)
    page = process_image(frame, options=CaptureOptions(run_ocr=False, language="en"))
    assert not page.page_found
    assert page.corners.tolist() == [[0, 0], [1199, 0], [1199, 899], [0, 899]]
    assert "page_not_found" in page.quality.problems


def test_multi_page_pdf_runs_in_the_pool_and_keeps_page_order():
    import io

    from PIL import Image

    from .synthetic import text_page, turn_content

    images = [Image.fromarray(turn_content(text_page(), angle)[:, :, ::-1]) for angle in (0.0, 2.0)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=150.0, save_all=True, append_images=images[1:])
    pages = process_file(buffer.getvalue(), name="two.pdf", options=CaptureOptions(workers=2))
    assert [p.page for p in pages] == [1, 2]
    assert pages[1].skew_deg == pytest.approx(2.0, abs=0.1)
    assert all("11010519491231002X" in [f["value"] for f in p.fields["id_numbers"]] for p in pages)


def test_command_line_json_and_exit_status(tmp_path):
    sample = make_sample(4, "invoice", replace(BASE, angle_deg=3.0))
    photo = tmp_path / "invoice.jpg"
    photo.write_bytes(sample.data)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    result = subprocess.run(
        [sys.executable, "-m", "desk", "capture", str(photo), str(broken), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 2
    assert "broken.png" in result.stderr and "Traceback" not in result.stderr
    pages = json.loads(result.stdout)["pages"]
    assert len(pages) == 1 and pages[0]["file"] == str(photo) and pages[0]["page"] == 1
    assert pages[0]["doc_type"] == "invoice" and pages[0]["page_found"] is True
