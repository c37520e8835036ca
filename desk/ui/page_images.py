"""Archived page images on screen, large enough to judge: the flattened page at the width of its
column, zoomed with the mouse wheel (`page_zoom.js`), with a link to the archive's viewer.

Images come by URL from the archive's image route (desk.ui.archive_routes), which checks the
role and logs each read; nothing is sent as base64 over the websocket.
"""

from __future__ import annotations

from nicegui import ui

from desk.i18n import t
from desk.ui.archive_routes import image_url


class PageZoom(ui.element, component="page_zoom.js"):
    """An image shown at its box's width; the wheel zooms around the pointer, dragging moves it, reset fits it."""

    def __init__(self, src: str, *, alt: str, max_height: str = "80vh") -> None:
        super().__init__()
        self._props.update(
            src=src,
            alt=alt,
            max_height=max_height,
            reset_label=t("review.page.reset_zoom"),
            zoom_in_label=t("review.page.zoom_in"),
            zoom_out_label=t("review.page.zoom_out"),
            hint=t("review.page.zoom_hint"),
        )


def page_viewer(page_id: int, title: str, *, max_height: str = "80vh") -> PageZoom:
    """The flattened page `page_id` large and zoomable."""
    return (
        PageZoom(image_url(page_id, "flat"), alt=title, max_height=max_height)
        .classes("w-full")
        .mark(f"large {page_id}")
    )


def open_viewer_link(page_id: int) -> None:
    """A link that opens the page in the archive's viewer (text, highlights, hashes) in a new tab."""
    ui.link(t("review.page.open_viewer"), f"/archive/page/{page_id}", new_tab=True).classes("text-sm").mark(
        f"open-viewer {page_id}"
    )
