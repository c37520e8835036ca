"""The login page: username, password, Enter to log in; why you are here (expired, logged out); /logout.

A correct password is checked in a websocket event, which cannot set a cookie. So the event
issues a one-time ticket and sends the browser to /login/complete, whose HTTP response carries the
new session id (a session id from before the login never becomes a logged-in one).
"""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, run, ui

from desk.db import session_scope
from desk.i18n import t
from desk.security.login import LoginResult, attempt_login
from desk.security.roles import START_PAGE, may_open
from desk.ui import session as ui_session
from desk.ui.auth import login_url, safe_redirect
from desk.ui.theme import bare_frame

COMPLETE_PATH = "/login/complete"
REASONS = {"expired": "ui.login.expired", "logged_out": "ui.login.logged_out", "inactive": "ui.login.inactive"}


def _check(username: str, password: str, address: str | None) -> LoginResult:
    """Runs in a worker thread: argon2 takes a noticeable fraction of a second on purpose."""
    with session_scope() as db:
        return attempt_login(db, username=username, password=password, address=address)


def _landing(role: str, redirect_to: str) -> str:
    """Where to go after logging in: back to the page asked for if this role may open it, else the start page."""
    target = safe_redirect(redirect_to)
    if target and may_open(role, target.split("?")[0]):
        return target
    return START_PAGE[role]


def register() -> None:
    """Add the /login page, the /login/complete step and /logout."""

    @app.get(COMPLETE_PATH)
    async def complete_login(request: Request, ticket: str = "") -> RedirectResponse:
        redeemed = await ui_session.redeem_ticket(request, ticket)
        if redeemed is None:
            return RedirectResponse(login_url(reason="expired"), status_code=303)
        return RedirectResponse(redeemed.landing, status_code=303)

    async def logout(request: Request) -> RedirectResponse:
        await ui_session.end_session(request)
        return RedirectResponse(login_url(reason="logged_out"), status_code=303)

    app.get("/logout")(logout)
    app.post("/logout")(logout)

    @ui.page("/login")
    def login_page(redirect_to: str = "", reason: str = "") -> None:
        with bare_frame("ui.login.title"):
            with ui.card().classes("w-96 mt-16 p-6 gap-3"):
                ui.label(t("ui.login.title")).classes("text-xl font-bold")
                if reason in REASONS:
                    ui.label(t(REASONS[reason])).classes("text-sm text-secondary").mark("reason")
                username = (
                    ui.input(t("ui.login.username"))
                    .props("autofocus outlined autocomplete=username")
                    .classes("w-full")
                    .mark("username")
                )
                password = (
                    ui.input(t("ui.login.password"), password=True, password_toggle_button=True)
                    .props("outlined autocomplete=current-password")
                    .classes("w-full")
                    .mark("password")
                )
                error = ui.label().classes("text-negative text-sm min-h-[1.25rem]").mark("login-error")
                button = (
                    ui.button(t("ui.login.submit"), icon="login")
                    .props("no-caps unelevated")
                    .classes("w-full")
                    .mark("submit")
                )

            async def submit() -> None:
                ui_session.apply_language()
                button.disable()
                try:
                    result = await run.io_bound(
                        _check, username.value or "", password.value or "", ui.context.client.ip or None
                    )
                    assert result is not None, "None only when the server is shutting down"
                    await asyncio.sleep(result.delay_s)  # a busy address's wrong passwords are answered slowly
                finally:
                    button.enable()
                if result.staff is None:
                    error.text = t(result.message_key or "login.bad_credentials", None, **result.params)
                    password.value = ""
                    return
                staff = result.staff
                ticket = await ui_session.issue_ticket(
                    ui_session.SessionStaff(staff.username, staff.role, staff.display_name),
                    _landing(staff.role, redirect_to),
                )
                ui.navigate.to(f"{COMPLETE_PATH}?ticket={ticket}")

            button.on_click(submit)
            username.on("keydown.enter", lambda: password.run_method("focus"))
            password.on("keydown.enter", submit)
