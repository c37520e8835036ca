"""The centre dashboard's figures: per day or week, per business and per hall, for a date range.

A case counts in the period of its first submission (the day the counter finished with the
customer; a resubmission after 补正 does not count it again). For each group:

- cases: cases first submitted;
- papers avoided: materials their submissions found proven by data, and the pages of those whose
  usual count the catalog knows (desk.cases.papers);
- pay-first: cases that went 先提后审 (paid at once, reviewed afterwards), and their share;
- post-review: pay-first cases a supervisor has post-reviewed, and the findings (a recourse that
  clawed money back);
- overdue: cases still awaiting a decision past their due date today (desk.cases.workflow.is_overdue);
- counter time: the median seconds from the clerk's lookup to the first submission, over the
  cases that have one (desk.cases.counter_time), and how many have one.

The rows are read with one portable query (SQLite and PostgreSQL alike) and grouped here, because
a median does not add up across groups and the day of a time is the counter's local day.
A case counts in the hall it was first submitted in (`Case.hall`, the clerk's hall then; halls in
desk/security/halls.toml); a hall filter narrows every figure, the overdue count too, to one hall.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from desk.cases.papers import PROVEN
from desk.cases.tables import Case, CasePaper, CaseTransition
from desk.cases.workflow import WorkflowRules, is_overdue, overdue_cases, workflow_rules
from desk.cases.working_days import local_day
from desk.security.halls import centre_halls

PERIODS = ("day", "week")
MAX_DAYS = 366  # the longest range one request may ask for
FINDING_ACTION = "recourse"  # a post-review that found the payment wrong and clawed it back
REVIEWED_ACTIONS = ("review", FINDING_ACTION)
_Key = TypeVar("_Key", bound=Hashable)  # what _grouped groups cases by


class DashboardRangeError(ValueError):
    """A date range the dashboard refuses; `key` is the i18n message key, `params` its placeholders."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class CaseCount:
    """One case as the dashboard counts it."""

    case_id: int
    business_code: str
    hall: str
    day: date  # local day of the first submission
    pay_first: bool
    post_reviewed: bool
    finding: bool
    overdue: bool
    papers_avoided: int
    pages_avoided: int
    counter_seconds: int | None


@dataclass(frozen=True)
class Figures:
    """The figures of one group of cases."""

    cases: int = 0
    papers_avoided: int = 0
    pages_avoided: int = 0
    pay_first: int = 0
    post_reviewed: int = 0
    findings: int = 0
    overdue: int = 0
    timed: int = 0  # cases with a counter time
    median_counter_seconds: int | None = None

    @property
    def pay_first_percent(self) -> float | None:
        """The pay-first share in percent, one decimal (None without cases)."""
        return round(100 * self.pay_first / self.cases, 1) if self.cases else None


@dataclass(frozen=True)
class FigureRow:
    """The figures of one period, business and hall (a line of the CSV)."""

    period: date  # the first day of the period
    business_code: str
    hall: str
    figures: Figures


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page and its CSV show for one range."""

    start: date
    end: date
    period: str  # day | week
    today: date
    hall: str | None  # the one hall shown; None: every hall of the centre
    total: Figures
    periods: tuple[tuple[date, Figures], ...]  # every period of the range, empty ones too, oldest first
    businesses: tuple[tuple[str, Figures], ...]  # the businesses with cases, most cases first
    halls: tuple[tuple[str, Figures], ...]
    business_halls: tuple[tuple[tuple[str, str], Figures], ...]  # (business, hall), most cases first
    rows: tuple[FigureRow, ...]  # period × business × hall, for each combination with cases
    overdue_now: int  # every case past its due date today, whenever submitted

    def span(self, first: date) -> tuple[date, date]:
        """The first and last day of the period that starts on `first`, within the range (a week may
        begin before the range's first day or end after its last)."""
        return max(first, self.start), min(first + timedelta(days=6 if self.period == "week" else 0), self.end)


def period_start(day: date, period: str) -> date:
    """The first day of the day or (ISO, Monday-first) week that holds `day`."""
    return day - timedelta(days=day.weekday()) if period == "week" else day


def check_range(start: date, end: date, period: str, hall: str | None = None) -> None:
    """Raise DashboardRangeError unless `start`..`end` (and `hall`, when given) is one the dashboard answers."""
    if hall is not None and centre_halls().get(hall) is None:
        raise DashboardRangeError("dashboard.error.hall", hall=hall)
    if period not in PERIODS:
        raise DashboardRangeError("dashboard.error.period", period=period)
    if end < start:
        raise DashboardRangeError("dashboard.error.reversed")
    if (end - start).days + 1 > MAX_DAYS:
        raise DashboardRangeError("dashboard.error.too_long", days=MAX_DAYS)


def _local_midnight_utc(day: date) -> datetime:
    """The start of the counter's local `day`, in UTC (the times are stored in UTC)."""
    return datetime.combine(day, time.min).astimezone().astimezone(UTC)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def case_counts(
    session: Session,
    *,
    start: date,
    end: date,
    today: date,
    hall: str | None = None,
    rules: WorkflowRules | None = None,
) -> list[CaseCount]:
    """The cases first submitted on the local days `start`..`end` (in `hall`, or in any), as the
    dashboard counts them."""
    rules = rules or workflow_rules()
    first = (
        select(col(CaseTransition.case_id).label("case_id"), func.min(CaseTransition.at).label("at"))
        .where(col(CaseTransition.action) == "submit")
        .group_by(col(CaseTransition.case_id))
        .subquery()
    )
    in_range = (first.c.at >= _local_midnight_utc(start), first.c.at < _local_midnight_utc(end + timedelta(days=1)))
    chosen = select(first.c.case_id).where(*in_range)
    in_hall = () if hall is None else (col(Case.hall) == hall,)
    steps = (
        select(
            col(CaseTransition.case_id).label("case_id"),
            func.max(case((col(CaseTransition.action) == FINDING_ACTION, 1), else_=0)).label("finding"),
            func.max(case((col(CaseTransition.action).in_(REVIEWED_ACTIONS), 1), else_=0)).label("reviewed"),
        )
        .where(col(CaseTransition.case_id).in_(chosen))
        .group_by(col(CaseTransition.case_id))
        .subquery()
    )
    papers = (
        select(
            col(CasePaper.case_id).label("case_id"),
            func.count(col(CasePaper.id)).label("papers"),
            func.coalesce(func.sum(CasePaper.pages), 0).label("pages"),
        )
        .where(col(CasePaper.outcome) == PROVEN, col(CasePaper.case_id).in_(chosen))
        .group_by(col(CasePaper.case_id))
        .subquery()
    )
    rows = session.execute(
        select(Case, first.c.at, steps.c.finding, steps.c.reviewed, papers.c.papers, papers.c.pages)
        .join(first, first.c.case_id == Case.id)
        .outerjoin(steps, steps.c.case_id == Case.id)
        .outerjoin(papers, papers.c.case_id == Case.id)
        .where(*in_range, *in_hall)
        .order_by(first.c.at, col(Case.id))
    ).all()
    return [
        CaseCount(
            item.id,
            item.business_code,
            item.hall,
            local_day(_as_utc(at)),
            item.review_mode == "pay_first",
            bool(reviewed),
            bool(finding),
            is_overdue(item, today, rules),
            int(count or 0),
            int(pages or 0),
            item.counter_seconds,
        )
        for item, at, finding, reviewed, count, pages in rows
    ]


def figures_of(cases: Iterable[CaseCount]) -> Figures:
    """The figures of a group of cases."""
    cases = list(cases)
    times = [item.counter_seconds for item in cases if item.counter_seconds is not None]
    return Figures(
        cases=len(cases),
        papers_avoided=sum(item.papers_avoided for item in cases),
        pages_avoided=sum(item.pages_avoided for item in cases),
        pay_first=sum(item.pay_first for item in cases),
        post_reviewed=sum(item.post_reviewed for item in cases),
        findings=sum(item.finding for item in cases),
        overdue=sum(item.overdue for item in cases),
        timed=len(times),
        median_counter_seconds=round(statistics.median(times)) if times else None,
    )


def _grouped(cases: Sequence[CaseCount], key: Callable[[CaseCount], _Key]) -> dict[_Key, Figures]:
    groups: dict[_Key, list[CaseCount]] = defaultdict(list)
    for item in cases:
        groups[key(item)].append(item)
    return {name: figures_of(members) for name, members in groups.items()}


def _period_starts(start: date, end: date, period: str) -> list[date]:
    step = timedelta(days=7 if period == "week" else 1)
    first, starts = period_start(start, period), []
    while first <= end:
        starts.append(first)
        first += step
    return starts


def _hall_order(code: str) -> tuple[int, str]:
    """Halls in the order of halls.toml (the head office first), a hall no longer there last."""
    codes = centre_halls().codes()
    return (codes.index(code) if code in codes else len(codes), code)


def centre_dashboard(
    session: Session,
    *,
    start: date,
    end: date,
    period: str = "day",
    hall: str | None = None,
    today: date | None = None,
    rules: WorkflowRules | None = None,
) -> Dashboard:
    """The dashboard of the local days `start`..`end` grouped by `period`, of one `hall` or (None) of
    the whole centre (raises DashboardRangeError)."""
    check_range(start, end, period, hall)
    rules = rules or workflow_rules()
    today = today or local_day(datetime.now(UTC))
    cases = case_counts(session, start=start, end=end, today=today, hall=hall, rules=rules)
    overdue_now = [item for item in overdue_cases(session, today=today, rules=rules) if hall in (None, item.hall)]
    by_period = _grouped(cases, lambda item: period_start(item.day, period))
    by_business = _grouped(cases, lambda item: item.business_code)
    detail = _grouped(cases, lambda item: (period_start(item.day, period), item.business_code, item.hall))
    return Dashboard(
        start,
        end,
        period,
        today,
        hall,
        figures_of(cases),
        tuple((first, by_period.get(first, Figures())) for first in _period_starts(start, end, period)),
        tuple(sorted(by_business.items(), key=lambda pair: (-pair[1].cases, pair[0]))),
        tuple(sorted(_grouped(cases, lambda item: item.hall).items(), key=lambda pair: _hall_order(pair[0]))),
        tuple(
            sorted(
                _grouped(cases, lambda item: (item.business_code, item.hall)).items(),
                key=lambda pair: (-pair[1].cases, pair[0]),
            )
        ),
        tuple(FigureRow(first, code, hall, figures) for (first, code, hall), figures in sorted(detail.items())),
        len(overdue_now),
    )
