"""Made-up facts that documents print: names, companies, phone and bank-card numbers, amounts in words.

Everything comes from one seeded `random.Random` (and a Faker seeded from it), so a seed gives the
same documents on every machine with the same Faker version.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from faker import Faker

from .ids import Person, make_person, make_uscc

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿"]


def yuan_in_words(amount: Decimal) -> str:
    """An amount in capital Chinese numerals as invoices and forms print it, e.g. 壹仟贰佰元整."""
    fen_total = int((amount * 100).to_integral_value())
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    words = _integer_words(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    return words + (_DIGITS[fen] + "分" if fen else "")


def _integer_words(number: int) -> str:
    """Capital numerals of a positive whole number below 10^12, with the zeros Chinese reading inserts."""
    sections = []
    while number:
        number, section = divmod(number, 10_000)
        sections.append(section)
    words, skipped = "", False
    for index in reversed(range(len(sections))):
        section = sections[index]
        if not section:
            skipped = bool(words)
            continue
        if words and (skipped or section < 1000):
            words += "零"
        words += _section_words(section) + _SECTIONS[index]
        skipped = False
    return words


def _section_words(section: int) -> str:
    """Capital numerals of 1–9999."""
    text, zero = "", False
    for power in range(3, -1, -1):
        digit = section // 10**power % 10
        if digit:
            text += ("零" if zero and text else "") + _DIGITS[digit] + _UNITS[power]
            zero = False
        else:
            zero = True
    return text


def luhn_complete(prefix: str) -> str:
    """`prefix` plus the Luhn check digit (ISO/IEC 7812), as bank cards carry."""
    total = 0
    for i, d in enumerate(reversed(prefix)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return prefix + str((10 - total % 10) % 10)


class Facts:
    """A seeded source of people, companies and numbers for one document."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(rng.getrandbits(32))

    def person(self, male: bool | None = None) -> Person:
        """A resident with a valid Dalian ID number."""
        male = self.rng.random() < 0.5 if male is None else male
        name = self.faker.name_male() if male else self.faker.name_female()
        return make_person(self.rng, name, male=male, today=self.today)

    def company(self) -> tuple[str, str]:
        """A Dalian company name and its unified social credit code."""
        return "大连" + self.faker.company(), make_uscc(self.rng)

    def phone(self) -> str:
        """An 11-digit mobile number."""
        return self.rng.choice(["138", "139", "150", "186", "158", "135"]) + f"{self.rng.randrange(10**8):08d}"

    def bank_card(self) -> str:
        """A 19-digit UnionPay card number with a valid Luhn digit."""
        return luhn_complete("62" + "".join(str(self.rng.randrange(10)) for _ in range(16)))

    def retiree(self) -> Person:
        """A retired resident: 61–75 years old, so past the retirement age of either sex."""
        male = self.rng.random() < 0.5
        name = self.faker.name_male() if male else self.faker.name_female()
        return make_person(self.rng, name, male=male, today=self.today, ages=(61, 75))

    def card_number(self, prefix: str, length: int) -> str:
        """A bank-card number of `length` digits starting with the issuer's `prefix`, Luhn-valid."""
        return luhn_complete(prefix + self.digits(length - len(prefix) - 1))

    def property_certificate_no(self) -> str:
        """A Dalian 不动产权证书 number, e.g. 辽（2019）大连市内四区不动产权第0123456号."""
        region = self.rng.choice(["大连市内四区", "大连市甘井子区", "大连金普新区", "大连市旅顺口区", "大连高新区"])
        return f"辽（{self.rng.randint(2016, self.today.year - 1)}）{region}不动产权第{self.digits(7)}号"

    def recent_date(self, max_days: int = 60) -> date:
        """A date within `max_days` before today."""
        return self.today - timedelta(days=self.rng.randint(0, max_days))

    def digits(self, n: int) -> str:
        """`n` random digits (certificate, invoice, case numbers)."""
        return "".join(str(self.rng.randrange(10)) for _ in range(n))


def cn_date(day: date) -> str:
    """A date as Chinese documents print it: 2026年03月08日."""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


class HolderFacts(Facts):
    """Facts whose `holder_call`-th person is `holder` (a real customer); everyone else is made up.
    A lease's first person is the landlord, so its tenant is the second call."""

    def __init__(self, rng: random.Random, today: date, holder: Person, holder_call: int) -> None:
        super().__init__(rng, today)
        self.holder, self.holder_call, self.calls = holder, holder_call, 0

    def person(self, male: bool | None = None) -> Person:
        self.calls += 1
        return self.holder if self.calls == self.holder_call else super().person(male)
