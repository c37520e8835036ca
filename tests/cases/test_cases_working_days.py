"""Due dates in working days: weekends and holidays rest, make-up Saturdays work."""

from datetime import date

import pytest

from desk.cases.working_days import calendar_from_text, work_calendar


@pytest.mark.parametrize(("start", "days", "due"), [
    (date(2026, 11, 16), 3, date(2026, 11, 19)),  # Monday + 3 = Thursday
    (date(2026, 11, 20), 3, date(2026, 11, 25)),  # Friday: the weekend does not count
    (date(2026, 11, 21), 1, date(2026, 11, 23)),  # submitted on a Saturday
    (date(2026, 9, 30), 3, date(2026, 10, 10)),  # National Day week off, Saturday 10 Oct works
    (date(2026, 2, 12), 3, date(2026, 2, 24)),  # Saturday 14 Feb works, then the Spring Festival
    (date(2026, 11, 16), 0, date(2026, 11, 16)),
])
def test_add_working_days(start, days, due):
    assert work_calendar().add_working_days(start, days) == due


def test_make_up_days_and_holidays():
    calendar = work_calendar()
    assert calendar.is_working_day(date(2026, 2, 14))  # a Saturday made a working day
    assert not calendar.is_working_day(date(2026, 10, 5))  # a Monday in the National Day week
    assert calendar.working_days_between(date(2026, 11, 13), date(2026, 11, 20)) == 5
    assert 2026 in calendar.covered_years


def test_a_year_without_data_counts_weekends_only():
    calendar = calendar_from_text("")
    assert calendar.add_working_days(date(2030, 1, 31), 1) == date(2030, 2, 1)
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2030, 1, 31), -1)
