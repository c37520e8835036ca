"""Calendar-month arithmetic: intervals such as "12 months after the last withdrawal".

The rule, used everywhere: N calendar months after a date is the same day of the month N
months later, or that month's last day when the day does not exist there. So 12 months after
2024-02-29 is 2025-02-28 (not 03-01), and 1 month after 2025-01-31 is 2025-02-28. Counting
365 days instead would drift by a day across every leap year.
"""

from __future__ import annotations

import calendar
from datetime import date

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """28-31: the length of `month` in `year`."""
    if month == 2 and calendar.isleap(year):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months (negative goes back), clamped to the month's last day."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, days_in_month(year, month0 + 1)))


def month_start(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def month_index(day: date) -> int:
    """A running month number (year * 12 + month - 1) for counting whole months between dates."""
    return day.year * 12 + day.month - 1


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from `earlier`'s month to `later`'s month (days ignored)."""
    return month_index(later) - month_index(earlier)
