"""`/review/overdue`: the supervisor's list of cases awaiting a decision past their due date, the longest
overdue first — case number (to the case page), business, customer (masked), working days overdue and
the clerk who opened the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nicegui import run, ui

from desk.cases.review import QueueEntry, overdue_queue, staff_names
from desk.db import session_scope
from desk.i18n import t
from desk.ui.case_labels import business_label
from desk.ui.formatting import day
from desk.ui.session import SessionStaff
from desk.ui.theme import frame

_GRID = "grid-template-columns: 13rem minmax(12rem, 1.4fr) 6rem 8rem 11rem minmax(8rem, 1fr)"
_COLUMNS = ("case_no", "business", "customer", "due_on", "overdue_by", "clerk")


@dataclass(frozen=True)
class _Overdue:
    entries: list[QueueEntry]
    clerks: dict[str, str]  # username -> display name


def _load(staff: SessionStaff) -> _Overdue:
    with session_scope() as db:
        entries = overdue_queue(db, viewer=staff, today=date.today())
        return _Overdue(entries, staff_names(db, {entry.opened_by for entry in entries}))


def _days(entry: QueueEntry) -> str:
    if entry.working_days is None:  # the calendar lacks the year to count in
        return t("review.overdue.uncounted")
    return t("review.overdue.days", days=entry.working_days)


def _row(entry: QueueEntry, clerks: dict[str, str]) -> None:
    ui.link(entry.case_no, f"/review/case/{entry.case_id}").classes("font-mono font-bold").mark(
        f"overdue {entry.case_no}"
    )
    ui.label(business_label(entry.business_code))
    ui.label(entry.customer).mark(f"customer {entry.case_no}")
    ui.label(day(entry.due_on)).classes("text-sm")
    with ui.row().classes("items-center gap-1 no-wrap"):
        ui.icon("warning", color="negative", size="xs")
        ui.label(_days(entry)).classes("text-negative font-bold whitespace-nowrap").mark(f"days {entry.case_no}")
    name = clerks.get(entry.opened_by)
    ui.label(f"{name} ({entry.opened_by})" if name else entry.opened_by).mark(f"clerk {entry.case_no}")


def register() -> None:
    """Add the /review/overdue page."""

    @ui.page("/review/overdue")
    async def review_overdue_page() -> None:
        with frame("review.overdue.title") as staff:
            ui.label(t("review.overdue.title")).classes("text-2xl font-bold")
            ui.label(t("review.overdue.hint")).classes("text-secondary text-sm")
            overdue = await run.io_bound(_load, staff)
            assert overdue is not None, "None only when the server is shutting down"
            with ui.card().classes("w-full gap-3").mark("overdue-list"):
                with ui.row().classes("items-center gap-2"):
                    ui.label(t("review.overdue.cases")).classes("text-lg font-bold text-primary")
                    ui.badge(str(len(overdue.entries)), color="negative" if overdue.entries else "grey-6").mark(
                        "overdue-count"
                    )
                if not overdue.entries:
                    ui.label(t("review.overdue.none")).classes("text-secondary").mark("overdue-none")
                    return
                with ui.element("div").classes("grid gap-x-4 gap-y-2 items-center w-full overflow-x-auto").style(_GRID):
                    for column in _COLUMNS:
                        ui.label(t(f"review.overdue.{column}")).classes("text-xs text-secondary font-bold")
                    for entry in overdue.entries:
                        _row(entry, overdue.clerks)
