"""The centre dashboard (`/dashboard`, supervisors and admins): the figures of desk.cases.dashboard for a
date range, by day or week, of the whole centre or one hall, as headline cards, four charts and a table
by business and hall, and the same figures as CSV (`/dashboard/figures.csv`, the page's filters in the query).

The page only draws: the figures come from the service in a worker thread. Both the page and the CSV
sit under /dashboard, which the auth middleware opens to supervisors and admins only; the CSV route
and the page's own refresh check the role again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from nicegui import app, run, ui

from desk.cases.catalog import get_catalog
from desk.cases.dashboard import Dashboard, DashboardRangeError, Figures, centre_dashboard, check_range
from desk.cases.dashboard_csv import csv_filename, dashboard_csv, minutes
from desk.cases.working_days import local_day
from desk.db import session_scope
from desk.i18n import current_language, t
from desk.security.halls import centre_halls
from desk.security.roles import may_open
from desk.ui import session as ui_session
from desk.ui.auth import require_staff
from desk.ui.palette import ACCENT, POSITIVE, PRIMARY, SECONDARY
from desk.ui.theme import frame

PATH = "/dashboard"
CSV_PATH = "/dashboard/figures.csv"
DEFAULT_DAYS = 30
QUICK_DAYS = (7, 30, 90)
TEAL, AMBER = "#00897b", "#f0a020"
NO_STORE = {"Cache-Control": "private, no-store"}
# table columns labelled apart from the CSV's (whose headers carry the unit the table's cells show)
TABLE_LABELS = ("business", "hall", "pay_first_percent", "median_counter_minutes")


def _today() -> date:
    return local_day(datetime.now(UTC))


def read_filters(
    start: str | None, end: str | None, period: str | None, hall: str | None = None
) -> tuple[date, date, str, str | None]:
    """The range, grouping and hall of a request (default: the last 30 days by day, every hall); raises
    DashboardRangeError."""
    try:
        last = date.fromisoformat(end) if end else _today()
        first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise DashboardRangeError("dashboard.error.bad_date") from None
    check_range(first, last, period or "day", hall or None)
    return first, last, period or "day", hall or None


def csv_url(start: date, end: date, period: str, hall: str | None = None) -> str:
    """The CSV download of these filters."""
    query = {"from": start.isoformat(), "to": end.isoformat(), "period": period, **({"hall": hall} if hall else {})}
    return f"{CSV_PATH}?{urlencode(query)}"


def _load(start: date, end: date, period: str, hall: str | None) -> Dashboard:
    with session_scope() as db:
        return centre_dashboard(db, start=start, end=end, period=period, hall=hall)


def _business_name(code: str) -> str:
    business = get_catalog().get_business(code)
    return business.name() if business else code


def _period_label(first: date, period: str) -> str:
    text = first.strftime("%m-%d")
    return t("dashboard.week_of", date=text) if period == "week" else text


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _minutes_text(seconds: int | None) -> str:
    return "—" if seconds is None else t("dashboard.minutes", minutes=minutes(seconds))


def _kpi(marker: str, icon: str, colour: str, label_key: str, value: str, sub: str) -> None:
    with ui.card().classes(f"gap-1 p-4 min-w-0 desk-{marker}").mark(marker):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon(icon).classes("text-xl").style(f"color: {colour}")
            ui.label(t(label_key)).classes("text-sm text-secondary truncate")
        ui.label(value).classes("text-3xl font-bold leading-tight").mark(f"{marker}-value")
        ui.label(sub).classes("text-xs text-secondary")


def _kpis(board: Dashboard) -> None:
    total = board.total
    with ui.element("div").classes("grid grid-cols-2 md:grid-cols-3 xl:grid-cols-6 gap-4 w-full"):
        _kpi(
            "kpi-cases",
            "assignment_turned_in",
            PRIMARY,
            "dashboard.kpi.cases",
            str(total.cases),
            t("dashboard.kpi.cases_sub", start=board.start.strftime("%m-%d"), end=board.end.strftime("%m-%d")),
        )
        _kpi(
            "kpi-papers",
            "verified",
            POSITIVE,
            "dashboard.kpi.papers_avoided",
            str(total.papers_avoided),
            t("dashboard.kpi.papers_avoided_sub", pages=total.pages_avoided),
        )
        _kpi(
            "kpi-pay-first",
            "bolt",
            TEAL,
            "dashboard.kpi.pay_first",
            _percent(total.pay_first_percent),
            t("dashboard.kpi.pay_first_sub", count=total.pay_first),
        )
        _kpi(
            "kpi-findings",
            "fact_check",
            ACCENT,
            "dashboard.kpi.findings",
            str(total.findings),
            t("dashboard.kpi.findings_sub", count=total.post_reviewed),
        )
        _kpi(
            "kpi-overdue",
            "schedule",
            AMBER,
            "dashboard.kpi.overdue",
            str(total.overdue),
            t(
                "dashboard.kpi.overdue_sub" if board.hall is None else "dashboard.kpi.overdue_sub_hall",
                count=board.overdue_now,
            ),
        )
        _kpi(
            "kpi-counter-time",
            "timer",
            SECONDARY,
            "dashboard.kpi.counter_time",
            _minutes_text(total.median_counter_seconds),
            t("dashboard.kpi.counter_time_sub", count=total.timed),
        )


def _chart_card(title_key: str, marker: str, options: dict) -> None:
    with ui.card().classes("gap-2 p-4 min-w-0"):
        ui.label(t(title_key)).classes("text-base font-bold text-primary")
        # a short animation: the figures redraw at every change of the filters
        ui.echart({"animationDuration": 300, "animationDurationUpdate": 300, **options}).classes(
            f"w-full h-72 desk-{marker}"
        ).mark(marker)


def _axis_options(labels: list[str]) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "left": 0},
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "axisTick": {"alignWithLabel": True}},
    }


def _bar(name_key: str, values: list, colour: str, **extra: object) -> dict:
    return {
        "name": t(name_key),
        "type": "bar",
        "data": values,
        "itemStyle": {"color": colour},
        "barMaxWidth": 28,
        **extra,
    }


def _trend_chart(board: Dashboard, labels: list[str]) -> None:
    figures = [item for _, item in board.periods]
    _chart_card(
        "dashboard.chart.trend",
        "chart-trend",
        {
            **_axis_options(labels),
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                _bar("dashboard.series.cases", [f.cases for f in figures], PRIMARY),
                _bar("dashboard.series.papers_avoided", [f.papers_avoided for f in figures], POSITIVE),
            ],
        },
    )


def _business_chart(board: Dashboard) -> None:
    names = [_business_name(code) for code, _ in reversed(board.businesses)]  # the most cases on top
    figures = [item for _, item in reversed(board.businesses)]
    _chart_card(
        "dashboard.chart.business",
        "chart-business",
        {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"top": 0, "left": 0},
            "grid": {"left": 8, "right": 16, "top": 36, "bottom": 4, "containLabel": True},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {"type": "category", "data": names, "axisLabel": {"width": 120, "overflow": "break"}},
            "series": [
                _bar("dashboard.series.cases", [f.cases for f in figures], PRIMARY),
                _bar("dashboard.series.papers_avoided", [f.papers_avoided for f in figures], POSITIVE),
                _bar("dashboard.series.overdue", [f.overdue for f in figures], AMBER),
            ],
        },
    )


def _pay_first_chart(board: Dashboard, labels: list[str]) -> None:
    figures = [item for _, item in board.periods]
    _chart_card(
        "dashboard.chart.pay_first",
        "chart-pay-first",
        {
            **_axis_options(labels),
            "yAxis": [
                {"type": "value", "minInterval": 1},
                {
                    "type": "value",
                    "min": 0,
                    "max": 100,
                    "axisLabel": {"formatter": "{value}%"},
                    "splitLine": {"show": False},
                },
            ],
            "series": [
                _bar("dashboard.series.pay_first", [f.pay_first for f in figures], TEAL),
                _bar("dashboard.series.findings", [f.findings for f in figures], ACCENT),
                {
                    "name": t("dashboard.series.pay_first_percent"),
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [f.pay_first_percent for f in figures],
                    "symbolSize": 6,  # no line across empty days
                    "itemStyle": {"color": AMBER},
                },
            ],
        },
    )


def _counter_time_chart(board: Dashboard, labels: list[str]) -> None:
    values = [
        None if f.median_counter_seconds is None else round(f.median_counter_seconds / 60, 1) for _, f in board.periods
    ]
    _chart_card(
        "dashboard.chart.counter_time",
        "chart-counter-time",
        {
            **_axis_options(labels),
            "yAxis": {"type": "value", "min": 0},
            "series": [
                {
                    "name": t("dashboard.series.counter_minutes"),
                    "type": "line",
                    "data": values,
                    "symbolSize": 7,
                    "areaStyle": {"opacity": 0.08},
                    "itemStyle": {"color": PRIMARY},
                }
            ],
        },
    )


def _table_row(key: str, business: str, hall: str, figures: Figures) -> dict:
    return {
        "key": key,
        "business": business,
        "hall": hall,
        "cases": figures.cases,
        "papers_avoided": figures.papers_avoided,
        "pages_avoided": figures.pages_avoided,
        "pay_first_percent": _percent(figures.pay_first_percent),
        "post_reviewed": figures.post_reviewed,
        "findings": figures.findings,
        "overdue": figures.overdue,
        "median_counter_minutes": _minutes_text(figures.median_counter_seconds),
    }


def _table(board: Dashboard) -> None:
    names = (
        "business",
        "hall",
        "cases",
        "papers_avoided",
        "pages_avoided",
        "pay_first_percent",
        "post_reviewed",
        "findings",
        "overdue",
        "median_counter_minutes",
    )
    columns = [
        {
            "name": name,
            "field": name,
            "align": "left" if name in ("business", "hall") else "right",
            "label": t(f"dashboard.table.{name}" if name in TABLE_LABELS else f"dashboard.csv.{name}"),
        }
        for name in names
    ]
    rows = [
        _table_row(f"{code}:{hall}", f"{code} {_business_name(code)}", centre_halls().name(hall), figures)
        for (code, hall), figures in board.business_halls
    ]
    with ui.card().classes("w-full gap-2 p-4"):
        ui.label(t("dashboard.table.title")).classes("text-base font-bold text-primary")
        ui.table(columns=columns, rows=rows, row_key="key").props("flat bordered dense wrap-cells").classes(
            "w-full"
        ).mark("dashboard-table")


def draw(board: Dashboard) -> None:
    """The cards, charts and table of one dashboard."""
    _kpis(board)
    if not board.total.cases:
        ui.label(t("dashboard.empty")).classes("text-secondary").mark("dashboard-empty")
    labels = [_period_label(first, board.period) for first, _ in board.periods]
    with ui.element("div").classes("grid grid-cols-1 lg:grid-cols-2 gap-4 w-full"):
        _trend_chart(board, labels)
        _business_chart(board)
        _pay_first_chart(board, labels)
        _counter_time_chart(board, labels)
    _table(board)


class DashboardScreen:
    """The filters and the figures of one browser tab."""

    def __init__(self, start: date, end: date, period: str, hall: str | None) -> None:
        self.start, self.end, self.period, self.hall = start, end, period, hall
        with ui.row().classes("w-full items-end justify-between gap-4"):
            with ui.column().classes("gap-1"):
                ui.label(t("dashboard.title")).classes("text-2xl font-bold")
                ui.label(t("dashboard.hint")).classes("text-secondary text-sm")
            self._filters()
        self.message = ui.label().classes("text-negative").mark("dashboard-error")
        self.body = ui.column().classes("w-full gap-4").mark("dashboard-body")

    def _filters(self) -> None:
        with ui.row().classes("items-center gap-2"):
            self.range_input = (
                ui.input(t("dashboard.filter.range"), value=self._range_text())
                .props("outlined dense readonly")
                .classes("w-64")
                .mark("filter-range")
            )
            with self.range_input.add_slot("append"):
                ui.icon("event").classes("cursor-pointer")
            with ui.menu().props("no-parent-event") as menu:
                self.picker = (
                    ui.date(
                        {"from": self.start.isoformat(), "to": self.end.isoformat()},
                        mask="YYYY-MM-DD",
                        on_change=self._picked,
                    )
                    .props("range")
                    .mark("filter-date")
                )
                with ui.row().classes("justify-end w-full p-2"):
                    ui.button(t("dashboard.filter.done"), on_click=menu.close).props("flat no-caps")
            self.range_input.on("click", menu.open)
            for days in QUICK_DAYS:
                ui.button(t("dashboard.filter.last_days", days=days), on_click=lambda d=days: self._last(d)).props(
                    "flat dense no-caps color=primary"
                ).mark(f"last-days {days}")
            ui.toggle(
                {"day": t("dashboard.period.day"), "week": t("dashboard.period.week")},
                value=self.period,
                on_change=self._grouped,
            ).props("no-caps unelevated toggle-color=primary").mark("period")
            halls = {"": t("dashboard.hall.all")} | {hall.code: hall.name() for hall in centre_halls().halls}
            ui.select(halls, label=t("dashboard.hall.label"), value=self.hall or "", on_change=self._hall_chosen).props(
                "outlined dense"
            ).classes("w-56 desk-filter-hall").mark("filter-hall")
            ui.button(
                t("dashboard.download"),
                icon="download",
                on_click=lambda: ui.download.from_url(csv_url(self.start, self.end, self.period, self.hall)),
            ).props("no-caps unelevated color=primary").mark("download-csv")

    def _range_text(self) -> str:
        return t("dashboard.filter.range_value", start=self.start.isoformat(), end=self.end.isoformat())

    async def _picked(self, event) -> None:
        value = event.value
        if not value:
            return
        first, last = (value["from"], value["to"]) if isinstance(value, dict) else (value, value)
        self.start, self.end = date.fromisoformat(first), date.fromisoformat(last)
        self.range_input.value = self._range_text()
        await self.load()

    async def _last(self, days: int) -> None:
        self.end = _today()
        self.start = self.end - timedelta(days=days - 1)
        self.range_input.value = self._range_text()
        self.picker.value = {"from": self.start.isoformat(), "to": self.end.isoformat()}  # reloads through _picked

    async def _grouped(self, event) -> None:
        self.period = event.value
        await self.load()

    async def _hall_chosen(self, event) -> None:
        self.hall = event.value or None
        await self.load()

    async def load(self) -> None:
        """Read the figures of the current filters and draw them."""
        staff = require_staff()
        if staff is None:
            return
        if not may_open(staff.role, PATH):
            self.message.text = t("ui.forbidden.text")
            return
        try:
            check_range(self.start, self.end, self.period, self.hall)
            board = await run.io_bound(_load, self.start, self.end, self.period, self.hall)
            assert board is not None, "None only when the server is shutting down"
        except DashboardRangeError as refused:
            self.message.text = t(refused.key, None, **refused.params)
            return
        self.message.text = ""
        self.body.clear()
        with self.body:
            draw(board)


async def _csv_response(request: Request) -> Response:
    staff = ui_session.session_staff()
    if staff is None or not may_open(staff.role, request.url.path):
        return Response(status_code=403)
    query = request.query_params
    try:
        start, end, period, hall = read_filters(
            query.get("from"), query.get("to"), query.get("period"), query.get("hall")
        )
    except DashboardRangeError as refused:
        return Response(t(refused.key, None, **refused.params), status_code=400, media_type="text/plain; charset=utf-8")
    board = await run.io_bound(_load, start, end, period, hall)
    assert board is not None, "None only when the server is shutting down"
    return Response(
        dashboard_csv(board, current_language()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(board)}"', **NO_STORE},
    )


def register() -> None:
    """Add the /dashboard page and its CSV download."""

    @ui.page(PATH)
    async def dashboard_page(request: Request) -> None:
        query = request.query_params
        with frame("dashboard.title", wide=True):
            try:
                start, end, period, hall = read_filters(
                    query.get("from"), query.get("to"), query.get("period"), query.get("hall")
                )
            except DashboardRangeError as refused:
                ui.label(t(refused.key, None, **refused.params)).classes("text-negative").mark("dashboard-error")
                start, end, period, hall = read_filters(None, None, None)
            screen = DashboardScreen(start, end, period, hall)
        await screen.load()

    app.get(CSV_PATH)(_csv_response)
