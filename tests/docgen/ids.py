"""Valid resident ID numbers (GB 11643-1999) from Dalian district codes, and other document numbers.

The check character is ISO 7064 MOD 11-2 (see /work/shared/domain.md §3). The generator builds its
own numbers instead of using Faker's `ssn()`, which also emits prefecture codes such as 210200.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

# GB/T 2260 district codes of Dalian with their names, as printed in addresses.
DALIAN_DISTRICTS: dict[str, str] = {
    "210202": "中山区",
    "210203": "西岗区",
    "210204": "沙河口区",
    "210211": "甘井子区",
    "210212": "旅顺口区",
    "210213": "金州区",
    "210214": "普兰店区",
    "210224": "长海县",
    "210281": "瓦房店市",
    "210283": "庄河市",
}

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a resident ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def is_valid_id(number: str) -> bool:
    """True when `number` is an 18-character ID with a real birth date and a correct check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born.year > 1900 and number[17].upper() == check_character(number[:17])


@dataclass(frozen=True)
class Person:
    """A made-up resident: the facts an ID card prints."""

    name: str
    sex: str  # 男 / 女
    ethnicity: str
    birth: date
    district_code: str
    address: str
    id_number: str


def make_id_number(rng: random.Random, *, district_code: str, birth: date, male: bool) -> str:
    """An ID number for a person born on `birth` in `district_code`; the sequence's parity gives the sex."""
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{district_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


_STREETS = ["人民路", "中山路", "五四路", "黄河路", "长江路", "西安路", "解放路", "友好路", "胜利路", "华北路"]
_ESTATES = ["阳光小区", "海景花园", "星海湾小区", "春柳小区", "金色家园", "绿洲小区", "新华苑", "山水人家"]
_ETHNICITIES = ["汉"] * 9 + ["满"]


def make_address(rng: random.Random, district_code: str) -> str:
    """A Dalian address: district + street + number + estate + building/unit/flat."""
    return (
        f"辽宁省大连市{DALIAN_DISTRICTS[district_code]}{rng.choice(_STREETS)}{rng.randint(1, 199)}号"
        f"{rng.choice(_ESTATES)}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元"
        f"{rng.randint(1, 28)}{rng.randint(1, 4):02d}室"
    )


def make_person(rng: random.Random, name: str, *, male: bool, today: date, ages: tuple[int, int] = (22, 60)) -> Person:
    """A person aged `ages` (22–60 by default) on `today` with a valid Dalian ID number."""
    birth = today - timedelta(days=rng.randint(ages[0] * 365, ages[1] * 365))
    district = rng.choice(sorted(DALIAN_DISTRICTS))
    return Person(
        name=name,
        sex="男" if male else "女",
        ethnicity=rng.choice(_ETHNICITIES),
        birth=birth,
        district_code=district,
        address=make_address(rng, district),
        id_number=make_id_number(rng, district_code=district, birth=birth, male=male),
    )


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [3**i % 31 for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def org_code_check(code8: str) -> str:
    """GB 11714 check character of an 8-character organisation code (letters A=10 … Z=35)."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(code8, _ORG_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_check(first17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def make_uscc(rng: random.Random) -> str:
    """A valid unified social credit code of a Dalian enterprise (`912102…`)."""
    org8 = "".join(rng.choice(_USCC_CHARS) for _ in range(8))
    first17 = "912102" + f"{rng.randint(0, 99):02d}" + org8 + org_code_check(org8)
    return first17 + uscc_check(first17)
