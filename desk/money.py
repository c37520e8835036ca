"""Money: exact integer fen inside, `Decimal` yuan at the edges, one formatter per language.

Every amount the desk stores or compares is whole fen (1 yuan = 100 fen), so sums never round.
Text typed by staff or given on the command line becomes fen through `Money.parse`, which refuses
anything that is not an exact amount of at most two decimals; amounts leave as text through
`Money.format` (zh-CN: "21,600.00 元", en: "¥21,600.00").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from desk.i18n import current_language

FEN_PER_YUAN = 100
NO_AMOUNT = "—"
# separators and currency marks a clerk may type around an amount
_NOISE = str.maketrans("", "", ",，¥￥ 元")
_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_UNITS = ("", "拾", "佰", "仟")
_CAPITAL_GROUPS = ("", "万", "亿", "万亿")


class MoneyError(ValueError):
    """Text that is not an exact amount of money; `text` is what was given."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount in fen (negative for a claw-back)."""

    fen: int

    @classmethod
    def parse(cls, text: str | Decimal | int, *, allow_negative: bool = False) -> Money:
        """'1,234.5' (yuan) -> Money(123450); raises MoneyError for anything inexact or malformed."""
        cleaned = text if isinstance(text, (Decimal, int)) else str(text).translate(_NOISE).strip()
        try:
            amount = Decimal(cleaned)
        except (InvalidOperation, ValueError):
            raise MoneyError(str(text)) from None
        exponent = amount.as_tuple().exponent  # a letter only for NaN and infinity, refused first
        if (
            not amount.is_finite()
            or (isinstance(exponent, int) and exponent < -2)
            or (amount < 0 and not allow_negative)
        ):
            raise MoneyError(str(text))
        return cls(int(amount * FEN_PER_YUAN))

    @classmethod
    def optional(cls, text: str | None) -> Money | None:
        """`parse`, but None for an empty field."""
        return None if text is None or not str(text).translate(_NOISE).strip() else cls.parse(text)

    @property
    def yuan(self) -> Decimal:
        """The exact amount in yuan."""
        return Decimal(self.fen) / FEN_PER_YUAN

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def plain(self) -> str:
        """Yuan with thousands separators and two decimals, no unit: '21,600.00'."""
        sign = "-" if self.fen < 0 else ""
        return f"{sign}{Decimal(abs(self.fen)) / FEN_PER_YUAN:,.2f}"

    def format(self, language: str | None = None) -> str:
        """As the language writes amounts: zh-CN '21,600.00 元', en '¥21,600.00'."""
        if (language or current_language()) == "en":
            sign = "-" if self.fen < 0 else ""
            return f"{sign}¥{Decimal(abs(self.fen)) / FEN_PER_YUAN:,.2f}"
        return f"{self.plain()} 元"

    def capital(self) -> str:
        """The amount in Chinese capital numerals as printed on vouchers: 21600.50 -> '贰万壹仟陆佰元伍角'."""
        if self.fen < 0:
            return "负" + Money(-self.fen).capital()
        yuan, fen = divmod(self.fen, FEN_PER_YUAN)
        jiao, fen = divmod(fen, 10)
        text = (_capital_integer(yuan) + "元") if yuan else ""
        if not jiao and not fen:
            return (text or "零元") + "整"
        if jiao:
            text += _CAPITAL_DIGITS[jiao] + "角"
        elif yuan:
            text += "零"
        return text + (_CAPITAL_DIGITS[fen] + "分" if fen else "")

    def __str__(self) -> str:
        return self.format()


def _capital_integer(number: int) -> str:
    """A whole number in capital numerals (zeros collapsed as vouchers print them)."""
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    out, zero_pending = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or group < 1000):
            out += "零"
        out += _capital_group(group) + _CAPITAL_GROUPS[index]
        zero_pending = False
    return out


def _capital_group(group: int) -> str:
    digits = f"{group:04d}"
    out, zero = "", False
    for position, char in enumerate(digits):
        value = int(char)
        if value == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _CAPITAL_DIGITS[value] + _CAPITAL_UNITS[3 - position]
    return out


def format_money(fen: int | None, language: str | None = None) -> str:
    """`fen` formatted for `language`, or a dash when there is no amount."""
    return NO_AMOUNT if fen is None else Money(fen).format(language)
