"""The clerk's own cases (`/counter/cases`: those a supervisor returned for 补正 first, with the
comment and a button that continues the case under its number) and the printable notice of one of
them (`/counter/notice/{case_no}`), for printing it again after the customer has left the counter.
Drafts left behind by a restart are discarded at start-up and every hour."""

from __future__ import annotations

from fastapi.responses import HTMLResponse
from nicegui import app, run, ui

from desk.cases.counter import CaseSummary, discard_stale_drafts, notice_for, recent_cases
from desk.cases.workflow import CaseError
from desk.i18n import t
from desk.money import format_money
from desk.ui.auth import not_found_page
from desk.ui.formatting import day
from desk.ui.notice_view import show_notice, use_print_styles
from desk.ui.public_links import customer_base_url
from desk.ui.route_ids import parse_case_no
from desk.ui.theme import frame

RECENT_LIMIT = 30
STALE_SWEEP_S = 3600.0


def _returned(cases: list[CaseSummary]) -> None:
    """The cases back for 补正, each with what the supervisor asked for and a way to continue it."""
    for case in cases:
        with (
            ui.card().classes("w-full bg-red-1").mark(f"returned {case.case_no}"),
            ui.row().classes("w-full items-center gap-4 no-wrap"),
        ):
            ui.icon("assignment_return", color="negative").classes("text-3xl shrink-0")
            with ui.column().classes("grow gap-0"):
                ui.label(
                    t(
                        "counter.mine.returned_line",
                        case_no=case.case_no,
                        business=case.business_code,
                        customer=case.customer,
                        amount=format_money(case.amount_fen),
                    )
                ).classes("font-bold")
                ui.label(t("counter.open_case.comment", comment=case.comment)).classes("text-sm").mark(
                    f"comment {case.case_no}"
                )
            ui.button(
                t("counter.open_case.continue"),
                icon="edit_note",
                on_click=lambda c=case: ui.navigate.to(f"/lookup?case={c.case_no}"),
            ).props("no-caps unelevated color=negative").mark(f"continue {case.case_no}")


def _cases_table(cases: list[CaseSummary]) -> None:
    _returned([case for case in cases if case.state == "returned"])
    if not cases:
        ui.label(t("counter.mine.none")).classes("text-secondary").mark("no-cases")
        return
    columns = [
        {
            "name": name,
            "label": t(f"counter.mine.{name}"),
            "field": name,
            "align": "right" if name == "amount" else "left",
        }
        for name in ("case_no", "business", "customer", "amount", "state", "opened")
    ]
    rows = [
        {
            "case_no": case.case_no,
            "business": case.business_code,
            "customer": case.customer,
            "amount": format_money(case.amount_fen),
            "state": t(f"cases.state.{case.state}"),
            "opened": day(case.opened_at),
        }
        for case in cases
    ]
    table = (
        ui.table(columns=columns, rows=rows, row_key="case_no").props("flat dense").classes("w-full").mark("my-cases")
    )
    table.add_slot(
        "body-cell-case_no",
        '<q-td :props="props"><a :href="\'/counter/notice/\' + props.value" '
        'class="text-primary font-mono">{{ props.value }}</a></q-td>',
    )


def register() -> None:
    """Add the /counter/cases and /counter/notice/{case_no} pages and the sweep of stale drafts."""
    app.on_startup(lambda: run.io_bound(discard_stale_drafts))
    app.timer(STALE_SWEEP_S, lambda: run.io_bound(discard_stale_drafts), immediate=False)

    @ui.page("/counter/cases")
    async def my_cases_page() -> None:
        with frame("counter.mine.title", wide=True) as staff:
            ui.label(t("counter.mine.title")).classes("text-xl font-bold")
            cases = await run.io_bound(recent_cases, staff=staff, limit=RECENT_LIMIT)
            assert cases is not None, "None only when the server is shutting down"
            _cases_table(cases)

    @ui.page("/counter/notice/{case_no}")
    async def notice_page(case_no: str) -> HTMLResponse | None:
        if parse_case_no(case_no) is None:
            return not_found_page()
        with frame("cases.notice.title") as staff:
            use_print_styles()
            base_url = customer_base_url()
            try:
                notice = await run.io_bound(notice_for, case_no=case_no, staff=staff, base_url=base_url)
            except CaseError as refused:
                ui.label(refused.message()).classes("text-negative").mark("notice-refused")
                return None
            assert notice is not None, "None only when the server is shutting down"
            show_notice(notice)
        return None
