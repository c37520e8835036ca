"""`/archive/fixity`: the last verification of the archive's files (scheduled or by hand) and a
"verify now" button. Every file is named by its SHA-256, so a verification re-hashes each one and
lists what is missing, altered or orphaned (desk.archive.fixity)."""

from __future__ import annotations

from nicegui import run, ui

from desk.archive.fixity import last_run, verify_archive
from desk.archive.tables import FixityRun
from desk.db import session_scope
from desk.i18n import t
from desk.ui.archive_routes import archive_store
from desk.ui.auth import require_staff
from desk.ui.fixity_schedule import VERIFY_EVERY
from desk.ui.theme import frame

FINDINGS = ("missing", "altered", "orphaned")
MAX_LISTED = 50  # files listed per finding; the counts are always complete


def _last() -> FixityRun | None:
    with session_scope() as db:
        return last_run(db)


def _verify() -> None:
    verify_archive(archive_store())


def _show(run_row: FixityRun | None) -> None:
    if run_row is None:
        ui.label(t("archivist.fixity.never")).classes("text-secondary").mark("fixity-never")
        return
    with ui.row().classes("items-center gap-3"):
        ui.icon("verified" if run_row.ok else "report", color="positive" if run_row.ok else "negative", size="lg")
        ui.label(t("archivist.fixity.ok" if run_row.ok else "archivist.fixity.problems")).classes(
            "text-xl font-bold " + ("text-positive" if run_row.ok else "text-negative")
        ).mark("fixity-status")
    ui.label(
        t(
            "archivist.fixity.when",
            started=f"{run_row.started_at:%Y-%m-%d %H:%M:%S}",
            seconds=f"{(run_row.finished_at - run_row.started_at).total_seconds():.1f}",
        )
    ).classes("text-sm")
    with ui.row().classes("gap-2"):
        ui.chip(t("archivist.fixity.checked", count=run_row.checked), icon="inventory_2").mark("fixity-checked")
        for finding in FINDINGS:
            count = getattr(run_row, finding)
            ui.chip(
                t(f"archivist.fixity.{finding}", count=count),
                color="negative" if count else "grey-3",
                text_color="white" if count else "black",
            ).mark(f"fixity-{finding}")
    for finding in FINDINGS:
        items = (run_row.report or {}).get(finding) or []
        if items:
            with ui.expansion(t(f"archivist.fixity.{finding}", count=len(items)), value=True).classes("w-full"):
                for item in items[:MAX_LISTED]:
                    ui.label(item).classes("font-mono text-xs break-all")
                if len(items) > MAX_LISTED:
                    ui.label(t("archivist.fixity.more", count=len(items) - MAX_LISTED)).classes("text-xs")


def register() -> None:
    """Add the /archive/fixity page."""

    @ui.page("/archive/fixity")
    async def fixity_page() -> None:
        # every listener is attached as its element is made: the frame's idle timer waits for the
        # browser, so the page is sent at the first await, and a listener added to an element already
        # sent makes the browser re-render it ("Event listeners changed after initial definition")
        result: ui.column | None = None
        button: ui.button | None = None

        async def verify_now() -> None:
            if require_staff() is None:
                return
            assert button is not None and result is not None, "made before the page is sent"
            button.disable()
            button.props("loading")
            try:
                await run.io_bound(_verify)
                latest = await run.io_bound(_last)
            finally:
                button.enable()
                button.props(remove="loading")
            result.clear()
            with result:
                _show(latest)

        with frame("archivist.fixity.title"):
            ui.label(t("archivist.fixity.title")).classes("text-2xl font-bold")
            ui.label(t("archivist.fixity.hint", hours=int(VERIFY_EVERY.total_seconds() // 3600))).classes(
                "text-secondary text-sm"
            )
            with ui.card().classes("w-full gap-3"):
                result = ui.column().classes("w-full gap-2").mark("fixity-result")
                button = (
                    ui.button(t("archivist.fixity.verify_now"), icon="fact_check", on_click=verify_now)
                    .props("no-caps unelevated")
                    .mark("verify-now")
                )
            with result:
                _show(await run.io_bound(_last))
