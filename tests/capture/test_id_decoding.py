"""ID numbers decoded again from the recogniser's steps as 18 characters: a digit run into its twin.

Step matrices built by hand test the decoding itself (against sums over every path, worked out by
brute force); typed lines read by the real PP-OCRv4 engine test that a small blurred number whose
greedy reading runs two equal digits into one is read whole.
"""

from __future__ import annotations

import itertools
from datetime import date

import cv2
import numpy as np
import pytest

from desk.capture import engines, fields, id_decoding, id_numbers
from desk.capture.reading import Line, Reading
from tests.capture import id_pages

TODAY = date(2026, 8, 20)
NUMBER = "210203200010036361"  # valid; "000" and "00" are where a blurred print runs digits together
READ = "身份证号码：" + NUMBER[:8] + NUMBER[9:]  # the line as the engine first read it: a 0 short


def _step(noise: float = 0.0, **probabilities: float) -> list[float]:
    """One step: the named ID characters' probabilities ("d0".."d9", "X"), `noise` for each other one,
    the rest the blank's."""
    row = [0.0] + [noise] * len(id_decoding.ID_CLASSES)
    for name, p in probabilities.items():
        row[1 + id_decoding.ID_CLASSES.index(name.removeprefix("d"))] = p
    row[0] = 1.0 - sum(row)
    return row


def _printed(number: str, *, merged_at: int | None = None, doubt: float = 0.45, noise: float = 0.0) -> np.ndarray:
    """Steps for `number` printed: each character on one step, a blank between, `noise` for every other
    character at every step. At `merged_at` (the second of two equal characters) the blank step between
    them reads the character with `1 − doubt`, so the greedy decoder runs the two into one."""
    rows = [_step(noise)]
    for n, char in enumerate(number):
        if n == merged_at:
            rows[-1] = _step(noise, **{f"d{char}": 1.0 - doubt})
        rows += [_step(noise, **{f"d{char}": 0.95}), _step(noise)]
    return np.array(rows, dtype=np.float32)


def _paths(steps: np.ndarray) -> dict[str, float]:
    """Every reading of `steps` with its probability, summed over every path of the steps (brute force)."""
    readings: dict[str, float] = {}
    for path in itertools.product(range(steps.shape[1]), repeat=len(steps)):
        p = float(np.prod([steps[t, k] for t, k in enumerate(path)]))
        collapsed = [k for t, k in enumerate(path) if k != 0 and (t == 0 or path[t - 1] != k)]
        text = "".join(id_decoding.ID_CLASSES[k - 1] for k in collapsed)
        readings[text] = readings.get(text, 0.0) + p
    return readings


def test_two_equal_digits_run_into_one_are_decoded_apart():
    steps = _printed(NUMBER, merged_at=8)  # the second 0 of …2000…
    short = NUMBER[:8] + NUMBER[9:]
    assert id_decoding.greedy(steps) == short, "the greedy reading drops a 0"
    [found] = id_decoding.decode(steps, READ, TODAY)
    assert found["value"] == NUMBER and found["raw"] == short
    assert len(found["repaired"]) == 1 and found["repaired"][0] in (7, 8, 9), "one of the three 0s was added"


def test_with_noise_the_blank_between_equal_digits_still_tells_where_a_digit_was_dropped():
    steps = _printed(NUMBER, merged_at=8, noise=0.001)
    assert [found["value"] for found in id_decoding.decode(steps, READ, TODAY)] == [NUMBER]


def test_a_number_read_a_digit_short_is_not_given_a_digit_from_nowhere():
    # 17 characters read with the same faint noise everywhere: an 18th could be any digit at any place,
    # and some of those readings pass the check by chance
    short = NUMBER[:8] + NUMBER[9:]
    assert id_decoding.decode(_printed(short, noise=0.002), short, TODAY) == []


def test_a_blank_between_equal_digits_no_likelier_than_noise_is_not_enough():
    # the model is as sure that the two steps are one 0 as that any digit stands anywhere
    assert id_decoding.decode(_printed(NUMBER, merged_at=8, doubt=0.002, noise=0.002), READ, TODAY) == []


def test_a_number_the_line_was_first_read_far_from_is_not_taken():
    # the engine first read the line upside down: whatever its second read decodes does not mend that
    upside_down = "身份证号码：" + NUMBER[::-1]
    assert id_decoding.decode(_printed(NUMBER, merged_at=8), upside_down, TODAY) == []


def test_the_beam_and_the_length_sums_match_every_path_summed():
    rng = np.random.default_rng(4)
    steps = rng.dirichlet(np.ones(1 + len(id_decoding.ID_CLASSES)) * 0.4, size=5).astype(np.float64)
    steps = np.maximum(steps, 1e-3)  # none below the floor the beam search leaves out
    steps[:, -1] = 0.0  # X only counts as an 18th character, which five steps never reach
    steps /= steps.sum(axis=1, keepdims=True)
    every = _paths(steps)
    for length in range(6):
        expected = sum(p for text, p in every.items() if len(text) == length)
        assert id_decoding.length_mass(steps, length) == pytest.approx(expected, rel=1e-9)
    beams = id_decoding.beam_search(steps, beam=200_000)  # nothing pruned: exact
    for text, p in every.items():
        assert beams.get(text, 0.0) == pytest.approx(p, rel=1e-9, abs=1e-15)


def test_a_run_between_other_characters_is_decoded_on_its_own():
    label = np.array([[0.01] + [0.0] * len(id_decoding.ID_CLASSES)] * 3, dtype=np.float32)  # 号码： (others)
    steps = np.vstack([label, _printed(NUMBER, merged_at=12), label])
    assert id_decoding.digit_runs(steps) == [(3, 3 + len(_printed(NUMBER)))]
    assert [found["value"] for found in id_decoding.decode(steps, READ, TODAY)] == [NUMBER]


def test_the_engine_reads_again_stretched_only_digit_lines_that_fail_the_check():
    def digit_line(text: str):
        _, reading = engines.read_page(
            id_pages.gray(id_pages.typed_line(text, face="sans", px=30)),
            engine="rapidocr",
            languages="chi_sim+eng",
            timeout_s=120,
            photographed=False,
        )
        return next(line for line in reading.lines if line.choices)

    assert digit_line(f"身份证号码：{NUMBER}").id_steps is None, "a valid number needs no second read"
    wrong = NUMBER[:-1] + ("2" if NUMBER[-1] != "2" else "3")  # its check character fails
    steps = digit_line(f"身份证号码：{wrong}").id_steps
    assert steps is not None and steps.shape[1] == 1 + len(id_decoding.ID_CLASSES)
    assert id_decoding.greedy(steps[slice(*id_decoding.digit_runs(steps)[0])]) == wrong


def _read_typed(text: str, face: str, px: int, blur: float, quality: int) -> tuple:
    """`text` typed small, blurred and JPEG'd, read by the real engine: (image read, reading)."""
    typed = id_pages.typed_line(text, face=face, px=px, blur=blur)
    _, encoded = cv2.imencode(".jpg", typed, [cv2.IMWRITE_JPEG_QUALITY, quality])
    photo = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    return engines.read_page(
        id_pages.gray(photo), engine="rapidocr", languages="chi_sim+eng", timeout_s=120, photographed=False
    )


@pytest.mark.parametrize(
    ("label", "number", "face", "px", "blur", "quality"),
    [
        # first read …1906… (6 as 0): no runner-up mends it; the stretched read gives 1966
        ("证件号码 ", "210211196608112219", "ming", 17, 1.68, 79),
        # first read 210208…1998… (two 3s as 8s)
        ("证件号码 ", "210203199305082423", "ming", 15, 0.92, 72),
        # first read with the check character 5 as 6, its runner-up not material
        ("身份证号码：", "210204195208062795", "ming", 15, 1.18, 87),
    ],
)
def test_a_small_blurred_number_misread_at_first_is_read_from_its_stretched_steps(
    label, number, face, px, blur, quality
):
    image, reading = _read_typed(label + number, face, px, blur, quality)
    line = next(line for line in reading.lines if line.id_steps is not None)
    assert number not in line.text, "the first read gets the number wrong"
    stretched = line.id_steps
    line.id_steps = None
    assert not fields.extract_page(reading, (), image=image, today=TODAY)["id_numbers"], "nor can it be mended"
    line.id_steps = stretched
    [found] = fields.extract_page(reading, (), image=image, today=TODAY)["id_numbers"]
    assert found["value"] == number and found["repaired"], "read, and marked as mended for the clerk to check"


# --- a mend of the first reading, checked against the line read again ---------------------------------


def _mendable(misread: str, number: str) -> Line:
    """A line read `misread` (failing the check) whose one doubtful place has `number`'s digit as a
    material second choice, and no stretched reading yet."""
    [position] = [n for n in range(18) if misread[n] != number[n]]
    choices = [((char, 0.99), ("—", 0.005)) for char in misread]
    choices[position] = ((misread[position], 0.6), (number[position], 0.35))
    return Line(text=misread, box=(0, 0, 400, 30), confidence=90.0, choices=choices)


def _ids_of(line: Line) -> list[str]:
    return [
        found["value"]
        for found in fields.extract_page(Reading(text=line.text, lines=[line]), today=TODAY)["id_numbers"]
    ]


def test_a_mend_the_line_read_again_bears_out_is_taken():
    misread = NUMBER[:12] + "8" + NUMBER[13:]  # …10036361 read …10086361: fails the check
    line = _mendable(misread, NUMBER)
    line.id_steps = _printed(misread)  # read again the same, or nearly
    assert _ids_of(line) == [NUMBER]
    line.id_steps = np.array([_step()] * 4, dtype=np.float32)  # read again as no digits: says nothing
    assert _ids_of(line) == [NUMBER]


def test_a_mend_the_line_read_again_disagrees_with_in_several_places_is_refused():
    # a faint handwritten number misread in four places passed the check by chance with one digit
    # changed (found on a generated lease photographed from across the desk): read again stretched it
    # gave other digits in most of those places, so the first reading was not one slip but many
    true = "210202199905022532"
    misread = "210802190903022538"  # read so: 4 places wrong; its 4th digit 8 → 2 passes the check
    mended = misread[:3] + "2" + misread[4:]
    assert id_numbers.is_valid(mended, TODAY) and mended != true
    line = _mendable(misread, mended)
    line.id_steps = _printed("120202199503022532")  # the stretched reading of that line
    assert _ids_of(line) == []
