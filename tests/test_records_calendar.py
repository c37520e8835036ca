"""Calendar-month intervals: "12 months after" is the same day 12 months later, or that month's last day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.records.calendar_months import add_months, months_between
from desk.records.profile import next_allowed_date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # the day does not exist: the month's last day
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # it exists again four years on
        (date(2023, 2, 28), 12, date(2024, 2, 28)),  # not the 29th: the same day exists
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 5, 31), 12, date(2026, 5, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_rent_interval_is_calendar_months_not_365_days():
    assert next_allowed_date("07", date(2024, 2, 29)) == date(2025, 2, 28)
    # 365 days after 2024-03-01 is 2025-03-01 by luck; after 2023-03-01 it is 2024-02-29, a day early.
    assert next_allowed_date("07", date(2023, 3, 1)) == date(2024, 3, 1)
    assert date(2023, 3, 1) + timedelta(days=365) == date(2024, 2, 29)
    assert next_allowed_date("07", date(2025, 12, 31)) == date(2026, 12, 31)


def test_reasons_without_interval_have_no_next_date():
    assert next_allowed_date("01", date(2025, 6, 1)) is None  # purchase: capped by the price instead
    assert next_allowed_date("03", date(2025, 6, 1)) is None  # retirement closes the account


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)), st.integers(-600, 600))
def test_add_months_properties(day, months):
    moved = add_months(day, months)
    assert months_between(day, moved) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)
