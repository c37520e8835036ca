"""ID numbers mended with the engine's runner-up reading of one character.

Typed ID lines with one digit worn (part of its ink wiped, the line blurred) are drawn here and read by
the real PP-OCRv4 engine: the number fails its check character as read, and the engine's own second
choice for the worn digit mends it. Choices built by hand test the refusals: ambiguous mends, doubt
that is not material, and numbers that are valid as read.
"""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest

from desk.capture import engine_rapidocr, engines, fields, id_numbers
from desk.capture.reading import Line, Reading
from desk.validators import id_check_char
from tests.capture import id_pages

TODAY = date(2026, 8, 20)


def _read(bgr) -> tuple:
    return engines.read_page(
        id_pages.gray(bgr), engine="rapidocr", languages="chi_sim+eng", timeout_s=120, photographed=False
    )


def _sure(text: str) -> list[tuple[tuple[str, float], ...]]:
    """Choices of a line read with no doubt: each character alone, probability 0.99."""
    return [((char, 0.99), (" ", 0.005), ("—", 0.001)) for char in text]


def _with_doubt(choices: list, position: int, read: tuple[str, float], rival: tuple[str, float]) -> list:
    changed = list(choices)
    changed[position] = (read, rival, ("—", 0.001))
    return changed


def _valid_after(number: str, position: int, first: int = 0) -> str | None:
    """The one digit at `position` that makes `number` (wrong elsewhere) pass the check, if any."""
    for digit in "0123456789"[first:]:
        value = number[:position] + digit + number[position + 1 :]
        if id_numbers.is_valid(value, TODAY):
            return digit
    return None


# --- worn digits on drawn lines, read by the real engine ---------------------------------------------


@pytest.mark.parametrize(
    ("label", "number", "face", "wear", "blur", "misread"),
    [
        # a 4 with its left half worn away reads as 1 (…046490 → …016490)
        ("出租方身份证号码：", "370102197405046490", "serif", id_pages.Wear(13, "left", 0.43), 1.2, "1"),
        # a 3 with its top rubbed off reads as 5
        ("承租方身份证号：", "210202198607317207", "sans", id_pages.Wear(12, "top", 0.4), 0.0, "5"),
        # a 0 with a band across its middle wiped reads as the letter C
        ("出租方身份证号码：", "210202196404203083", "sans", id_pages.Wear(15, "band", 0.48), 0.8, "C"),
    ],
)
def test_a_worn_digit_of_a_typed_id_number_is_mended_with_the_engines_second_choice(
    label, number, face, wear, blur, misread
):
    shifted = id_pages.Wear(len(label) + wear.position, wear.part, wear.share)
    image, reading = _read(id_pages.typed_line(label + number, face=face, wear=shifted, blur=blur))
    line = next(line for line in reading.lines if number[:6] in line.text)
    at = line.text.index(number[:6]) + wear.position
    assert line.text[at] == misread, "the worn digit is misread by the engine"
    assert not fields.extract(reading.text, today=TODAY)["id_numbers"], "without the choices: no ID number"
    found = fields.extract_page(reading, (), image=image, today=TODAY)["id_numbers"]
    assert [(item["value"], item["repaired"]) for item in found] == [(number, [wear.position])]


def test_the_engine_keeps_choices_for_digit_lines_only_lined_up_with_their_text():
    rng = random.Random(5)
    number = id_pages.id_number(rng)
    _, reading = _read(id_pages.typed_line(f"乙方身份证号：{number}", face="sans"))
    digits = next(line for line in reading.lines if number in line.text)
    assert len(digits.choices) == len(digits.text)
    assert [choice[0][0] for choice in digits.choices] == list(digits.text), "the character read comes first"
    assert all(len(choice) == 3 and choice[0][1] >= choice[1][1] >= choice[2][1] for choice in digits.choices[-18:])
    _, words = _read(id_pages.typed_line("房屋租赁合同", face="sans"))
    assert words.lines and all(line.choices == [] for line in words.lines), "no digit run, no choices kept"


def test_choices_follow_ctc_runs_and_their_blank_neighbours():
    alphabet = ["blank", "1", "4", "7"]
    steps = [
        [0.9, 0.05, 0.05, 0.0],  # blank
        [0.1, 0.6, 0.3, 0.0],  # "1" begins; 4 a close second
        [0.1, 0.8, 0.1, 0.0],  # still "1"
        [0.75, 0.0, 0.0, 0.25],  # blank, where a faint 7 peaks
        [0.0, 0.0, 0.0, 1.0],  # "7"
    ]
    choices = engine_rapidocr.character_choices(np.array(steps), alphabet)
    assert [c[0] for c in choices] == [("1", 0.8), ("7", 1.0)]
    assert choices[0][1:] == (("4", 0.3), ("7", 0.25)), "the runner-ups' best steps, the blank after the run too"


# --- refusals, with choices built by hand ------------------------------------------------------------


def _failing(rng: random.Random) -> tuple[str, int, str]:
    """A valid number, a place, and the number with a wrong digit there (which fails the check)."""
    number = id_pages.id_number(rng)
    position = rng.randrange(6, 17)
    wrong = next(d for d in "0123456789" if d != number[position])
    return number, position, number[:position] + wrong + number[position + 1 :]


def test_a_doubtful_digit_with_a_material_second_choice_is_mended():
    number, position, misread = _failing(random.Random(1))
    choices = _with_doubt(_sure(misread), position, (misread[position], 0.6), (number[position], 0.3))
    found = id_numbers.find_with_choices(misread, choices, TODAY)
    assert found == [{"value": number, "raw": misread, "repaired": [position]}]


def test_a_second_choice_below_the_material_share_is_no_repair():
    number, position, misread = _failing(random.Random(2))
    choices = _with_doubt(_sure(misread), position, (misread[position], 0.97), (number[position], 0.02))
    assert id_numbers.find_with_choices(misread, choices, TODAY) == []


def test_a_confident_misread_is_not_guessed_at_from_faint_doubt_elsewhere():
    _, position, misread = _failing(random.Random(3))
    choices = _sure(misread)
    for place in range(18):  # every other place: a faint rival digit, the one that would pass
        rival = _valid_after(misread, place) if place != position else None
        if rival is not None:
            choices = _with_doubt(choices, place, (misread[place], 0.95), (rival, 0.04))
    assert id_numbers.find_with_choices(misread, choices, TODAY) == []


def test_two_places_that_each_make_a_valid_number_with_like_odds_are_refused():
    rng = random.Random(4)
    for _ in range(50):  # a second place whose one other digit also passes, with a valid birth date
        number, position, misread = _failing(rng)
        other = next((p for p in range(14, 17) if p != position and _valid_after(misread, p) is not None), None)
        if other is not None:
            break
    assert other is not None
    rival = _valid_after(misread, other)
    choices = _with_doubt(_sure(misread), position, (misread[position], 0.5), (number[position], 0.45))
    choices = _with_doubt(choices, other, (misread[other], 0.55), (rival, 0.4))
    assert id_numbers.find_with_choices(misread, choices, TODAY) == [], "two valid mends of like odds: none"
    clear = _with_doubt(choices, other, (misread[other], 0.92), (rival, 0.06))  # odds 0.065 against 0.9
    assert id_numbers.find_with_choices(misread, clear, TODAY)[0]["value"] == number


def test_a_valid_number_is_never_changed_whatever_its_choices():
    rng = random.Random(6)
    tempting = 0
    for _ in range(100):
        number = id_pages.id_number(rng)
        text = f"身份证号：{number}"
        choices = _sure(text)
        # strong rivals at two places that together spell another valid number
        first = rng.choice([d for d in "0123456789" if d != number[14]])
        changed = number[:14] + first + number[15:]
        second = _valid_after(changed, 15)
        if second is not None and second != number[15]:
            choices = _with_doubt(choices, 5 + 14, (number[14], 0.5), (first, 0.45))
            choices = _with_doubt(choices, 5 + 15, (number[15], 0.5), (second, 0.45))
            tempting += 1
        assert id_numbers.find_with_choices(text, choices, TODAY) == []
        reading = Reading(text=text, lines=[Line(text=text, box=(0, 0, 400, 30), confidence=90.0, choices=choices)])
        assert fields.extract_page(reading, (), today=TODAY)["id_numbers"] == [
            {"value": number, "raw": number, "repaired": []}
        ]
    assert tempting > 50, "most numbers had rivals that would spell another valid number"


def test_a_letter_read_for_a_digit_takes_the_digit_among_its_choices():
    number, position, _ = _failing(random.Random(7))
    misread = number[:position] + "u" + number[position + 1 :]
    choices = _with_doubt(_sure(misread), position, ("u", 0.7), (number[position], 0.2))
    assert id_numbers.find_with_choices(misread, choices, TODAY)[0]["value"] == number
    unsure_of_the_rest = _with_doubt(_sure(misread), position, ("u", 0.99), ("v", 0.005))
    assert id_numbers.find_with_choices(misread, unsure_of_the_rest, TODAY) == []


def test_a_full_width_second_choice_counts_as_its_digit():
    number, position, misread = _failing(random.Random(8))
    wide = chr(ord(number[position]) - ord("0") + ord("０"))
    choices = _with_doubt(_sure(misread), position, (misread[position], 0.7), (wide, 0.2))
    assert id_numbers.find_with_choices(misread, choices, TODAY)[0]["value"] == number


def test_check_character_x_is_a_choice_for_the_last_place_only():
    rng = random.Random(9)
    while True:
        first = id_pages.id_number(rng)[:17]
        if id_check_char(first) == "X":
            break
    misread = first + "4"
    choices = _with_doubt(_sure(misread), 17, ("4", 0.6), ("x", 0.3))
    assert id_numbers.find_with_choices(misread, choices, TODAY)[0]["value"] == first + "X"
