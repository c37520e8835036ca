"""The papers-avoided block of the case page and the notice: "N materials proven by data — not
needed", then each material with its usual pages (desk.cases.papers)."""

from __future__ import annotations

from collections.abc import Sequence

from nicegui import ui

from desk.cases.papers import Paper
from desk.i18n import t


def _count_line(count: int) -> str:
    return t("cases.papers.avoided_one" if count == 1 else "cases.papers.avoided_many", count=count)


def _pages(pages: int) -> str:
    return t("cases.papers.page_one" if pages == 1 else "cases.papers.page_many", pages=pages)


def papers_avoided(avoided: Sequence[Paper]) -> None:
    """The block, when data proved anything (nothing at all otherwise: no line says "0 papers")."""
    if not avoided:
        return
    pages = sum(item.pages or 0 for item in avoided)
    with ui.column().classes("w-full gap-1 border-l-4 border-green-7 pl-3 py-1").mark("papers-avoided"):
        with ui.row().classes("items-center gap-x-2 gap-y-0"):
            ui.icon("verified", color="positive").classes("text-lg")
            ui.label(_count_line(len(avoided))).classes("font-bold text-positive").mark("papers-avoided-count")
            if pages:
                ui.label(t("cases.papers.pages_spared", pages=pages)).classes("text-sm text-secondary")
        with ui.column().classes("gap-0 pl-7"):
            for item in avoided:
                suffix = f"（{_pages(item.pages)}）" if item.pages else ""
                ui.label(f"{item.material} {item.name()}{suffix}").classes("text-sm").mark(
                    f"paper-avoided {item.material}"
                )
