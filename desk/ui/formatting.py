"""How dates and rates look on screen (the same in both languages, as Chinese forms print them); money is
desk.money.format_money."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def day(value: date | datetime | str | None) -> str:
    """A date as YYYY-MM-DD ('—' when absent); ISO text passes through."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value[:10]
    return value.strftime("%Y-%m-%d")


def month(value: date) -> str:
    """A month as YYYY-MM."""
    return value.strftime("%Y-%m")


def percent(value: Decimal | float | int) -> str:
    """A rate in percent without trailing zeros: Decimal('3.075') -> '3.075%'."""
    text = f"{Decimal(str(value)).normalize():f}"
    return f"{text}%"
