"""Archived page images on screen: a clickable thumbnail and a large view in a dialog.

Images come by URL from the archive's image route (desk.ui.archive_routes), which checks the
role and logs each read; nothing is sent as base64 over the websocket.
"""

from __future__ import annotations

from nicegui import ui

from desk.i18n import t
from desk.ui.archive_routes import image_url
from desk.ui.session import apply_language


def show_large(page_id: int, title: str) -> None:
    """A dialog with the flattened page, big enough to read, and a link to the archive's viewer."""
    apply_language()
    with ui.dialog(value=True) as dialog, ui.card().classes("w-[min(96vw,60rem)] max-w-none gap-2") \
            .mark("page-dialog"):
        with ui.row().classes("w-full items-center"):
            ui.label(title).classes("text-lg font-bold")
            ui.space()
            ui.link(t("review.page.open_viewer"), f"/archive/page/{page_id}", new_tab=True) \
                .classes("text-sm").mark("open-viewer")
            ui.button(icon="close", on_click=dialog.close).props("flat round dense").mark("close-page")
        with ui.scroll_area().classes("w-full h-[80vh] bg-grey-3"):
            ui.image(image_url(page_id, "flat")).props("fit=contain").classes("w-full").mark(f"large {page_id}")


def thumbnail(page_id: int, title: str) -> None:
    """A page thumbnail that opens the large view when clicked."""
    with ui.card().tight().classes("w-28 cursor-pointer hover:shadow-lg") \
            .on("click", lambda: show_large(page_id, title)).mark(f"thumb {page_id}"):
        ui.image(image_url(page_id, "thumb")).props("fit=contain").classes("w-28 h-36 bg-grey-2")
        ui.label(title).classes("text-xs text-center w-full px-1 py-0.5 truncate")
