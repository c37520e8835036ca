"""The admin pages through NiceGUI's simulated User: add staff, set a hall, reset a password, deactivate, read the
access log."""

import asyncio

from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from desk.db import session_scope
from desk.security.access_log import log_access
from desk.security.staff import authenticate, get_staff

ADMIN_PASSWORD = "Admin2026bb"


def _shown_password(user: User) -> str:
    return next(iter(user.find(marker="new-password").elements)).text


async def test_admin_adds_a_staff_member_who_can_then_log_in(user: User, log_in, desk_db):
    await log_in("admin7", ADMIN_PASSWORD)
    await user.should_see("工作人员账号")
    user.find(marker="new-username").type("archivist9")
    user.find(marker="new-name").type("刘洋")
    user.find(marker="new-role").click()
    user.find("档案员").click()
    user.find(marker="add-staff").click()
    await user.should_see(marker="new-password", retries=50)
    password = _shown_password(user)
    await user.should_see(marker="row archivist9")
    with session_scope(desk_db) as db:
        assert get_staff(db, "archivist9").role == "archivist"
        assert authenticate(db, username="archivist9", password=password) is not None


async def test_admin_adds_staff_in_a_hall_and_moves_them_to_another(user: User, log_in, desk_db):
    await log_in("admin7", ADMIN_PASSWORD)
    await user.should_see(marker="hall clerk7")
    user.find(marker="new-username").type("clerk9")
    user.find(marker="new-hall").click()
    user.find("甘井子区服务大厅").click()
    user.find(marker="add-staff").click()
    await user.should_see(marker="row clerk9", retries=50)
    with session_scope(desk_db) as db:
        assert (get_staff(db, "clerk9").hall, get_staff(db, "clerk7").hall) == ("ganjingzi", "head")

    user.find(marker="hall clerk7").click()
    user.find("中山区服务大厅").click()
    for _ in range(50):
        with session_scope(desk_db) as db:
            if get_staff(db, "clerk7").hall == "zhongshan":
                break
        await asyncio.sleep(0.05)
    with session_scope(desk_db) as db:
        assert get_staff(db, "clerk7").hall == "zhongshan"

    user.find(marker="hall clerk7").click()  # a clerk serves customers in a hall: never centre-wide
    # the option of clerk7's select, not admin7's select that shows the same words as its value
    UserInteraction(user, user.find(marker="hall clerk7").elements, "全中心").click()
    await user.should_see("柜员和审核员须归属一个服务大厅，请选择大厅", retries=50)
    with session_scope(desk_db) as db:
        assert get_staff(db, "clerk7").hall == "zhongshan"


async def test_adding_a_taken_username_says_so(user: User, log_in):
    await log_in("admin7", ADMIN_PASSWORD)
    user.find(marker="new-username").type("clerk7")
    user.find(marker="add-staff").click()
    await user.should_see("用户名 clerk7 已被使用", retries=50)
    await user.should_not_see(marker="new-password")


async def test_reset_and_deactivate(user: User, log_in, desk_db):
    await log_in("admin7", ADMIN_PASSWORD)
    user.find(marker="reset clerk7").click()
    await user.should_see(marker="new-password", retries=50)
    password = _shown_password(user)
    user.find(marker="toggle clerk7").click()
    await user.should_see(marker="state clerk7", content="停用", retries=50)
    with session_scope(desk_db) as db:
        assert authenticate(db, username="clerk7", password="Counter2026a") is None
        assert not get_staff(db, "clerk7").active
        assert authenticate(db, username="clerk7", password=password) is None  # inactive
    await user.should_not_see(marker="toggle admin7")  # an admin cannot deactivate themselves


async def test_access_log_page_lists_reads(user: User, log_in, desk_db):
    with session_scope(desk_db) as db:
        log_access(
            db,
            staff=get_staff(db, "clerk7"),
            action="unmask",
            person_id=3,
            purpose="verify_identity",
            fields=("id_number", "phone"),
        )
    await log_in("admin7", ADMIN_PASSWORD)
    await user.open("/admin/access-log")
    await user.should_see(marker="access-log", retries=50)
    table = next(iter(user.find(marker="access-log").elements))
    assert [(r["staff"], r["action"], r["person_id"], r["purpose"]) for r in table.rows] == [
        ("clerk7", "显示完整信息", 3, "核对客户身份")
    ]


async def test_admin_cannot_open_the_lookup(user: User, log_in):
    await log_in("admin7", ADMIN_PASSWORD)
    response = await user.http_client.get("/lookup")
    assert response.status_code == 403
