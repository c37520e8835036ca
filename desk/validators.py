"""Check characters of the numbers a counter sees: resident ID, unified social credit code, bank card.

Each check returns a small result object with a message key (see `desk/i18n/records.toml`)
instead of raising, so callers can show the problem in the user's language.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date

# --- Resident ID number, GB 11643-1999 (ISO 7064 MOD 11-2) ---------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province-level prefixes of GB/T 2260, plus HK/Macau/Taiwan residence permits (81-83).
# Old county codes stay in IDs for life, so only the province prefix is checked.
ID_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
EARLIEST_BIRTH = date(1900, 1, 1)

# What clerks and OCR type instead of the real characters.
_LOOKALIKES = str.maketrans({"×": "X", "x": "X", "Ｘ": "X", "ｘ": "X", "O": "0", "o": "0", "l": "1", "I": "1"})
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking a resident ID number.

    `number` is the normalised 18-character form (a valid 15-digit number is upgraded);
    `problem` is None when valid, else a message key under `records.id_problem`.
    """

    number: str
    problem: str | None = None
    birth_date: date | None = None
    sex: str | None = None  # "M" or "F"

    @property
    def ok(self) -> bool:
        """True when the number is valid."""
        return self.problem is None


def normalize_id_input(text: str) -> str:
    """Strip spaces and turn full-width digits and look-alike letters into ID characters."""
    cleaned = re.sub(r"[\s\-]", "", text).translate(FULL_WIDTH_DIGITS)
    return cleaned.translate(_LOOKALIKES).upper()


def id_check_char(body17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits."""
    if len(body17) != 17:
        raise ValueError("an ID check character is computed over exactly 17 digits")
    return ID_CHECK_CHARS[sum(map(operator.mul, map(int, body17), ID_WEIGHTS)) % 11]


def upgrade_id_15_to_18(number15: str) -> str:
    """The 18-character form of a 1989-style 15-digit number ("19" inserted, check appended)."""
    body = number15[:6] + "19" + number15[6:]
    return body + id_check_char(body)


def downgrade_id_18_to_15(number18: str) -> str:
    """The 15-digit form of an 18-character number born in the 1900s (inverse of the upgrade)."""
    if number18[6:8] != "19":
        raise ValueError("only numbers of people born 1900-1999 had a 15-digit form")
    return number18[:6] + number18[8:17]


def _birth_date(digits8: str, today: date) -> date | None:
    try:
        born = date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None
    return born if EARLIEST_BIRTH <= born <= today else None


def check_id_number(text: str, *, today: date | None = None) -> IdCheck:
    """Check a resident ID number: length, characters, province, real birth date, check character."""
    number = normalize_id_input(text)
    today = today or date.today()
    if len(number) == 15 and number.isdigit():
        number = upgrade_id_15_to_18(number)
    if len(number) != 18:
        return IdCheck(number, "records.id_problem.length")
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        return IdCheck(number, "records.id_problem.characters")
    if number[:2] not in ID_PROVINCES and number[0] != "9":
        return IdCheck(number, "records.id_problem.region")
    born = _birth_date(number[6:14], today)
    if born is None:
        return IdCheck(number, "records.id_problem.birth_date")
    if id_check_char(number[:17]) != number[17]:
        return IdCheck(number, "records.id_problem.check_char", birth_date=born)
    return IdCheck(number, None, birth_date=born, sex="M" if int(number[16]) % 2 else "F")


# --- Unified social credit code, GB 32100-2015 (with the GB 11714 organisation-code check) -------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_SHAPE = re.compile(rf"^[{USCC_CHARS}]{{18}}$")


@dataclass(frozen=True)
class CreditCodeCheck:
    """The outcome of checking a unified social credit code; `problem` is a message key or None."""

    code: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when the code is valid."""
        return self.problem is None


def uscc_check_char(body17: str) -> str:
    """The GB 32100 check character (position 18) of the first 17 characters."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character of an 8-character organisation code (digits and A-Z)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_credit_code(text: str) -> CreditCodeCheck:
    """Check a unified social credit code: shape, organisation-code check (pos. 17), GB 32100 check (pos. 18)."""
    code = re.sub(r"\s", "", text).upper()
    if len(code) != 18:
        return CreditCodeCheck(code, "records.uscc_problem.length")
    if not _USCC_SHAPE.match(code):
        return CreditCodeCheck(code, "records.uscc_problem.characters")
    if uscc_check_char(code[:17]) != code[17]:
        return CreditCodeCheck(code, "records.uscc_problem.check_char")
    org = code[8:16]
    if org_code_check_char(org) != code[16]:
        return CreditCodeCheck(code, "records.uscc_problem.org_check")
    return CreditCodeCheck(code)


# --- Bank card, ISO/IEC 7812 Luhn ------------------------------------------------------------------


@dataclass(frozen=True)
class CardCheck:
    """A bank card number: `problem` refuses it (wrong shape); `warning` only flags a Luhn failure,
    because some old domestic cards fail Luhn and the bank's name check is authoritative."""

    number: str
    problem: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        """True when the number is acceptable (a warning does not refuse it)."""
        return self.problem is None


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2d, minus 9 when above 9


def _luhn_total(digits: str) -> int:
    return sum(map(int, digits[::-1][::2])) + sum(_LUHN_DOUBLED[int(ch)] for ch in digits[::-1][1::2])


def luhn_ok(digits: str) -> bool:
    """True when the digit string passes the Luhn check."""
    return _luhn_total(digits) % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial + digit` pass the Luhn check."""
    return str(-_luhn_total(partial + "0") % 10)


def check_bank_card(text: str) -> CardCheck:
    """Check a bank card number: 16-19 digits (refusal), Luhn (warning only)."""
    number = re.sub(r"[\s\-]", "", text).translate(FULL_WIDTH_DIGITS)
    if not number.isdigit() or not 16 <= len(number) <= 19:
        return CardCheck(number, problem="records.card_problem.shape")
    if not luhn_ok(number):
        return CardCheck(number, warning="records.card_problem.luhn")
    return CardCheck(number)
