"""Security headers on every HTTP response, NiceGUI's own pages, assets and 404s included.

A pure ASGI middleware: it only adds headers to `http.response.start`, so streamed responses
(file downloads, the PDF export) pass through untouched and websockets are not touched at all
(Starlette's BaseHTTPMiddleware would buffer both through a task group).

What the Content-Security-Policy must allow for NiceGUI 3.18 (read in its static/nicegui.js and
page template, checked in Chromium by tests/ui/test_security_headers_browser.py):
- script-src 'unsafe-inline': the page template starts the app from an inline <script>;
- script-src 'unsafe-eval': nicegui.js evaluates `:prop` bindings, event handlers and
  `ui.run_javascript` code with eval/new Function, and Vue compiles templates at runtime;
- style-src 'unsafe-inline': Quasar and element `style` props write inline styles;
- img-src data: blob:: Quasar's icons and SVGs as data URLs, canvas snapshots as blobs;
- connect-src 'self': fetch and the socket.io websocket go to this origin (CSP 3 lets 'self'
  match ws:/wss: of the same host); media-src blob: for the camera preview.
Nothing is loaded from another origin. HSTS is sent only when DESK_PUBLIC_URL is https, because
a plain-http desk must not tell browsers to refuse it.

It wraps Starlette's whole stack (`wrap_outermost`), outside the error middleware that
`add_middleware` cannot reach: a handler that fails is answered with NiceGUI's error page or,
where nobody answers (an API route), with a short 500 of its own, both with the headers.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from desk.i18n import LANGUAGES, t
from desk.settings import get_settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "object-src 'self'",  # Chromium shows a same-origin PDF (the printed forms, the export) through an embed
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the centre's other hosts are not ours to decide

FIXED_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers older than CSP 2
)


def security_headers() -> list[tuple[str, str]]:
    """The headers every response carries under the current settings."""
    headers = list(FIXED_HEADERS)
    if get_settings().public_url.startswith("https://"):
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


class SecurityHeadersMiddleware:
    """Adds `security_headers()` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers as the response starts; answer a failure nobody answered."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = security_headers()
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:  # else the server would send its own bare 500
                await _server_error(send_with_headers)
            raise  # the server logs it


async def _server_error(send: Send) -> None:
    # both languages: no session is read this far out, and the request may be anyone's
    body = "".join(f"{t('ui.server_error', language)}\n" for language in LANGUAGES).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def wrap_outermost(app: Starlette) -> None:
    """Make SecurityHeadersMiddleware the outermost layer of `app`'s stack (once, however often the
    pages are built: the test client builds them for every test)."""
    if getattr(app, "_security_headers_outermost", False):
        return
    build_stack: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(build_stack())

    # Starlette builds the stack lazily from this method: the only place outside its error middleware
    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
    app._security_headers_outermost = True  # type: ignore[attr-defined]
