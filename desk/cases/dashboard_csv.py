"""The centre dashboard as CSV: one line per period, business and hall with cases, then the total (of
every hall, or of the one hall the filter chose).

The same figures as the page (desk.cases.dashboard), headed in the reader's language. UTF-8 with a
byte-order mark, so a spreadsheet opened by double-click reads the Chinese names right.
"""

from __future__ import annotations

import csv
import io

from desk.cases.catalog import get_catalog
from desk.cases.dashboard import Dashboard, Figures
from desk.i18n import t
from desk.security.halls import centre_halls

COLUMNS = (
    "period_start",
    "period_end",
    "business",
    "business_name",
    "hall",
    "cases",
    "papers_avoided",
    "pages_avoided",
    "pay_first",
    "pay_first_percent",
    "post_reviewed",
    "findings",
    "overdue",
    "median_counter_minutes",
    "timed",
)


def minutes(seconds: int | None) -> str:
    """Seconds as minutes with one decimal ('' when there is no time)."""
    return "" if seconds is None else f"{seconds / 60:.1f}"


def _figures(figures: Figures) -> list[object]:
    share = figures.pay_first_percent
    return [
        figures.cases,
        figures.papers_avoided,
        figures.pages_avoided,
        figures.pay_first,
        "" if share is None else f"{share:.1f}",
        figures.post_reviewed,
        figures.findings,
        figures.overdue,
        minutes(figures.median_counter_seconds),
        figures.timed,
    ]


def _business_name(code: str, language: str) -> str:
    business = get_catalog().get_business(code)
    return business.name(language) if business else code


def dashboard_csv(dashboard: Dashboard, language: str) -> bytes:
    """The dashboard's figures as CSV bytes (UTF-8 with BOM), headed and named in `language`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(f"dashboard.csv.{name}", language) for name in COLUMNS])
    for row in dashboard.rows:
        first, last = dashboard.span(row.period)
        writer.writerow(
            [
                first.isoformat(),
                last.isoformat(),
                row.business_code,
                _business_name(row.business_code, language),
                centre_halls().name(row.hall, language),
                *_figures(row.figures),
            ]
        )
    writer.writerow(
        [
            dashboard.start.isoformat(),
            dashboard.end.isoformat(),
            "",
            t("dashboard.csv.total", language),
            t("dashboard.hall.all", language)
            if dashboard.hall is None
            else centre_halls().name(dashboard.hall, language),
            *_figures(dashboard.total),
        ]
    )
    return out.getvalue().encode("utf-8-sig")


def csv_filename(dashboard: Dashboard) -> str:
    """The download's name: the range, the grouping and the hall when one is chosen."""
    hall = f"-{dashboard.hall}" if dashboard.hall else ""
    return f"desk-dashboard-{dashboard.start:%Y%m%d}-{dashboard.end:%Y%m%d}-{dashboard.period}{hall}.csv"
