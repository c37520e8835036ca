"""The synthetic counter-document generator: its ground truth must be exactly true of its images."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

import cv2
import numpy as np
import pytest
from docgen import TEMPLATES, SceneOptions, generate, make_sample
from docgen.content import Facts, luhn_complete, yuan_in_words
from docgen.documents import TODAY, render
from docgen.ids import DALIAN_DISTRICTS, check_character, is_valid_id, org_code_check, uscc_check

from desk.bench.metrics import cer

CLEAN = SceneOptions(tilt=0.05, light=0.1, blur_sigma=0.3, noise_sigma=1.0, jpeg_quality=92, background="grey")


def test_id_numbers_are_valid_dalian_numbers_matching_the_person():
    facts = Facts(random.Random(11), TODAY)
    for _ in range(300):
        person = facts.person()
        number = person.id_number
        assert is_valid_id(number), number
        assert number[:6] in DALIAN_DISTRICTS
        assert number[6:14] == person.birth.strftime("%Y%m%d")
        assert (int(number[16]) % 2 == 1) == (person.sex == "男")
        assert 22 <= (TODAY - person.birth).days / 365.25 <= 61


def test_id_check_character_matches_the_standard_examples():
    assert is_valid_id("11010519491231002X") and is_valid_id("53010219200508011X")
    assert check_character("11010519491231002") == "X"
    wrong = "11010519491231002" + "1"
    assert not is_valid_id(wrong)
    assert not is_valid_id("210202199002301234")  # 30 February


def test_uscc_and_bank_card_check_characters():
    assert org_code_check("M000100Y") == "4"
    assert uscc_check("91350100M000100Y4") == "3"
    card = luhn_complete("622848001234567890")
    digits = [int(d) for d in reversed(card)]
    total = sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(digits))
    assert total % 10 == 0


@pytest.mark.parametrize(
    "amount, words",
    [
        ("2650", "贰仟陆佰伍拾元整"),
        ("10500", "壹万零伍佰元整"),
        ("100000", "壹拾万元整"),
        ("1200.05", "壹仟贰佰元零伍分"),
        ("45600", "肆万伍仟陆佰元整"),
        ("1010", "壹仟零壹拾元整"),
    ],
)
def test_amounts_in_capital_numerals(amount, words):
    assert yuan_in_words(Decimal(amount)) == words


@pytest.mark.parametrize("doc_type", list(TEMPLATES))
def test_every_template_prints_its_fields(doc_type):
    document = render(doc_type, random.Random(3))
    text = document.text
    assert document.doc_type == doc_type and document.material.startswith("M")
    assert all(line.strip() for line in document.lines)
    assert is_valid_id(document.fields["id_number"])
    compact = text.replace(" ", "")
    for key in ("id_number", "name", "invoice_no", "contract_no", "bank_card", "account_no", "diagnosis"):
        if key in document.fields:
            assert document.fields[key] in compact, key
    width_mm, height_mm = document.size_mm
    assert document.image.size[0] / document.image.size[1] == pytest.approx(width_mm / height_mm, rel=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("doc_type, psm", [("lease", 4), ("id_card_front", 6)])
def test_tesseract_reads_the_ground_truth_off_the_rendered_page(doc_type, psm):
    """The text we claim is printed is what a real OCR engine reads from the flat page.

    The page segmentation mode suits each layout, so reading order does not hide a wrong ground truth.
    """
    import pytesseract

    document = render(doc_type, random.Random(5))
    read = pytesseract.image_to_string(document.image, lang="chi_sim+eng", config=f"--psm {psm}")
    assert cer(read, document.text, "chi_sim") < 0.12
    other = render(doc_type, random.Random(6))
    assert cer(read, other.text, "chi_sim") > cer(read, document.text, "chi_sim") + 0.1


def _unwarp(sample, corners: np.ndarray) -> np.ndarray:
    """The photo's page region mapped back onto the page image's grid, as grey levels."""
    page = np.asarray(sample.document.image.convert("L"))
    height, width = page.shape
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    gray = cv2.cvtColor(sample.decode(), cv2.COLOR_BGR2GRAY)
    return cv2.warpPerspective(gray, matrix, (width, height))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = cv2.resize(a, (400, 400), interpolation=cv2.INTER_AREA).astype(np.float64).ravel()
    b = cv2.resize(b, (400, 400), interpolation=cv2.INTER_AREA).astype(np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.parametrize("turned", [0, 90, 180, 270])
def test_corners_map_the_page_clockwise_from_its_upright_top_left(turned):
    sample = make_sample(21 + turned, "application_form", replace(CLEAN, turned_deg=turned, angle_deg=7.0))
    corners = sample.corners
    page = np.asarray(sample.document.image.convert("L"))
    right = _correlation(_unwarp(sample, corners), page)
    wrong_start = _correlation(_unwarp(sample, np.roll(corners, 1, axis=0)), page)
    assert right > 0.8 and wrong_start < 0.4, (right, wrong_start)
    x, y = corners[:, 0], corners[:, 1]
    assert np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) > 0  # clockwise on screen (y points down)
    assert sample.scene.fully_visible
    assert sample.turned_deg == turned
    # under perspective the text direction at the centre lies between the top and bottom edges' directions
    edges = [corners[1] - corners[0], corners[2] - corners[3]]
    turns = [np.degrees(np.arctan2(-dy, dx)) - turned for dx, dy in edges]
    turns = [(t + 180) % 360 - 180 for t in turns]
    assert min(turns) - 0.2 <= -sample.skew_deg <= max(turns) + 0.2, (turns, sample.skew_deg)
    flat = make_sample(21 + turned, "application_form", replace(CLEAN, turned_deg=turned, angle_deg=7.0, tilt=0))
    assert flat.skew_deg == pytest.approx(-7.0, abs=1e-3)


def test_flat_scan_angle_is_exact_and_uses_the_deskew_sign():
    from deskew import determine_skew

    options = SceneOptions(
        flat=True,
        angle_deg=3.0,
        tilt=0.0,
        light=0.0,
        blur_sigma=0.0,
        noise_sigma=0.5,
        jpeg_quality=95,
        background="white",
    )
    sample = make_sample(4, "lease", options)
    assert sample.turned_deg == 0 and sample.skew_deg == pytest.approx(-3.0, abs=1e-3)
    measured = determine_skew(cv2.cvtColor(sample.decode(), cv2.COLOR_BGR2GRAY))
    assert measured == pytest.approx(sample.skew_deg, abs=0.5)
    height, width = sample.decode().shape[:2]
    assert (np.abs(sample.corners - [[width / 2, height / 2]]).max(axis=0) < [width / 2, height / 2]).all()


def test_generate_is_deterministic_and_covers_every_type_and_turn():
    first, again = generate(5, 6), generate(5, 2)
    assert [s.data for s in first[:2]] == [s.data for s in again]
    assert {s.doc_type for s in first} == set(TEMPLATES)
    assert [s.turned_deg for s in first[:4]] == [0, 90, 180, 270]
    assert len({s.data for s in first}) == 6
    other = generate(6, 1)[0]
    assert other.data != first[0].data and other.fields["id_number"] != first[0].fields["id_number"]


def test_light_and_jpeg_quality_change_the_photo_as_asked():
    even = make_sample(8, "invoice", replace(CLEAN, tilt=0.0, light=0.0, angle_deg=0.0, fill=0.7))
    uneven = make_sample(8, "invoice", replace(CLEAN, tilt=0.0, light=0.45, angle_deg=0.0, fill=0.7))

    def paper_spread(sample) -> float:
        gray = _unwarp(sample, sample.corners)
        h, w = gray.shape
        quarters = [
            gray[: h // 2, : w // 2],
            gray[: h // 2, w // 2 :],
            gray[h // 2 :, : w // 2],
            gray[h // 2 :, w // 2 :],
        ]
        levels = [float(np.percentile(q, 90)) for q in quarters]  # the paper, not the ink
        return max(levels) - min(levels)

    assert paper_spread(even) < 8 < paper_spread(uneven)
    rough = make_sample(8, "invoice", replace(CLEAN, jpeg_quality=40))
    assert len(rough.data) < 0.7 * len(make_sample(8, "invoice", CLEAN).data)


def test_clutter_stays_off_the_page_corners():
    for seed in range(3):
        sample = make_sample(seed, "id_card_front", replace(CLEAN, hand=True, second_sheet=True, angle_deg=4.0))
        assert sample.scene.fully_visible
        page = np.asarray(sample.document.image.convert("L"))
        assert _correlation(_unwarp(sample, sample.corners), page) > 0.6
        bgr = sample.decode().astype(int)
        skin = (bgr[..., 2] - bgr[..., 0] > 40) & (bgr[..., 2] > 90)  # reddish: only the hand on a grey desk
        assert skin.sum() > 2000
