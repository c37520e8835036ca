"""Sessions (issue #10, findings 4, 6 and /logout): a new session id at login and at a role change,
/logout ends the session on the server, and anonymous pages leave no session storage behind."""

from __future__ import annotations

import asyncio
import base64
import json

from nicegui import app
from nicegui.storage import Storage
from nicegui.testing import User
from sqlmodel import select

CLERK_PASSWORD = "Counter2026a"


def _cookie(user: User) -> str | None:
    return user.http_client.cookies.get("session")


def _session_id(cookie: str) -> str:
    """The id inside Starlette's signed session cookie (base64 JSON, then timestamp and signature)."""
    payload = cookie.split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["id"]


def _storage_file(session_id: str):
    return Storage.path / f"storage-user-{session_id}.json"


async def _get_with_cookie(user: User, cookie: str, path: str):
    """GET `path` as a browser holding `cookie` (for example an attacker who planted or saw it)."""
    saved = dict(user.http_client.cookies)
    user.http_client.cookies.clear()
    user.http_client.cookies.set("session", cookie)
    try:
        return await user.http_client.get(path)
    finally:
        user.http_client.cookies.clear()
        for name, value in saved.items():
            user.http_client.cookies.set(name, value)


async def _settle() -> None:
    """NiceGUI writes and deletes storage files in background tasks: let them run."""
    await asyncio.sleep(0.3)


async def test_login_gives_a_new_session_id_and_the_old_one_opens_nothing(user: User, log_in):
    await user.open("/login")
    toggle = next(iter(user.find(marker="language").elements))
    with user:
        toggle.value = "en"  # a choice made before logging in survives the new id
    await user.should_see("Staff login", retries=50)
    before = _cookie(user)
    old_id = _session_id(before)
    await _settle()
    assert _storage_file(old_id).exists()

    await log_in("clerk7", CLERK_PASSWORD)
    after = _cookie(user)
    assert _session_id(after) != old_id
    await user.should_see("Customer lookup")
    assert app.storage.user["language"] == "en" and app.storage.user["username"] == "clerk7"
    await _settle()
    assert not _storage_file(old_id).exists()
    planted = await _get_with_cookie(user, before, "/lookup")
    assert planted.status_code == 307 and planted.headers["location"].startswith("/login")
    assert (await user.http_client.get("/lookup")).status_code == 200


async def test_a_login_ticket_works_once_and_only_for_its_own_browser(user: User, log_in):
    from desk.ui import session as ui_session

    await user.open("/login")
    stranger = _cookie(user)
    user.http_client.cookies.clear()
    await user.open("/login")
    with user:
        ticket = await ui_session.issue_ticket(ui_session.SessionStaff("clerk7", "clerk", "王丽"), "/lookup")
    stolen = await _get_with_cookie(user, stranger, f"/login/complete?ticket={ticket}")
    assert stolen.status_code == 303 and stolen.headers["location"] == "/login?reason=expired"
    spent = await user.http_client.get(f"/login/complete?ticket={ticket}")  # used up by the stranger's try
    assert spent.headers["location"] == "/login?reason=expired"
    assert (await user.http_client.get("/lookup")).status_code == 307


async def test_a_role_change_renews_the_session_and_applies_the_new_role(user: User, log_in):
    from desk.db import session_scope
    from desk.security.staff import Staff

    await log_in("clerk7", CLERK_PASSWORD)
    before = _cookie(user)
    with session_scope() as db:
        staff = db.exec(select(Staff).where(Staff.username == "clerk7")).one()
        staff.role = "supervisor"
        db.add(staff)
    assert (await user.http_client.get("/review")).status_code == 200
    after = _cookie(user)
    assert _session_id(after) != _session_id(before)
    assert app.storage.user["role"] == "supervisor"
    await _settle()
    assert not _storage_file(_session_id(before)).exists()
    assert (await _get_with_cookie(user, before, "/lookup")).status_code == 307


async def test_logout_ends_the_session_on_the_server_and_clears_the_cookie(user: User, log_in):
    await log_in("clerk7", CLERK_PASSWORD)
    before = _cookie(user)
    await _settle()
    assert _storage_file(_session_id(before)).exists()
    response = await user.http_client.get("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login?reason=logged_out"
    assert (
        "session=null" in response.headers["set-cookie"]
        and "expires=Thu, 01 Jan 1970" in response.headers["set-cookie"]
    )
    await _settle()
    assert not _storage_file(_session_id(before)).exists()
    assert (await _get_with_cookie(user, before, "/lookup")).status_code == 307  # a copy of the cookie is dead too
    assert (await user.http_client.post("/logout")).status_code == 303  # POST works, and logging out twice is fine


async def test_the_logout_button_goes_through_logout(user: User, log_in):
    await log_in("clerk7", CLERK_PASSWORD)
    before = _cookie(user)
    user.find(marker="logout").click()
    await user.should_see("您已退出登录。", retries=50)
    assert (await _get_with_cookie(user, before, "/lookup")).status_code == 307


async def test_anonymous_requests_leave_no_session_storage(user: User):
    await user.open("/login")  # NiceGUI's own asset paths come from a page
    page = (await user.http_client.get("/login")).text
    asset = next(part.split('"')[0] for part in page.split('src="')[1:] if part.startswith("/_nicegui/"))
    await _settle()
    files_before = set(Storage.path.glob("storage-user-*.json")) if Storage.path.exists() else set()
    for round_no in range(25):
        # /inquiry's request volume is limited per address (desk.ui.public_limit): a burst of 10 stays under it
        paths = ("/inquiry",) * (round_no < 10) + ("/login", "/login?redirect_to=/lookup", asset, "/lookup")
        for path in paths:
            user.http_client.cookies.clear()  # every request a new cookieless visitor
            response = await user.http_client.get(path)
            assert response.status_code in (200, 307), path
    await _settle()
    files_after = set(Storage.path.glob("storage-user-*.json")) if Storage.path.exists() else set()
    assert files_after - files_before == set()
