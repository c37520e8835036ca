"""Check-character validators: resident ID (GB 11643), credit code (GB 32100), bank card (Luhn)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from desk.validators import (
    USCC_CHARS,
    check_bank_card,
    check_credit_code,
    check_id_number,
    downgrade_id_18_to_15,
    id_check_char,
    luhn_check_digit,
    luhn_ok,
    org_code_check_char,
    upgrade_id_15_to_18,
    uscc_check_char,
)

TODAY = date(2026, 9, 15)
REGIONS = ["110105", "210202", "210211", "210283", "210282", "530102", "440305", "650102", "810000", "830000"]


@st.composite
def id_numbers(draw: st.DrawFn, min_year: int = 1900, max_year: int = 2025) -> str:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=date(min_year, 1, 1), max_value=date(max_year, 12, 31)))
    body = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return body + id_check_char(body)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    org = draw(st.text(alphabet=USCC_CHARS, min_size=8, max_size=8))
    body = draw(st.sampled_from(["91", "92", "93", "12", "52", "Y1"])) + draw(st.sampled_from(REGIONS)) + org
    body += org_code_check_char(org)  # a digit or X, both in the character set
    return body + uscc_check_char(body)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    partial = draw(st.text(alphabet="0123456789", min_size=15, max_size=18))
    return partial + luhn_check_digit(partial)


def _single_changes(value: str, alphabet: str, position: int, replacement: str) -> str | None:
    position %= len(value)
    if replacement == value[position] or replacement not in alphabet:
        return None
    return value[:position] + replacement + value[position + 1 :]


# --- ID numbers ---------------------------------------------------------------------------------


def test_published_examples_pass():
    for number in ("11010519491231002X", "53010219200508011X"):
        check = check_id_number(number, today=TODAY)
        assert check.ok, check
    assert check_id_number("11010519491231002X", today=TODAY).sex == "F"
    assert check_id_number("11010519491231002X", today=TODAY).birth_date == date(1949, 12, 31)


@given(id_numbers())
def test_generated_ids_pass(number):
    check = check_id_number(number, today=TODAY)
    assert check.ok and check.number == number
    assert check.sex == ("M" if int(number[16]) % 2 else "F")


@given(id_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_fails(number, position, replacement):
    changed = _single_changes(number, "0123456789X", position, replacement)
    if changed is not None:
        assert not check_id_number(changed, today=TODAY).ok


@given(id_numbers(min_year=1900, max_year=1999))
def test_15_to_18_upgrade_round_trips(number):
    old = downgrade_id_18_to_15(number)
    assert len(old) == 15 and old.isdigit()
    assert upgrade_id_15_to_18(old) == number
    check = check_id_number(old, today=TODAY)  # a 15-digit input is upgraded, then checked
    assert check.ok and check.number == number


def test_wrong_check_character_is_named():
    assert check_id_number("110105194912310021", today=TODAY).problem == "records.id_problem.check_char"


def test_other_problems_are_named():
    assert check_id_number("2102031990", today=TODAY).problem == "records.id_problem.length"
    assert check_id_number("21020319900101123A", today=TODAY).problem == "records.id_problem.characters"
    no_province = "00020319900101123"
    assert check_id_number(no_province + id_check_char(no_province), today=TODAY).problem == "records.id_problem.region"
    for bad_date in ("19900230", "18991231", "20270101"):  # no 30 Feb; before 1900; in the future
        body = f"210203{bad_date}123"
        assert check_id_number(body + id_check_char(body), today=TODAY).problem == "records.id_problem.birth_date"


def test_clerk_and_ocr_variants_are_normalised():
    assert check_id_number(" 11010519491231002x ", today=TODAY).ok
    assert check_id_number("11010519491231002×", today=TODAY).ok
    assert check_id_number("１１０１０５１９４９１２３１００２X", today=TODAY).ok


def test_leap_day_birth_is_real_only_in_leap_years():
    good = "21020320000229123"
    bad = "21020319990229123"
    assert check_id_number(good + id_check_char(good), today=TODAY).ok
    assert check_id_number(bad + id_check_char(bad), today=TODAY).problem == "records.id_problem.birth_date"


# --- unified social credit codes ------------------------------------------------------------------


def test_published_credit_code_example():
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert org_code_check_char("M000100Y") == "4"
    assert check_credit_code("91350100M000100Y43").ok


@given(credit_codes())
def test_generated_credit_codes_pass(code):
    assert check_credit_code(code).ok


@given(credit_codes(), st.integers(0, 17), st.sampled_from(USCC_CHARS + "IOZSV"))
def test_any_single_character_change_of_a_credit_code_fails(code, position, replacement):
    changed = _single_changes(code, USCC_CHARS + "IOZSV", position, replacement)
    if changed is not None:
        assert not check_credit_code(changed).ok


def test_credit_code_problems_are_named():
    assert check_credit_code("91350100M000100Y4").problem == "records.uscc_problem.length"
    assert check_credit_code("91350100M000100Y4I").problem == "records.uscc_problem.characters"
    assert check_credit_code("91350100M000100Y44").problem == "records.uscc_problem.check_char"


# --- bank cards -----------------------------------------------------------------------------------


@given(card_numbers())
def test_generated_cards_pass_luhn(number):
    assert luhn_ok(number)
    result = check_bank_card(number)
    assert result.ok and result.warning is None


@given(card_numbers(), st.integers(0, 18), st.sampled_from("0123456789"))
def test_single_digit_change_fails_luhn_but_only_warns(number, position, replacement):
    changed = _single_changes(number, "0123456789", position, replacement)
    if changed is not None:
        result = check_bank_card(changed)
        assert result.ok, "a Luhn failure must not refuse the card"
        assert result.warning == "records.card_problem.luhn"


def test_card_shape_is_refused():
    assert check_bank_card("6222 0212 3456").problem == "records.card_problem.shape"
    assert check_bank_card("62220212345678901234").problem == "records.card_problem.shape"
    assert check_bank_card("6222-0212-3456-7890-12A").problem == "records.card_problem.shape"
    assert luhn_ok("79927398713")
