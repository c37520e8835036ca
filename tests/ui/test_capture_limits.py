"""The capture dialog when things go wrong on the server: a worker that dies under the job gives an
error with a retry button (never an endless spinner) and the retry works; an upload over the
server's limit is refused with 413 before its body is kept, declared or chunked, and a normal
upload still works."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import signal
import time

from nicegui import ElementFilter
from nicegui.testing import User
from pypdf import PdfWriter
from test_counter import _capture_a_missing_material, _has

from desk.capture import pool
from desk.i18n import t, use_language

EIGHTY_MB = 80 * 2**20


def _zh(key: str, **params) -> str:
    with use_language("zh-CN"):
        return t(key, **params)


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _upload(user: User):
    return next(iter(user.find(marker="upload").elements))


def _visible(user: User, marker: str) -> bool:
    with user:
        return any(element.visible for element in ElementFilter(marker=marker))


async def _kill_the_worker_once_it_has_the_job() -> None:
    """SIGKILL every worker process of this (test) process, as the out-of-memory killer would."""
    deadline = time.monotonic() + 60
    while not multiprocessing.active_children():
        assert time.monotonic() < deadline, "no worker started"
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # the worker imports the pipeline and takes the job
    for child in multiprocessing.active_children():
        os.kill(child.pid, signal.SIGKILL)


async def test_a_dead_worker_shows_an_error_with_a_retry_button_and_the_retry_works(user: User, log_in, desk_db):
    pool.shutdown()  # a fresh pool: its workers start with this job
    await _capture_a_missing_material(user, log_in, desk_db)
    assert not _visible(user, "capture-retry")
    upload = _upload(user)
    handling = asyncio.ensure_future(
        upload.handle_uploads([upload.SmallFileUpload("three.pdf", "application/pdf", blank_pdf(3))])
    )
    await _kill_the_worker_once_it_has_the_job()
    await handling
    await user.should_see(marker="capture-message", content=_zh("capture.failed.worker_died"), retries=300)
    assert _visible(user, "capture-retry")
    await user.should_not_see(_zh("counter.capture.processing"))  # no spinner left behind
    assert not _has(user, "page 1")

    user.find(marker="capture-retry").click()  # the same file, in the replaced pool
    await user.should_see(marker="page 3", retries=1200)
    assert not _visible(user, "capture-retry")
    assert _text_of(user, "capture-message") == ""


def _text_of(user: User, marker: str) -> str:
    with user:
        return " ".join(str(element.text) for element in ElementFilter(marker=marker)).strip()


async def _chunks(total: int, size: int = 2**20, head: bytes = b""):
    """A body of `total` bytes sent in chunks, so the request carries no Content-Length."""
    yield head
    for _ in range(total // size):
        yield b"\0" * size


MULTIPART_HEAD = (
    b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
)


async def test_an_80_mb_upload_is_refused_by_the_server_with_and_without_content_length(user: User, log_in, desk_db):
    await _capture_a_missing_material(user, log_in, desk_db)
    url = _upload(user)._props["url"]
    assert url.startswith("/_nicegui/client/")
    declared = await user.http_client.post(url, files={"file": ("big.pdf", b"\0" * EIGHTY_MB, "application/pdf")})
    assert declared.status_code == 413
    assert declared.json()["message"] == _zh("ui.request_too_large", mb=50)
    chunked = await user.http_client.post(
        url,
        content=_chunks(EIGHTY_MB, head=MULTIPART_HEAD),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert chunked.status_code == 413
    frame = next(iter(user.find(marker="camera").elements))._props["upload_url"]
    assert (await user.http_client.post(frame, content=_chunks(EIGHTY_MB))).status_code == 413
    await asyncio.sleep(0.5)
    assert not _has(user, "page 1") and _text_of(user, "capture-message") == ""  # nothing reached the dialog

    # the server is still up and a normal upload over the same route works
    normal = await user.http_client.post(url, files={"file": ("one.pdf", blank_pdf(1), "application/pdf")})
    assert normal.status_code == 200
    await user.should_see(marker="page 1", retries=1200)
