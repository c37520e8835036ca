"""Fields from the engine's lines: ID numbers written in per-digit boxes, numbers split into pieces,
ID-card fronts read label by label. Pages are drawn here (tests/capture/id_pages.py) and read by the
real engines; Readings built by hand test the layout logic on its own."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from desk.capture import digit_boxes, engines, fields, pipeline
from desk.capture.digit_boxes import CellReading
from desk.capture.reading import Line, Reading, Word
from desk.capture.results import JSON_KEYS
from desk.validators import id_check_char
from tests.capture import id_pages

TODAY = date(2026, 8, 20)
FIELD_KEYS = {"id_numbers", "names", "dates", "amounts", "certificate_numbers", "labelled"}


def _read(bgr, *, photographed: bool = False) -> tuple:
    """The image PP-OCRv4 read and its reading, as the pipeline gets them."""
    return engines.read_page(
        id_pages.gray(bgr), engine="rapidocr", languages="chi_sim+eng", timeout_s=120, photographed=photographed
    )


def _ids(found: dict) -> list[str]:
    return [number["value"] for number in found["id_numbers"]]


# --- per-digit boxes, read from real images -------------------------------------------------------------


def test_the_cell_row_is_found_where_the_boxes_are_drawn():
    rng = random.Random(11)
    style = id_pages.BoxStyle(pitch_mm=7.0, height_mm=8.0, dpi=200)
    page = id_pages.boxed_form(id_pages.id_number(rng), style, rng)
    image, reading = _read(page)
    label = next(line for line in reading.lines if line.text.startswith("身份证号码"))
    row = digit_boxes.find_cell_row(image, label.box)
    assert row is not None
    cells = digit_boxes.cell_boxes(row)
    assert len(cells) == 18
    pitch_px = 7.0 * 200 / 25.4
    assert abs(row.pitch - pitch_px) < 1.5
    lefts = [left for left, _, _, _ in cells]
    assert all(abs((b - a) - pitch_px) < 3 for a, b in itertools.pairwise(lefts)), "one cell per drawn box"
    assert abs((row.bottom - row.top) - 8.0 * 200 / 25.4) < 6


def test_printed_digits_in_boxes_inside_a_table():
    rng = random.Random(21)
    number = id_pages.id_number(rng)
    style = id_pages.BoxStyle(label="证件号码", pitch_mm=8.5, height_mm=7.0, in_table=True, dpi=200)
    image, reading = _read(id_pages.boxed_form(number, style, rng))
    assert number in _ids(fields.extract_page(reading, (), image=image, today=TODAY))


@pytest.mark.parametrize(("seed", "groups", "label"), [(31, (18,), "公民身份号码"), (32, (6, 8, 4), "身份证号码")])
def test_handwritten_digits_some_touching_the_rules(seed, groups, label):
    rng = random.Random(seed)
    number = id_pages.id_number(rng)
    style = id_pages.BoxStyle(
        label=label, pitch_mm=7.5, height_mm=8.5, hand=True, touching=4, groups=groups, rule_mm=0.4, dpi=200
    )
    image, reading = _read(id_pages.boxed_form(number, style, rng))
    found = fields.extract_page(reading, (), image=image, today=TODAY)
    assert _ids(found)[0] == number


def test_a_photographed_form_through_the_whole_pipeline_keeps_the_json_contract():
    rng = random.Random(41)
    number = id_pages.id_number(rng)
    style = id_pages.BoxStyle(pitch_mm=8.0, height_mm=9.0, hand=True, touching=2, dpi=200)
    result = pipeline.process_image(id_pages.photographed(id_pages.boxed_form(number, style, rng), rng))
    assert number in _ids(result.fields)
    assert set(result.to_json()) == set(JSON_KEYS)
    assert set(result.to_json()["fields"]) == FIELD_KEYS


def test_an_unreadable_check_character_is_repaired_from_the_other_seventeen():
    rng = random.Random(51)
    number = id_pages.id_number(rng)
    page = id_pages.boxed_form(number[:17] + " ", id_pages.BoxStyle(pitch_mm=7.0, height_mm=8.0), rng)
    image, reading = _read(page)
    found = fields.extract_page(reading, (), image=image, today=TODAY)
    boxed = next(item for item in found["id_numbers"] if item["value"] == number)
    assert boxed["raw"][:17] == number[:17] and boxed["raw"][17] == "?" and boxed["repaired"] == [17]


# --- check-character repair on cell readings -------------------------------------------------------------


def _cells(text: str, unsure: dict[int, list[tuple[str, float]]] | None = None) -> list[CellReading]:
    """Cell readings of `text`, each certain, except those of `unsure` (position → candidates)."""
    unsure = unsure or {}
    return [CellReading(unsure.get(i, [(char, 0.99)])) for i, char in enumerate(text)]


def test_a_misread_check_character_is_repaired_when_its_cell_was_unsure():
    readings = _cells("11010519491231002X", {17: [("4", 0.41), ("X", 0.33), ("1", 0.1)]})
    assert digit_boxes.id_from_cells(readings, TODAY) == {
        "value": "11010519491231002X",
        "raw": "110105194912310024",
        "repaired": [17],
    }


def test_a_confident_wrong_digit_is_not_repaired():
    assert digit_boxes.id_from_cells(_cells("110105194912310034"), TODAY) is None


def test_two_repairs_that_both_pass_are_not_guessed_between():
    number = "11010519491231002X"
    read_as = "4"  # the check cell, unsure: 4 or X
    # a second unsure cell whose other reading also makes 4 a valid check character
    position, other = next(
        (p, d)
        for p in range(14, 17)
        for d in "0123456789"
        if d != number[p] and id_check_char(number[:p] + d + number[p + 1 : 17]) == read_as
    )
    readings = _cells(
        number[:17] + read_as, {17: [(read_as, 0.4), ("X", 0.35)], position: [(number[position], 0.5), (other, 0.4)]}
    )
    assert digit_boxes.id_from_cells(readings, TODAY) is None
    readings[position] = CellReading([(number[position], 0.99)])  # with that cell certain, the repair is unique
    assert digit_boxes.id_from_cells(readings, TODAY)["value"] == number


# --- layout from hand-built readings -------------------------------------------------------------------


def _segment(text: str, left: int, top: int, height: int = 40, width: int | None = None) -> Line:
    width = width or height * len(text)
    step = width / max(len(text), 1)
    words = [
        Word(char, (round(left + i * step), top, round(step), height), 99.0, (1, 0, 0)) for i, char in enumerate(text)
    ]
    return Line(text=text, box=(left, top, width, height), confidence=99.0, words=words)


def test_an_id_number_split_into_pieces_on_its_label_row_is_joined():
    number = "21020219850314051" + id_check_char("21020219850314051")
    lines = [
        _segment("证件号码", 100, 400),
        _segment("210202", 330, 396, 44),
        _segment("|", 600, 392, 52),
        _segment("19850314", 640, 404, 44),
        _segment(number[14:], 1010, 398, 44),
    ]
    text = f"证件号码 210202 |\n19850314\n{number[14:]}"  # the engine's rows split the pieces
    assert number not in _ids(fields.extract(text, (), TODAY))
    reading = Reading(text=text, lines=lines)
    assert number in _ids(fields.extract_page(reading, (), today=TODAY))


def _card_reading() -> Reading:
    """An ID-card front as PP-OCR segments it: labels and values apart, the name label misread (娃名),
    the name printed larger and lower so the page text puts it on a row of its own, the address over
    three lines, the number in two pieces."""
    lines = [
        _segment("杨敏", 210, 112, 58),
        _segment("娃名", 58, 100, 42),
        _segment("性别", 58, 200, 42),
        _segment("女", 210, 198, 52),
        _segment("民族", 372, 200, 42),
        _segment("汉", 520, 198, 52),
        _segment("出生", 58, 296, 42),
        _segment("2001年10月30日", 212, 295, 48, 438),
        _segment("住址", 58, 390, 42),
        _segment("辽宁省大连市沙河口区西安路", 212, 390, 48),
        _segment("179号新华苑28号楼1单元210", 215, 462, 44, 620),
        _segment("2室", 210, 526, 50, 90),
        _segment("公民身份号码", 62, 709, 38),
        _segment("11010520011030", 347, 694, 50, 490),
        _segment("0506", 973, 700, 50, 145),
    ]
    text = (
        "娃名\n杨敏性别女民族汉\n出生2001年10月30日\n住址辽宁省大连市沙河口区西安路\n"
        "179号新华苑28号楼1单元210\n2室\n公民身份号码11010520011030\n0506"
    )
    return Reading(text=text, lines=lines)


def test_a_card_read_label_by_label():
    wanted = ("name", "sex", "ethnicity", "address")
    found = fields.extract_page(_card_reading(), wanted, today=TODAY)
    assert found["labelled"] == {
        "name": "杨敏",
        "sex": "女",
        "ethnicity": "汉",
        "address": "辽宁省大连市沙河口区西安路179号新华苑28号楼1单元2102室",
    }
    assert found["names"] == ["杨敏"]
    assert _ids(found) == ["110105200110300506"]
    text_only = fields.extract(_card_reading().text, wanted, TODAY)
    assert text_only["labelled"].get("name") != "杨敏" and not text_only["id_numbers"]


def test_a_value_is_not_taken_from_the_next_label():
    lines = [
        _segment("姓名", 58, 100, 42),
        _segment("性别", 58, 200, 42),
        _segment("男", 210, 198, 52),
        _segment("住址", 58, 390, 42),
        _segment("大连市中山区人民路1号", 212, 390, 48),
    ]
    found = fields.extract_page(
        Reading(text="姓名\n性别男\n住址大连市中山区人民路1号", lines=lines), ("name", "sex", "address"), today=TODAY
    )
    assert "name" not in found["labelled"] and found["names"] == []
    assert found["labelled"]["sex"] == "男"


def test_a_stray_mark_read_beside_a_label_stays_out_of_the_value():
    lines = [
        _segment("姓名", 58, 100, 42),
        _segment("罗秀平", 214, 98, 56),
        _segment("性别", 58, 200, 42),
        _segment("女", 214, 198, 52),
        _segment("民族直", 375, 200, 46),
        _segment("朝鲜", 522, 198, 55),
    ]
    found = fields.extract_page(
        Reading(text="姓名罗秀平\n性别女民族直朝鲜", lines=lines), ("name", "ethnicity"), today=TODAY
    )
    assert found["labelled"] == {"name": "罗秀平", "ethnicity": "朝鲜"}


def test_without_lines_or_image_a_page_reads_as_its_text():
    text = "姓名 张伟 公民身份号码 11010519491231002X\n总价款 ¥1,200.00"
    assert fields.extract_page(Reading(text=text), ("name",), today=TODAY) == fields.extract(text, ("name",), TODAY)


# --- ID-card fronts, read from real images -------------------------------------------------------------


@pytest.mark.parametrize("photographed", [False, True])
def test_a_card_front_image_read_label_by_label(photographed):
    rng = random.Random(61)
    facts = id_pages.card_facts(rng)
    page = id_pages.card_front(facts, rng, split_number=True)
    if photographed:
        page = id_pages.photographed(page, rng)
    image, reading = _read(page, photographed=photographed)
    found = fields.extract_page(reading, ("name", "sex", "ethnicity", "address"), image=image, today=TODAY)
    assert found["labelled"] == {
        "name": facts.name,
        "sex": facts.sex,
        "ethnicity": facts.ethnicity,
        "address": facts.address,
    }
    assert _ids(found) == [facts.number]
