"""Finding 8 of issue #10: security headers on every response (a page, NiceGUI's static files, an
image route, a redirect, a 403 and a 404), and HSTS only when DESK_PUBLIC_URL is https.
The policy is checked in a real Chromium by tests/ui/test_security_headers_browser.py."""

from __future__ import annotations

import httpx
from nicegui.testing import User
from review_archive_seed import ARCHIVIST, archive_page, lease_page, review_hashes, review_staff  # noqa: F401
from sqlmodel import select

from desk.archive.tables import ArchivePage
from desk.db import session_scope
from desk.records.tables import Person

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _assert_secure(response, what: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{what}: {name}"
    csp = response.headers.get("content-security-policy", "")
    for part in ("default-src 'self'", "frame-ancestors 'none'", "object-src", "base-uri 'self'"):
        assert part in csp, f"{what}: CSP lacks {part}"
    assert "*" not in csp and "http:" not in csp, f"{what}: CSP allows other origins"


async def test_every_kind_of_response_carries_the_headers(user: User, log_in, review_staff, data_dir, lease_page):
    with session_scope(review_staff) as db:
        person = db.exec(select(Person).order_by(Person.id)).first()
    document_id = archive_page(review_staff, data_dir, lease_page, person.id)
    with session_scope(review_staff) as db:
        page_id = db.exec(select(ArchivePage.id).where(ArchivePage.document_id == document_id)).first()

    login = await user.http_client.get("/login")
    _assert_secure(login, "page")
    _assert_secure(await user.http_client.get("/inquiry"), "public page")
    asset = next(part.split('"')[0] for part in login.text.split('src="')[1:] if part.startswith("/_nicegui/"))
    static = await user.http_client.get(asset)
    assert static.status_code == 200
    _assert_secure(static, "static file")
    redirect = await user.http_client.get("/lookup")
    assert redirect.status_code == 307
    _assert_secure(redirect, "redirect to the login")
    _assert_secure(await user.http_client.get("/_nicegui/no-such-asset.js"), "NiceGUI's 404")
    assert "strict-transport-security" not in login.headers  # the desk is on plain http here

    await log_in(ARCHIVIST[0], ARCHIVIST[3])
    image = await user.http_client.get(f"/archive/image/{page_id}/thumb")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    _assert_secure(image, "image route")
    missing = await user.http_client.get(f"/archive/image/{2**70}/thumb")
    assert missing.status_code == 404
    _assert_secure(missing, "404 of an id")
    forbidden = await user.http_client.get("/admin/staff")
    assert forbidden.status_code == 403
    _assert_secure(forbidden, "403 page")
    _assert_secure(await user.http_client.get("/no/such/route"), "403 of an unknown path")


async def test_hsts_only_when_the_public_url_is_https(user: User, monkeypatch):
    from desk.settings import get_settings

    monkeypatch.setenv("DESK_PUBLIC_URL", "https://desk.example.cn")
    get_settings.cache_clear()
    try:
        response = await user.http_client.get("/login")
        assert response.headers["strict-transport-security"].startswith("max-age=")
        static = await user.http_client.get("/favicon.ico")
        assert "strict-transport-security" in static.headers
    finally:
        get_settings.cache_clear()


async def test_a_server_error_carries_the_headers_too(user: User, log_in, review_staff):
    """A route that fails was answered outside every middleware added with add_middleware (Starlette's
    error middleware, then the server's bare 500): it gets the headers and a message in both languages."""
    from nicegui import app

    def failing() -> None:
        raise RuntimeError("a handler that fails")

    app.add_api_route("/archive/test-only/failing", failing)
    await log_in(ARCHIVIST[0], ARCHIVIST[3])
    # the test client re-raises the handler's error; a transport that does not shows what the browser gets
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url=str(user.http_client.base_url), cookies=user.http_client.cookies
    ) as client:
        response = await client.get("/archive/test-only/failing")
    assert response.status_code == 500
    _assert_secure(response, "500 of a failing handler")
    assert "服务器内部错误" in response.text and "The server met an error" in response.text
