"""Working days for due dates: weekends and public holidays are rest days, make-up days (调休) work.

The calendar is data (`working_days.toml`). A due date "in N working days" is the N-th working
day after the day the case was submitted (the submission day itself does not count), so a case
submitted on Friday with 3 working days is due on Wednesday.

Why a TOML file and not the `chinesecalendar` package at run time: the State Council publishes
next year's holidays in the autumn, and the centre must be able to add that year the same day
(one edit of `working_days.toml`) rather than wait for a package release — chinesecalendar 1.11.0
knows 2004-2026 only. The package is used where it is strong, as an independent check: a test
compares every year the file lists with it (tests/cases/test_cases_working_days.py).

A day in a year the file does not list raises `CalendarNotCovered`: guessing weekends only would
put due dates on holidays (or miss make-up Saturdays) without anyone noticing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

CALENDAR_PATH = Path(__file__).with_name("working_days.toml")


class CalendarNotCovered(ValueError):
    """A day in a year whose holidays the calendar does not know; `key`/`params` say so in words."""

    key = "cases.calendar.not_covered"

    def __init__(self, day: date) -> None:
        super().__init__(f"working_days.toml has no holidays for {day.year} (needed for {day.isoformat()})")
        self.day = day
        self.params = {"year": day.year}


@dataclass(frozen=True)
class WorkCalendar:
    """Rest days and make-up working days of the years the data covers."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    covered_years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        """Whether the centre's counters are open on `day`; raises CalendarNotCovered for an unknown year."""
        if day.year not in self.covered_years:
            raise CalendarNotCovered(day)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (`start` itself not counted); `days` >= 0."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += timedelta(days=1)
            days -= self.is_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` <= `start`)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def local_day(at: datetime) -> date:
    """The calendar day of the aware time `at` in the server's time zone (the counter's day)."""
    return at.astimezone().date()


def calendar_from_text(text: str) -> WorkCalendar:
    """A calendar from the TOML text of `working_days.toml`."""
    years = tomllib.loads(text).get("years", {})
    holidays = {day for year in years.values() for day in year.get("holidays", [])}
    workdays = {day for year in years.values() for day in year.get("workdays", [])}
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(int(y) for y in years))


@lru_cache(maxsize=1)
def work_calendar() -> WorkCalendar:
    """The centre's calendar from `working_days.toml`."""
    return calendar_from_text(CALENDAR_PATH.read_text(encoding="utf-8"))
