"""The server-side gate in front of every HTTP request, and the same check for event handlers.

Anonymous requests get only the public paths (the login page and NiceGUI's assets); everything
else redirects to the login page. A logged-in request must come from a session that is not idle
too long, from an account that is still active, and with a role the table in desk.security.roles
allows for the path; otherwise it gets the login page again or a 403 page in the user's language.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from nicegui import app, ui
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from desk.db import session_scope
from desk.i18n import t
from desk.security.roles import is_public, may_open
from desk.security.staff import get_active_staff
from desk.ui import session as ui_session
from desk.ui.palette import PRIMARY


def login_url(redirect_to: str | None = None, reason: str | None = None) -> str:
    """The login page, remembering where to go afterwards and why the user is there."""
    params = []
    if redirect_to and redirect_to != "/":
        params.append(f"redirect_to={quote(redirect_to, safe='/')}")
    if reason:
        params.append(f"reason={reason}")
    return "/login" + ("?" + "&".join(params) if params else "")


def safe_redirect(target: str | None) -> str | None:
    """`target` if it is a path on this server, else None (no open redirects to other sites)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def account_role(username: str) -> str | None:
    """The account's role now, or None when it no longer exists or is inactive (an admin may have changed it)."""
    with session_scope() as db:
        staff = get_active_staff(db, username)
        return staff.role if staff is not None else None


def _plain_page(title_key: str, text_key: str, status_code: int) -> HTMLResponse:
    """A plain page in the app's colours: no NiceGUI client is built for a refused request."""
    language = ui_session.apply_language()
    body = (
        f"<!doctype html><html lang='{language}'><meta charset='utf-8'>"
        f"<title>{escape(t(title_key))}</title>"
        "<body style='margin:0;font-family:sans-serif;background:#f5f5f5'>"
        f"<div style='background:{PRIMARY};color:#fff;padding:12px 24px;font-weight:bold;font-size:18px'>"
        f"{escape(t('ui.app_name'))}</div><div style='max-width:40rem;margin:3rem auto;background:#fff;"
        "padding:1.5rem 2rem;border-radius:4px;box-shadow:0 1px 3px rgba(0,0,0,.2)'>"
        f"<h2 style='margin-top:0'>{escape(t(title_key))}</h2>"
        f"<p>{escape(t(text_key))}</p>"
        f"<p><a href='/' style='color:{PRIMARY}'>{escape(t('ui.forbidden.home'))}</a></p></div>"
    )
    return HTMLResponse(body, status_code=status_code)


def _forbidden_page() -> HTMLResponse:
    return _plain_page("ui.forbidden.title", "ui.forbidden.text", 403)


def not_found_page() -> HTMLResponse:
    """The 404 page (in the user's language) for a malformed or out-of-range id in a URL."""
    return _plain_page("ui.not_found.title", "ui.not_found.text", 404)


class AuthMiddleware(BaseHTTPMiddleware):
    """Role-aware version of NiceGUI's examples/authentication middleware."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Let the request through, or answer with the login redirect or a 403 page."""
        path = request.url.path
        if path.startswith("/_nicegui"):
            return await call_next(request)
        ui_session.apply_language()  # an anonymous visitor's language comes from the request: nothing is stored
        if is_public(path):
            return await call_next(request)
        storage = app.storage.user
        target = path + (f"?{request.url.query}" if request.url.query else "")
        if not storage.get("authenticated"):
            return RedirectResponse(login_url(target))
        if ui_session.idle_expired():
            ui_session.sign_out()
            return RedirectResponse(login_url(target, reason="expired"))
        role = account_role(storage["username"])
        if role is None:
            ui_session.sign_out()
            return RedirectResponse(login_url(reason="inactive"))
        if role != storage["role"]:
            await ui_session.renew_for_role(request, role)
            storage = app.storage.user
        if not may_open(storage["role"], path):
            return _forbidden_page()
        ui_session.touch()
        return await call_next(request)


def require_staff() -> ui_session.SessionStaff | None:
    """For event handlers: the logged-in, active staff member; otherwise send the browser to the login page."""
    staff = ui_session.active_staff()
    role = account_role(staff.username) if staff is not None else None
    if staff is not None and role == staff.role:
        return staff
    if role is not None:
        # the role changed: the next page request gives the session a new id with the new role
        ui.navigate.to("/")
        return None
    ui_session.sign_out()
    ui.navigate.to(login_url(reason="expired"))
    return None
