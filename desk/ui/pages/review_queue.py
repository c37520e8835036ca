"""The supervisor's start page: cases awaiting a decision (oldest first, overdue ones flagged with
their due date in working days) and the paid pay-first cases drawn for post-review."""

from __future__ import annotations

from datetime import date

from nicegui import run, ui

from desk.cases.review import QueueEntry, decision_queue, sample_queue
from desk.db import session_scope
from desk.i18n import t
from desk.money import format_money
from desk.ui.case_labels import business_label, due_text, moment
from desk.ui.session import SessionStaff
from desk.ui.theme import frame

_GRID = "grid-template-columns: 13rem minmax(10rem, 1.4fr) 6rem 10rem minmax(12rem, 1.2fr) 7rem"
_COLUMNS = ("case_no", "business", "customer", "submitted", "due", "amount")


def _queues(staff: SessionStaff) -> tuple[list[QueueEntry], list[QueueEntry]]:
    with session_scope() as db:
        today = date.today()
        return decision_queue(db, viewer=staff, today=today), sample_queue(db, viewer=staff, today=today)


def _row(entry: QueueEntry) -> None:
    with ui.row().classes("items-center gap-1 no-wrap"):
        ui.link(entry.case_no, f"/review/case/{entry.case_id}").classes("font-mono font-bold").mark(
            f"case {entry.case_no}"
        )
        if entry.mine:
            ui.badge(t("review.queue.mine"), color="grey-6").classes("ml-1").mark(f"mine {entry.case_no}")
    ui.label(business_label(entry.business_code))
    ui.label(entry.customer)
    with ui.column().classes("gap-0"):
        ui.label(moment(entry.submitted_at)).classes("text-sm")
        ui.label(entry.submitted_by or "—").classes("text-xs text-secondary")
    with ui.row().classes("items-center gap-1 no-wrap"):
        if entry.overdue:
            ui.icon("warning", color="negative", size="xs")
        ui.label(due_text(entry.due_on, entry.overdue, entry.working_days)).classes(
            "text-sm " + ("text-negative font-bold" if entry.overdue else "")
        ).mark(f"due {entry.case_no}")
    ui.label(format_money(entry.amount_fen)).classes("font-mono text-right")


def _queue_card(title_key: str, empty_key: str, entries: list[QueueEntry], marker: str) -> None:
    overdue = sum(entry.overdue for entry in entries)
    with ui.card().classes("w-full gap-3").mark(marker):
        with ui.row().classes("items-center gap-2"):
            ui.label(t(title_key)).classes("text-lg font-bold text-primary")
            ui.badge(str(len(entries)), color="primary").mark(f"{marker}-count")
            if overdue:
                ui.badge(t("review.queue.overdue_count", count=overdue), color="negative")
        if not entries:
            ui.label(t(empty_key)).classes("text-secondary")
            return
        with ui.element("div").classes("grid gap-x-4 gap-y-2 items-center w-full overflow-x-auto").style(_GRID):
            for column in _COLUMNS:
                ui.label(t(f"review.queue.{column}")).classes("text-xs text-secondary font-bold")
            for entry in entries:
                _row(entry)


def register() -> None:
    """Add the /review page."""

    @ui.page("/review")
    async def review_queue_page() -> None:
        with frame("review.queue.title", wide=True) as staff:
            ui.label(t("review.queue.title")).classes("text-2xl font-bold")
            queues = await run.io_bound(_queues, staff)
            assert queues is not None, "None only when the server is shutting down"
            decisions, sample = queues
            _queue_card("review.queue.decisions", "review.queue.no_decisions", decisions, "queue-decisions")
            _queue_card("review.queue.sample", "review.queue.no_sample", sample, "queue-sample")
