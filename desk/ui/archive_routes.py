"""The archive's HTTP routes: page images (thumbnail, flattened page, original) and the PDF export.

Images travel by URL, never as base64 over the websocket. Both routes live under /archive, so
the auth middleware already turns away anyone whose role may not open the archive; each route
checks the session's role again itself (a route must not rely on a single gate), and every image
read and every export is written to the access log. Images are sent `no-store`: scans of personal
documents do not belong in a browser cache.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from nicegui import app, run
from starlette.background import BackgroundTask

from desk.archive.errors import ArchiveRefused
from desk.archive.export_pdf import export_archive
from desk.archive.store_config import store_from_settings
from desk.archive.store_protocol import ArchiveStore
from desk.archive.viewer import ARCHIVE_PURPOSE, page_image
from desk.db import session_scope
from desk.security.roles import may_open
from desk.ui import session as ui_session
from desk.ui.auth import not_found_page
from desk.ui.route_ids import parse_id

IMAGE_PREFIX = "/archive/image"
EXPORT_PREFIX = "/archive/export"
NO_STORE = {"Cache-Control": "private, no-store"}


def image_url(page_id: int, kind: str = "flat") -> str:
    """The URL of image `kind` (thumb, flat, original) of a page."""
    return f"{IMAGE_PREFIX}/{page_id}/{kind}"


def export_url(document_id: int) -> str:
    """The URL that downloads a document as a searchable PDF."""
    return f"{EXPORT_PREFIX}/{document_id}"


def archive_store() -> ArchiveStore:
    """The configured archive store (the data folder, or DESK_ARCHIVE_URL's object store)."""
    return store_from_settings()


def _staff_for(path: str) -> ui_session.SessionStaff | None:
    staff = ui_session.session_staff()
    return staff if staff is not None and may_open(staff.role, path) else None


def _image(page_id: int, kind: str, staff: ui_session.SessionStaff) -> tuple[Path | bytes, str]:
    with session_scope() as db:
        return page_image(db, archive_store(), page_id, kind, staff=staff)


def _export(document_id: int, staff: ui_session.SessionStaff) -> tuple[Path, Path]:
    """(temporary folder, PDF) of one document; the caller removes the folder once it is sent."""
    folder = Path(tempfile.mkdtemp(prefix="desk-export-"))
    try:
        pdf = folder / f"document-{document_id}.pdf"
        export_archive(str(document_id), pdf, store=archive_store(), staff=staff, purpose=ARCHIVE_PURPOSE)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, pdf


def register() -> None:
    """Add the image and export routes."""

    @app.get(IMAGE_PREFIX + "/{page_id}/{kind}")
    async def page_image_route(request: Request, page_id: str, kind: str) -> Response:
        staff = _staff_for(request.url.path)
        if staff is None:
            return Response(status_code=403)
        page = parse_id(page_id)
        if page is None:
            return not_found_page()
        try:
            image = await run.io_bound(_image, page, kind, staff)
        except ArchiveRefused as refused:
            return PlainTextResponse(refused.message(), status_code=404)
        assert image is not None, "None only when the server is shutting down"
        content, media_type = image
        if isinstance(content, bytes):  # read from the object store
            return Response(content, media_type=media_type, headers=NO_STORE)
        return FileResponse(content, media_type=media_type, headers=NO_STORE)

    @app.get(EXPORT_PREFIX + "/{document_id}")
    async def export_route(request: Request, document_id: str) -> Response:
        staff = _staff_for(request.url.path)
        if staff is None:
            return Response(status_code=403)
        document = parse_id(document_id)
        if document is None:
            return not_found_page()
        try:
            exported = await run.io_bound(_export, document, staff)
        except ArchiveRefused as refused:
            return PlainTextResponse(refused.message(), status_code=404)
        assert exported is not None, "None only when the server is shutting down"
        folder, pdf = exported
        return FileResponse(
            pdf,
            media_type="application/pdf",
            filename=pdf.name,
            headers=NO_STORE,
            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
        )
