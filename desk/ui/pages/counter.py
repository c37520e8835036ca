"""The clerk's own recent cases (`/counter/cases`) and the printable notice of one of them
(`/counter/notice/{case_no}`), for printing it again after the customer has left the counter."""

from __future__ import annotations

from nicegui import run, ui

from desk.cases.counter import CaseSummary, notice_for, recent_cases
from desk.cases.workflow import CaseError
from desk.i18n import t
from desk.ui.formatting import day
from desk.ui.notice_view import show_notice, use_print_styles
from desk.ui.public_links import customer_base_url
from desk.ui.theme import frame

RECENT_LIMIT = 30


def _cases_table(cases: list[CaseSummary]) -> None:
    if not cases:
        ui.label(t("counter.mine.none")).classes("text-secondary").mark("no-cases")
        return
    columns = [{"name": name, "label": t(f"counter.mine.{name}"), "field": name, "align": "left"}
               for name in ("case_no", "business", "customer", "state", "opened")]
    rows = [{"case_no": case.case_no, "business": case.business_code, "customer": case.customer,
             "state": t(f"cases.state.{case.state}"), "opened": day(case.opened_at)} for case in cases]
    table = ui.table(columns=columns, rows=rows, row_key="case_no").props("flat dense").classes("w-full") \
        .mark("my-cases")
    table.add_slot("body-cell-case_no", '<q-td :props="props"><a :href="\'/counter/notice/\' + props.value" '
                                        'class="text-primary font-mono">{{ props.value }}</a></q-td>')


def register() -> None:
    """Add the /counter/cases and /counter/notice/{case_no} pages."""

    @ui.page("/counter/cases")
    async def my_cases_page() -> None:
        with frame("counter.mine.title") as staff:
            ui.label(t("counter.mine.title")).classes("text-xl font-bold")
            _cases_table(await run.io_bound(recent_cases, staff=staff, limit=RECENT_LIMIT))

    @ui.page("/counter/notice/{case_no}")
    async def notice_page(case_no: str) -> None:
        with frame("cases.notice.title") as staff:
            use_print_styles()
            base_url = customer_base_url()
            try:
                notice = await run.io_bound(notice_for, case_no=case_no, staff=staff, base_url=base_url)
            except CaseError as refused:
                ui.label(refused.message()).classes("text-negative").mark("notice-refused")
                return
            show_notice(notice)
