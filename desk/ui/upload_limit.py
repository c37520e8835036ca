"""Request bodies are limited on the server, before they are kept: the browser's limit is a courtesy.

A pure ASGI middleware (not BaseHTTPMiddleware, which would hand the app a body it already read):
a declared Content-Length over the limit is answered 413 at once, without reading the body; a
body without one (chunked) is counted as it streams in and cut off with 413 as soon as it passes
the limit. It covers every route: NiceGUI's upload endpoint (`/_nicegui/client/{id}/upload/{id}`,
whose form parser would otherwise spool any size to disk), desk's camera frame and preview POSTs, and anything
else that takes a body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from desk.i18n import normalize_language, t
from desk.settings import get_settings
from desk.ui.capture_routes import MAX_FRAME_BYTES, MAX_PREVIEW_BYTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FRAME_PREFIX = "/counter/frame/"
PREVIEW_PREFIX = "/counter/preview/"


class BodyTooLarge(Exception):
    """Raised into the app from `receive` when a streamed body passes the limit."""


def body_limit(path: str) -> int:
    """The most bytes a request to `path` may carry."""
    if path.startswith(FRAME_PREFIX):
        return MAX_FRAME_BYTES
    if path.startswith(PREVIEW_PREFIX):
        return MAX_PREVIEW_BYTES
    return get_settings().upload_max_mb * 2**20


class UploadLimitMiddleware:
    """413 for any request body over `body_limit(path)`, declared or streamed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, send, limit)
            return
        received = 0
        responded = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal responded
            if message["type"] == "http.response.start":
                responded = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except* BodyTooLarge:  # bare, or grouped by a BaseHTTPMiddleware's task group on the way out
            if not responded:
                await _too_large(scope, send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    """A small JSON 413 in the caller's language; the connection closes (the body was not read)."""
    accept = next(
        (value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"accept-language"), ""
    )
    message = t("ui.request_too_large", normalize_language(accept.split(",")[0]), mb=limit // 2**20)
    body = json.dumps({"ok": False, "message": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
