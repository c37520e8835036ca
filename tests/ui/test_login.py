"""Login, logout, session expiry and role checks through NiceGUI's simulated User."""

import time

from nicegui import app
from nicegui.elements.query import QueryElement
from nicegui.testing import User

CLERK_PASSWORD = "Counter2026a"


async def test_anonymous_request_gets_the_login_page(user: User):
    await user.open("/lookup")
    await user.should_see(marker="username")
    await user.should_see("工作人员登录")
    response = await user.http_client.get("/admin/staff")
    assert response.status_code == 307 and response.headers["location"].startswith("/login?redirect_to=/admin/staff")


async def test_clerk_logs_in_lands_on_lookup_and_logs_out(user: User, log_in):
    await log_in("clerk7", CLERK_PASSWORD)
    await user.should_see("王丽 · 柜员")
    assert user.back_history[-1] == "/lookup"
    user.find(marker="logout").click()
    await user.should_see("您已退出登录。")
    response = await user.http_client.get("/lookup")
    assert response.status_code == 307  # the session no longer opens staff pages


async def test_wrong_password_is_refused_then_slowed_down(user: User, log_in):
    await log_in("clerk7", "not-the-password", wait=False)
    await user.should_see("用户名或密码错误", retries=50)
    for _ in range(3):
        user.find(marker="password").type("still-wrong").trigger("keydown.enter")
    await user.should_see("登录失败次数过多", retries=50)
    user.find(marker="password").type(CLERK_PASSWORD).trigger("keydown.enter")
    await user.should_see("登录失败次数过多", retries=50)  # locked: even the right password waits
    await user.should_not_see(marker="who")


async def test_session_expires_after_inactivity(user: User, log_in):
    await log_in("clerk7", CLERK_PASSWORD)
    idle_minutes = 30  # the default DESK_SESSION_IDLE_MINUTES
    app.storage.user["last_seen"] = time.time() - idle_minutes * 60 - 5
    await user.open("/lookup")
    await user.should_see("长时间未操作，已自动退出，请重新登录。")
    await user.should_see(marker="username")
    assert not app.storage.user.get("authenticated")


async def test_recent_activity_keeps_the_session(user: User, log_in):
    await log_in("clerk7", CLERK_PASSWORD)
    app.storage.user["last_seen"] = time.time() - 29 * 60
    await user.open("/lookup")
    await user.should_see(marker="who", retries=50)


async def test_clerk_cannot_open_admin_pages(user: User, log_in):
    await log_in("clerk7", CLERK_PASSWORD)
    await user.should_not_see(marker="menu /admin/staff")
    for path in ("/admin/staff", "/admin/access-log", "/no-such-page"):
        response = await user.http_client.get(path)
        assert response.status_code == 403, path
        assert "无权访问" in response.text


async def test_login_returns_to_the_page_asked_for_only_if_allowed(user: User, log_in):
    await log_in("admin7", "Admin2026bb", path="/login?redirect_to=/admin/staff")
    await user.should_see("工作人员账号", retries=50)
    user.find(marker="logout").click()
    await user.should_see(marker="reason", retries=50)  # /logout answered
    await log_in("clerk7", CLERK_PASSWORD, path="/login?redirect_to=/admin/staff")
    assert user.back_history[-1] == "/lookup"


async def test_language_follows_the_browser_and_can_be_switched(user: User, log_in):
    user.http_client.headers["Accept-Language"] = "en-US,en;q=0.9,zh-CN;q=0.5"
    await log_in("clerk7", CLERK_PASSWORD)
    await user.should_see("Customer lookup")
    await user.should_see("王丽 · Clerk")
    assert _document_language(user) == "en"
    toggle = next(iter(user.find(marker="language").elements))
    with user:
        toggle.value = "zh-CN"  # what clicking 中文 does
    await user.should_see("王丽 · 柜员", retries=50)
    await user.should_see("客户查询")
    assert app.storage.user["language"] == "zh-CN"
    assert _document_language(user) == "zh-CN"


def _document_language(user: User) -> str:
    """The `lang` the page sets on <html> (what screen readers and the browser's fonts go by)."""
    [html] = [e for e in user.find(kind=QueryElement).elements if e.props["selector"] == "html"]
    return html.props["props"]["lang"]


async def test_deactivated_account_loses_its_session(user: User, log_in):
    from desk.db import session_scope
    from desk.security.staff import set_active

    await log_in("clerk7", CLERK_PASSWORD)
    with session_scope() as db:
        set_active(db, username="clerk7", active=False)
    await user.open("/lookup")
    await user.should_see("此账号已停用。")
