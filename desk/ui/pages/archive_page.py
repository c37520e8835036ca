"""`/archive/page/{page_id}`: one archived page, the query's words highlighted over the image.

The image comes by URL from the image route; the highlights are an SVG overlay of
`ui.interactive_image` whose viewBox is the flattened page, so they stay on their words at any
zoom. Beside it: the OCR text with the same words marked, the document's metadata, what capture
read off the page, the SHA-256 of every file, and the export and verify buttons. Opening the page
writes an access-log row (desk.archive.viewer.open_page).
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse
from nicegui import run, ui

from desk.archive.errors import ArchiveRefused
from desk.archive.query_parser import parse_query
from desk.archive.retention import class_label
from desk.archive.viewer import Box, PageView, check_document, open_page
from desk.db import session_scope
from desk.i18n import t
from desk.security.masking import mask_numbers_in_text
from desk.ui.archive_routes import archive_store, export_url, image_url
from desk.ui.auth import not_found_page, require_staff
from desk.ui.case_labels import label_or_code, material_label
from desk.ui.formatting import day
from desk.ui.pairs import pair, pair_grid
from desk.ui.route_ids import parse_id
from desk.ui.session import SessionStaff
from desk.ui.theme import frame

ZOOM_STEPS = (50, 75, 100, 150, 200, 300)  # per cent of the viewer's width
HIGHLIGHT_STYLE = 'fill="#ffeb3b" fill-opacity="0.45" stroke="#f57f17" stroke-width="3"'
CHECKS = ("authenticity", "integrity", "usability", "security")


def _open(page_id: int, query: str, staff: SessionStaff) -> PageView:
    with session_scope() as db:
        return open_page(db, archive_store(), page_id, staff=staff, query=query)


def _check(document_id: int) -> dict:
    with session_scope() as db:
        return check_document(db, archive_store(), document_id)


def overlay_svg(boxes: tuple[Box, ...]) -> str:
    """SVG rectangles over the highlighted words (the overlay's viewBox is the image's own pixels)."""
    padding = 4
    return "".join(
        f'<rect x="{b.left - padding:.0f}" y="{b.top - padding:.0f}" width="{b.width + 2 * padding:.0f}" '
        f'height="{b.height + 2 * padding:.0f}" rx="4" {HIGHLIGHT_STYLE} />'
        for b in boxes
    )


def marked_text(text: str, query: str) -> str:
    """The page text as HTML, every match of the query's words in <mark>; ID and phone numbers masked."""
    shown = mask_numbers_in_text(text)  # same length: match offsets on `text` hold on `shown`
    parsed = parse_query(query) if query.strip() else None
    if parsed is None or parsed.problem or not parsed.positive:
        return escape(shown)
    pattern = re.compile("|".join(f"(?:{term.pattern().pattern})" for term in parsed.positive), re.IGNORECASE)
    out, cursor = [], 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        out += [escape(shown[cursor : match.start()]), "<mark>", escape(shown[match.start() : match.end()]), "</mark>"]
        cursor = match.end()
    out.append(escape(shown[cursor:]))
    return "".join(out)


class PageScreen:
    """The viewer of one browser tab."""

    def __init__(self, view: PageView, query: str) -> None:
        self.view, self.query = view, query
        self.zoom = 100
        with ui.row().classes("w-full items-center gap-2"):
            ui.link(t("archivist.page.back"), "/archive").classes("text-sm").mark("back")
            ui.space()
            self._page_links()
        with ui.element("div").classes("grid grid-cols-1 lg:grid-cols-5 gap-4 w-full items-start"):
            with ui.card().classes("lg:col-span-3 gap-2"):
                self._toolbar()
                with ui.scroll_area().classes("w-full h-[75vh] bg-grey-3 rounded"):
                    # word boxes belong to the flattened page: without one there is nothing to lay them on
                    overlay = overlay_svg(view.highlights) if view.has_flat else ""
                    self.image = (
                        ui.interactive_image(image_url(view.page_id, "flat"), content=overlay)
                        .classes("max-w-none")
                        .style(f"width: {self.zoom}%")
                        .mark("page-image")
                    )
            with ui.column().classes("lg:col-span-2 gap-4 w-full"):
                self._metadata()
                self._text()

    def _page_links(self) -> None:
        ids, index = self.view.page_ids, self.view.page_ids.index(self.view.page_id)
        query = "?" + urlencode({"q": self.query}) if self.query else ""
        if index > 0:
            ui.link(t("archivist.page.previous"), f"/archive/page/{ids[index - 1]}{query}").mark("previous-page")
        ui.label(t("archivist.page.page_of", page=self.view.page_no, pages=len(ids))).classes("text-sm")
        if index + 1 < len(ids):
            ui.link(t("archivist.page.next"), f"/archive/page/{ids[index + 1]}{query}").mark("next-page")

    def _toolbar(self) -> None:
        with ui.row().classes("w-full items-center gap-2"):
            ui.button(icon="zoom_out", on_click=lambda: self._zoom(-1)).props("flat round dense").mark("zoom-out")
            self.zoom_label = ui.label(f"{self.zoom}%").classes("text-sm w-12 text-center").mark("zoom")
            ui.button(icon="zoom_in", on_click=lambda: self._zoom(1)).props("flat round dense").mark("zoom-in")
            count = len(self.view.highlights)
            if self.query:
                ui.label(
                    t("archivist.page.highlights", count=count) if not self.view.problem else t(self.view.problem)
                ).classes("text-sm text-secondary").mark("highlight-count")
            ui.space()
            ui.button(
                t("archivist.page.export"),
                icon="picture_as_pdf",
                on_click=lambda: ui.download.from_url(export_url(self.view.document_id)),
            ).props("no-caps outline").mark("export")
            ui.button(t("archivist.page.verify"), icon="verified", on_click=self._verify).props("no-caps outline").mark(
                "verify"
            )
        self.check_result = ui.column().classes("w-full gap-1").mark("check-result")

    def _zoom(self, step: int) -> None:
        position = min(max(ZOOM_STEPS.index(self.zoom) + step, 0), len(ZOOM_STEPS) - 1)
        self.zoom = ZOOM_STEPS[position]
        self.image.style(f"width: {self.zoom}%")
        self.zoom_label.text = f"{self.zoom}%"

    async def _verify(self) -> None:
        if require_staff() is None:
            return
        try:
            report = await run.io_bound(_check, self.view.document_id)
        except ArchiveRefused as refused:
            ui.notify(refused.message(), color="negative")
            return
        assert report is not None, "None only when the server is shutting down"
        self.check_result.clear()
        with self.check_result, ui.row().classes("gap-2"):
            for part in CHECKS:
                passed = report[part]["ok"]
                verdict = t("archive.cli.check_ok" if passed else "archive.cli.check_failed")
                ui.chip(
                    f"{t('archive.check.' + part)}: {verdict}",
                    icon="check_circle" if passed else "error",
                    color="positive" if passed else "negative",
                    text_color="white",
                ).props("dense").mark(f"check {part}")

    def _metadata(self) -> None:
        view = self.view
        with ui.card().classes("w-full gap-1").mark("page-meta"):
            ui.label(label_or_code("capture.doc_type.", view.doc_type)).classes("text-lg font-bold")
            with pair_grid():
                self._pairs()
            if view.legal_hold:
                ui.label(t("archivist.page.legal_hold")).classes("text-warning text-sm")
            ui.separator()
            ui.label(t("archivist.page.hashes")).classes("text-sm font-bold")
            for kind, sha in view.hashes.items():
                with ui.column().classes("w-full gap-0"):
                    ui.label(t(f"archivist.file.{kind}")).classes("text-xs text-secondary")
                    ui.label(sha).classes("font-mono text-[0.66rem] leading-tight break-all select-all").mark(
                        f"sha {kind}"
                    )

    def _pairs(self) -> None:
        view = self.view
        material = f"{view.material_code} {material_label(view.material_code)}" if view.material_code else "—"
        pair(t("archivist.page.document"), str(view.document_id))
        pair(t("archivist.page.material"), material)
        pair(t("archivist.page.customer"), view.customer or "—", "page-customer")
        pair(t("archivist.page.case"), view.case_no or "—")
        pair(t("archivist.page.captured"), f"{view.captured_at:%Y-%m-%d %H:%M} · {view.captured_by}")
        pair(t("archivist.page.source"), label_or_code("archivist.source.", view.source))
        pair(t("archivist.page.file"), view.title or "—")
        pair(
            t("archivist.page.size"),
            t(
                "archivist.page.size_value",
                width=view.width_px,
                height=view.height_px,
                dpi=f"{view.dpi:.0f}" if view.dpi else "—",
            ),
        )
        if view.ocr_confidence is not None:
            pair(t("archivist.page.confidence"), f"{view.ocr_confidence:.0f}")
        pair(
            t("archivist.page.retention"),
            t(
                "archivist.page.retention_value",
                until=day(view.retention_until),
                name=class_label(view.retention_class),
            ),
        )
        for name, value in view.fields:
            pair(label_or_code("archivist.field.", name), value)

    def _text(self) -> None:
        with ui.card().classes("w-full gap-1"):
            ui.label(t("archivist.page.text")).classes("text-sm font-bold")
            ui.html(marked_text(self.view.text, self.query), sanitize=False).classes(
                "text-sm whitespace-pre-wrap leading-relaxed max-h-[40vh] overflow-auto"
            ).mark("page-text")


def register() -> None:
    """Add the /archive/page/{page_id} page."""

    @ui.page("/archive/page/{page_id}")
    async def archive_page(page_id: str, q: str = "") -> HTMLResponse | None:
        page = parse_id(page_id)
        if page is None:
            return not_found_page()
        with frame("archivist.page.title", wide=True) as staff:
            query = q[:200]
            try:
                view = await run.io_bound(_open, page, query, staff)
            except ArchiveRefused as refused:
                ui.link(t("archivist.page.back"), "/archive").classes("text-sm")
                ui.label(refused.message()).classes("text-negative text-lg").mark("page-error")
                return None
            assert view is not None, "None only when the server is shutting down"
            PageScreen(view, query)
        return None
