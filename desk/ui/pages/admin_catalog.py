"""`/admin/catalog`: the business catalog as the admin reads it (read-only; it is edited as a data file).

Every business with both of its names, its materials with the system data that can stand in for
them, its eligibility rules with the parameters in effect today and where they come from, the
review mode, the due time in working days and the retention class (desk.cases.catalog_view).
"""

from __future__ import annotations

import re
from typing import Any

from nicegui import ui

from desk.cases.catalog import get_catalog
from desk.cases.catalog_view import business_rows
from desk.cases.evidence import DECLARED_PREFIX
from desk.i18n import current_language, t
from desk.ui.catalog_params import parameter_lines
from desk.ui.session import apply_language
from desk.ui.theme import frame

_MATERIAL_COLUMNS = ("code", "name", "alternatives", "when", "holder", "stand_ins")
_RULE_COLUMNS = ("name", "check", "params", "effective_from", "source")
_COLUMN_STYLES = {
    "name": "min-width: 12rem",
    "effective_from": "white-space: nowrap",
    "params": "min-width: 16rem; white-space: pre-line",
    "source": "white-space: pre-line",
    "code": "white-space: nowrap",
}
_CITED = re.compile(r"\bS\d+\b")  # tags of the catalog's `source` notes (desk/cases/catalog.toml)
_ASSUMED = re.compile(r"\[R\]")


def _when(condition: str | None) -> str:
    if condition is None:
        return t("catalog_admin.when.always")
    if condition.startswith(DECLARED_PREFIX):
        declaration = get_catalog().declarations.get(condition.removeprefix(DECLARED_PREFIX))
        return t("catalog_admin.when.declared", declaration=declaration.name() if declaration else condition)
    return t(f"catalog_admin.when.{condition}")


def _params(params: dict[str, Any] | None) -> str:
    return "\n".join(parameter_lines(params)) or "—"


def _source(note: str | None) -> str:
    """Where a parameter set comes from, by its tags: cited sources ([S2]) and assumed defaults ([R]).
    The note itself is the catalog maintainers' English, with references to their working documents."""
    if not note:
        return "—"
    cited = sorted(set(_CITED.findall(note)), key=lambda ref: int(ref[1:]))
    parts = [t("catalog_admin.source.cited", refs="、".join(cited))] if cited else []
    if _ASSUMED.search(note):
        parts.append(t("catalog_admin.source.reconstructed"))
    return "\n".join(parts) or "—"


def _table(columns: tuple[str, ...], rows: list[dict], marker: str) -> None:
    spec = [
        {
            "name": c,
            "label": t(f"catalog_admin.column.{c}"),
            "field": c,
            "align": "left",
            "style": _COLUMN_STYLES.get(c, ""),
            "headerStyle": _COLUMN_STYLES.get(c, ""),
        }
        for c in columns
    ]
    ui.table(columns=spec, rows=rows, row_key=columns[0]).props("flat dense bordered wrap-cells").classes(
        "w-full"
    ).mark(marker)


def _business(row: dict, other_name: str) -> None:
    code = row["code"]
    with ui.expansion().classes("w-full bg-white rounded").props("dense").mark(f"business {code}") as item:
        with item.add_slot("header"), ui.row().classes("w-full items-center gap-3 py-1"):
            ui.label(code).classes("font-mono font-bold w-16")
            with ui.column().classes("gap-0 grow"):
                ui.label(row["name"]).classes("font-bold")
                ui.label(other_name).classes("text-xs text-secondary")
            ui.badge(t(f"catalog_admin.group.{row['group']}"), color="grey-7")
            ui.badge(row["review_mode"], color="teal" if row["review_mode_code"] == "pay_first" else "primary")
            ui.badge(t("catalog_admin.due_days", days=row["due_working_days"]), color="blue-grey")
        with ui.column().classes("w-full gap-2 px-2 pb-3"):
            ui.label(t("catalog_admin.retention", retention=row["retention"])).classes("text-sm")
            ui.label(t("catalog_admin.materials")).classes("font-bold text-primary")
            _table(
                _MATERIAL_COLUMNS,
                [
                    {
                        "code": m["code"],
                        "name": m["name"],
                        "alternatives": ", ".join(m["alternatives"]) or "—",
                        "when": _when(m["when"]),
                        "holder": t(f"cases.holder.{m['holder']}"),
                        "stand_ins": ", ".join(m["stand_ins"]) or t("catalog_admin.paper_only"),
                    }
                    for m in row["materials"]
                ],
                f"materials {code}",
            )
            ui.label(t("catalog_admin.rules")).classes("font-bold text-primary")
            _table(
                _RULE_COLUMNS,
                [
                    {
                        "name": r["name"],
                        "check": r["check"],
                        "params": _params(r["params"]),
                        "effective_from": r["effective_from"] or t("catalog_admin.not_in_effect"),
                        "source": _source(r["source"]),
                    }
                    for r in row["rules"]
                ],
                f"rules {code}",
            )


def _rows() -> list[tuple[dict, str]]:
    """(row in the reader's language, the business name in the other language), in catalog order."""
    catalog = get_catalog()
    language = current_language()
    other = "en" if language == "zh-CN" else "zh-CN"
    others = {row["code"]: row["name"] for row in business_rows(catalog, language=other)}
    rows = business_rows(catalog, language=language)
    for row in rows:
        row["review_mode_code"] = catalog.business[row["code"]].review_mode
    return [(row, others[row["code"]]) for row in rows]


def register() -> None:
    """Add the /admin/catalog page."""

    @ui.page("/admin/catalog")
    def catalog_page() -> None:
        with frame("catalog_admin.title", wide=True):
            ui.label(t("catalog_admin.title")).classes("text-2xl font-bold")
            ui.label(t("catalog_admin.hint")).classes("text-secondary text-sm")
            rows = _rows()
            search = (
                ui.input(t("catalog_admin.filter"), placeholder=t("catalog_admin.filter_placeholder"))
                .props("outlined dense clearable")
                .classes("w-96")
                .mark("catalog-filter")
            )

            @ui.refreshable
            def listing() -> None:
                needle = (search.value or "").strip().lower()
                shown = [
                    (row, other)
                    for row, other in rows
                    if not needle or needle in f"{row['code']} {row['name']} {other}".lower()
                ]
                ui.label(t("catalog_admin.count", shown=len(shown), total=len(rows))).classes("text-sm").mark(
                    "catalog-count"
                )
                for row, other in shown:
                    _business(row, other)

            with ui.column().classes("w-full gap-2"):
                listing()

            def refilter() -> None:
                apply_language()  # a pure filter of what the page already holds: no data is read
                listing.refresh()

            search.on_value_change(refilter)
