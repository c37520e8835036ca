"""Due dates in working days: weekends and holidays rest, make-up Saturdays work."""

from datetime import UTC, date, datetime, timedelta

import pytest
from case_people import CLERK, DEMO_TODAY, add_customer, identity

from desk.cases.checklist import checklist_for
from desk.cases.review import due_status
from desk.cases.tables import Case
from desk.cases.workflow import CaseError, accept_on_promise, get_case, materials, open_case, perform
from desk.cases.working_days import CalendarNotCovered, calendar_from_text, work_calendar
from desk.db import session_scope
from desk.i18n import use_language


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 11, 16), 3, date(2026, 11, 19)),  # Monday + 3 = Thursday
        (date(2026, 11, 20), 3, date(2026, 11, 25)),  # Friday: the weekend does not count
        (date(2026, 11, 21), 1, date(2026, 11, 23)),  # submitted on a Saturday
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # National Day week off, Saturday 10 Oct works
        (date(2026, 2, 12), 3, date(2026, 2, 24)),  # Saturday 14 Feb works, then the Spring Festival
        (date(2026, 11, 16), 0, date(2026, 11, 16)),
    ],
)
def test_add_working_days(start, days, due):
    assert work_calendar().add_working_days(start, days) == due


def test_make_up_days_and_holidays():
    calendar = work_calendar()
    assert calendar.is_working_day(date(2026, 2, 14))  # a Saturday made a working day
    assert not calendar.is_working_day(date(2026, 10, 5))  # a Monday in the National Day week
    assert calendar.working_days_between(date(2026, 11, 13), date(2026, 11, 20)) == 5
    assert 2026 in calendar.covered_years


def test_a_year_without_data_is_refused_not_guessed():
    calendar = calendar_from_text("")
    with pytest.raises(CalendarNotCovered) as refused:
        calendar.add_working_days(date(2030, 1, 31), 1)
    assert refused.value.params == {"year": 2030} and "2030" in str(refused.value)
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2030, 1, 31), -1)


def test_a_due_date_reaching_an_unlisted_year_is_refused():
    calendar = work_calendar()
    last = max(calendar.covered_years)
    assert calendar.add_working_days(date(last, 12, 28), 3) == date(last, 12, 31)
    with pytest.raises(CalendarNotCovered) as refused:  # the 4th working day lies in the next year
        calendar.add_working_days(date(last, 12, 28), 4)
    assert refused.value.day.year == last + 1
    with pytest.raises(CalendarNotCovered):
        calendar.working_days_between(date(last, 12, 30), date(last + 1, 1, 5))


def test_the_file_equals_the_state_council_data_of_chinesecalendar():
    """Every year in working_days.toml against the chinesecalendar package, day by day; and the file
    lacks no year the package knows from the first year it lists (a new release means: add the year)."""
    chinese_calendar = pytest.importorskip("chinese_calendar")
    known = {day.year for day in chinese_calendar.holidays}
    calendar = work_calendar()
    assert set(range(min(calendar.covered_years), max(known) + 1)) <= calendar.covered_years
    for year in sorted(calendar.covered_years & known):
        days = [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
        differ = [day for day in days if calendar.is_working_day(day) != chinese_calendar.is_workday(day)]
        assert differ == [], f"{year}: working_days.toml and chinesecalendar disagree on {differ}"


def test_submitting_when_the_due_date_needs_an_unlisted_year_says_so(engine):
    last = max(work_calendar().covered_years)
    late_december = datetime(last, 12, 30, 2, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        person = add_customer(session, today=DEMO_TODAY, facts={"identity": identity()})
        case = open_case(
            session,
            checklist=checklist_for(session, person.id, "TQ501", today=DEMO_TODAY),
            actor=CLERK,
            now=late_december,
        )
        for row in materials(session, case.id):
            if row.status == "missing":
                accept_on_promise(
                    session,
                    case_id=case.id,
                    material=row.material,
                    actor=CLERK,
                    expected_version=case.version,
                    promised_on=date(last, 12, 31),
                    now=late_december,
                )
        case_id, version = case.id, case.version
    with session_scope(engine) as session, pytest.raises(CaseError) as refused:
        perform(session, case_id=case_id, action="submit", actor=CLERK, expected_version=version, now=late_december)
    assert refused.value.key == "cases.calendar.not_covered"
    with use_language("zh-CN"):
        assert f"{last + 1} 年" in refused.value.message()
    with use_language("en"):
        assert f"no holidays for {last + 1}" in refused.value.message()
    with session_scope(engine) as session:
        assert get_case(session, case_id).state == "draft"  # nothing half-done


def test_the_review_queue_survives_a_day_the_calendar_cannot_count():
    last = max(work_calendar().covered_years)
    case = Case(
        case_no="DL2026-000001",
        person_id=1,
        business_code="TQ201",
        review_mode="decide_first",
        state="submitted",
        opened_by="clerk1",
        opened_at=datetime(last, 12, 1, tzinfo=UTC),
        due_on=date(last, 12, 31),
    )
    assert due_status(case, date(last + 1, 1, 4)) == (True, None)
    assert due_status(case, date(last, 12, 28)) == (False, 3)
