"""The counter's image routes: camera frames come in by HTTP POST, captured pages go out by URL.

Every route checks on the server the logged-in session, its role (desk.security.roles, also
enforced by the auth middleware in front), and a per-tab token that only that browser tab's page
knows and that dies with the tab. Images never travel in element props or over the websocket.

- `POST /counter/frame/{token}`: one JPEG frame (at most 40 MB) → the capture pipeline in a worker
  process; the result waits in the tab's inbox and the reply is a small JSON.
- `POST /counter/preview/{token}`: one small preview frame (at most 2 MB; the first `X-Frame-Bytes`
  bytes, then a full-resolution crop for blur) → the live outline (desk.capture.preview) as JSON;
  one frame in flight per tab, a second one is dropped (`dropped: true`), never queued.
- `GET /counter/pending/{token}/{key}`: a page captured in this tab and not accepted yet.
- `GET /counter/page/{token}/{page_id}/{kind}`: an archived page (`thumb` or `flat`) of a customer
  opened in this tab or of the clerk's own case.

Reading an image writes the access log.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from nicegui import Client, app, run

from desk.capture import pool
from desk.capture.errors import WorkerDied
from desk.cases.counter import log_capture_view, page_image
from desk.db import get_engine
from desk.i18n import t
from desk.queue.capture_work import CapturedPage, CaptureJob, CaptureOutcome, capture_bytes, failed
from desk.security.roles import may_open
from desk.settings import get_settings
from desk.ui import preview_pool
from desk.ui.route_ids import parse_id
from desk.ui.session import SessionStaff, apply_language, session_staff

MAX_FRAME_BYTES = 40 * 1024 * 1024
MAX_PREVIEW_BYTES = 2 * 1024 * 1024  # a 640-px frame and a 512-px crop are 50–250 kB
PRIVATE = {"Cache-Control": "no-store, private"}


@dataclass
class PendingPage:
    """A page captured in this tab, shown to the clerk before they accept or retake it."""

    key: str
    captured: CapturedPage
    source: str  # camera, upload or pdf
    title: str  # the uploaded file's name, or "camera.jpg"


@dataclass
class CaptureTab:
    """What one browser tab of the counter may capture and see."""

    token: str
    username: str
    opened_people: set[int] = field(default_factory=set)  # customers opened in this tab
    person_id: int | None = None  # whose material the open capture dialog is for; None: no dialog open
    pending: list[PendingPage] = field(default_factory=list)
    inbox: list[CaptureOutcome] = field(default_factory=list)  # camera results not shown yet
    previewing: bool = False  # a preview frame of this tab is being looked at
    # where the capture on the queue stands (queued, working, done; DESK_CAPTURE_QUEUE=postgres), for the dialog
    capture_state: str | None = None

    def add_pages(self, outcome: CaptureOutcome) -> list[PendingPage]:
        """Keep the outcome's pages as pending; returns them."""
        added = [PendingPage(secrets.token_urlsafe(9), page, outcome.source, outcome.title) for page in outcome.pages]
        self.pending.extend(added)
        return added

    def find(self, key: str) -> PendingPage | None:
        """The pending page `key`, if it is still pending."""
        return next((page for page in self.pending if page.key == key), None)


_tabs: dict[str, CaptureTab] = {}


def open_tab(username: str, client: Client) -> CaptureTab:
    """A new tab with a fresh token, forgotten when the browser tab goes away."""
    tab = CaptureTab(secrets.token_urlsafe(24), username)
    _tabs[tab.token] = tab
    client.on_delete(lambda: _tabs.pop(tab.token, None))
    return tab


def tab_for(token: str, staff: SessionStaff | None) -> CaptureTab | None:
    """The tab of `token` if it belongs to the logged-in staff member."""
    tab = _tabs.get(token)
    return tab if tab is not None and staff is not None and tab.username == staff.username else None


async def run_capture(data: bytes, *, name: str, camera: bool, tab: CaptureTab | None = None) -> CaptureOutcome | None:
    """The pipeline over `data` in the page pool, or on the queue's workers (DESK_CAPTURE_QUEUE=postgres);
    None when the server is shutting down.

    Never raises: a worker that dies under the job (out of memory, killed) gives an outcome with
    the reason and the job to retry; the pool has been replaced, so the retry gets a live worker.
    On the queue, `tab.capture_state` follows the job (queued, working, done) for the dialog.
    """
    if app.is_stopping:
        return None
    settings = get_settings()
    job = CaptureJob(data, name, camera)
    if settings.capture_queue == "postgres":
        return await _run_queued(job, tab)
    try:
        return await pool.run_async(
            capture_bytes,
            data,
            name=name,
            camera=camera,
            ocr_languages=settings.ocr_languages,
            ocr_timeout_s=settings.ocr_timeout_s,
        )
    except WorkerDied as died:
        logging.getLogger(__name__).warning("capture worker died under %s (%d bytes); pool replaced", name, len(data))
        return failed(job, died.key)


async def _run_queued(job: CaptureJob, tab: CaptureTab | None) -> CaptureOutcome:
    """The job through the PostgreSQL queue and a `python -m desk worker` process."""
    from desk.queue.client import run_queued

    def on_state(state: str) -> None:
        if tab is not None:
            tab.capture_state = state

    settings = get_settings()
    try:
        return await run_queued(
            get_engine(),
            settings.resolved_database_url,
            job,
            on_state=on_state,
            wait_s=settings.capture_queue_wait_s,
        )
    except Exception:  # the database went away under the request: a message and a retry, as for a dead worker
        logging.getLogger(__name__).exception("capture queue failed for %s (%d bytes)", job.name, len(job.data))
        return failed(job, WorkerDied().key)
    finally:
        if tab is not None:
            tab.capture_state = None


def _refused(status: int, key: str) -> JSONResponse:
    return JSONResponse({"ok": False, "message": t(key)}, status_code=status, headers=PRIVATE)


def _staff_allowed(request: Request) -> SessionStaff | None:
    apply_language()
    staff = session_staff()
    return staff if staff is not None and may_open(staff.role, request.url.path) else None


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is longer than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _open_tab(token: str, request: Request, *, when_closed: JSONResponse | None = None) -> CaptureTab | JSONResponse:
    """The tab of `token` with its capture dialog open for a customer, or the reply to send instead
    (`when_closed`: the reply when the tab is the staff member's but its dialog has closed)."""
    staff = _staff_allowed(request)
    if staff is None:
        return _refused(401, "counter.route.not_logged_in")
    tab = tab_for(token, staff)
    if tab is not None and tab.person_id is None and when_closed is not None:
        return when_closed
    if tab is None or tab.person_id is None:
        return _refused(403, "counter.route.bad_token")
    return tab


async def post_frame(token: str, request: Request) -> JSONResponse:
    """Take one camera frame of the tab's open capture dialog."""
    tab = _open_tab(token, request)
    if isinstance(tab, JSONResponse):
        return tab
    data = await _read_capped(request, MAX_FRAME_BYTES)
    if data is None:
        return _refused(413, "counter.route.too_large")
    outcome = await run_capture(data, name="camera.jpg", camera=True, tab=tab)
    if outcome is None:
        return _refused(503, "counter.route.stopping")
    tab.inbox.append(outcome)
    return JSONResponse({"ok": True}, headers=PRIVATE)


async def post_preview(token: str, request: Request) -> JSONResponse:
    """The live outline of one preview frame of the tab's open capture dialog."""
    # a preview still on its way when the dialog closes is dropped quietly (a 403 is a console error)
    tab = _open_tab(token, request, when_closed=_dropped())
    if isinstance(tab, JSONResponse):
        return tab
    data = await _read_capped(request, MAX_PREVIEW_BYTES)
    if data is None:
        return _refused(413, "counter.route.preview_too_large")
    frame, detail = _split_preview(data, request.headers.get("x-frame-bytes", ""))
    if tab.previewing or app.is_stopping:  # a stray second frame (the browser waits for each reply), or stopping
        return _dropped()
    tab.previewing = True
    try:
        result = await preview_pool.find_outline(frame, detail)
    except preview_pool.PreviewDropped:
        return _dropped()
    except ValueError:
        return _refused(400, "counter.route.not_an_image")
    finally:
        tab.previewing = False
    reply = result.to_json()
    reply["messages"] = [t(f"counter.camera.outline.{code}") for code in result.problems]
    return JSONResponse(reply, headers=PRIVATE)


def _dropped() -> JSONResponse:
    # 200, not 429: a dropped preview is routine, and the browser logs every 4xx as a console error
    return JSONResponse({"ok": False, "dropped": True, "message": t("counter.route.preview_dropped")}, headers=PRIVATE)


def _split_preview(data: bytes, frame_bytes: str) -> tuple[bytes, bytes | None]:
    """The preview frame and the full-resolution crop after it (none when the header does not say where it starts)."""
    cut = int(frame_bytes) if frame_bytes.isdigit() else len(data)
    return (data[:cut], data[cut:] or None) if 0 < cut <= len(data) else (data, None)


def get_pending(token: str, key: str, request: Request) -> Response:
    """The flattened image of a page that waits for Accept or Retake."""
    staff = _staff_allowed(request)
    tab = tab_for(token, staff)
    page = tab.find(key) if tab is not None else None
    if staff is None or tab is None or page is None or page.captured.page.flat is None or tab.person_id is None:
        return Response(status_code=404, headers=PRIVATE)
    log_capture_view(staff=staff, person_id=tab.person_id)
    return Response(page.captured.page.flat, media_type="image/jpeg", headers=PRIVATE)


def get_archived(token: str, page_id: str, kind: str, request: Request) -> Response:
    """An archived page's thumbnail or flattened image, if this clerk may see it."""
    staff = _staff_allowed(request)
    tab = tab_for(token, staff)
    page = parse_id(page_id)
    data = (
        page_image(page_id=page, kind=kind, staff=staff, opened_people=tab.opened_people)
        if staff is not None and tab is not None and page is not None
        else None
    )
    if data is None:
        return Response(status_code=404, headers=PRIVATE)
    return Response(data, media_type="image/jpeg", headers=PRIVATE)


def register() -> None:
    """Add the routes (from desk.ui.app.build, so the test harness registers them for every test)."""
    if run.process_pool_start_method is None:
        run.process_pool_start_method = "spawn"  # fork would copy the server's threads and sockets
    app.post("/counter/frame/{token}")(post_frame)
    app.post("/counter/preview/{token}")(post_preview)
    app.get("/counter/pending/{token}/{key}")(get_pending)
    app.get("/counter/page/{token}/{page_id}/{kind}")(get_archived)
    app.on_shutdown(preview_pool.shutdown)  # the outline's worker stops with the server, not at interpreter exit
