"""The papers-avoided block (#13) through NiceGUI's simulated User: the supervisor's case page and the
clerk's printable notice say how many materials data proved ("N 项材料已由数据核验，无需提交") and list
them, as the submission recorded them."""

from __future__ import annotations

from nicegui.testing import User
from review_archive_seed import SUPERVISOR, review_hashes, review_staff, simple_case  # noqa: F401 - fixtures

from desk.cases.papers import papers_of
from desk.db import session_scope
from desk.i18n import t, use_language

CLERK_PASSWORD = "Counter2026a"


def _text(user: User, marker: str) -> str:
    [element] = user.find(marker=marker).elements
    return element.text


async def test_case_page_and_notice_list_the_papers_data_proved(user: User, log_in, review_staff):
    engine = review_staff
    case_id, case_no = simple_case(engine)  # every material proven by data
    with session_scope(engine) as db:
        avoided = papers_of(db, case_id).avoided
    assert avoided, "the simple business's materials are all proven by data"
    with use_language("zh-CN"):
        expected = t("cases.papers.avoided_many", count=len(avoided))
    assert expected.startswith(f"{len(avoided)} 项材料已由数据核验")

    await log_in(SUPERVISOR[0], SUPERVISOR[3])
    await user.open(f"/review/case/{case_id}")
    await user.should_see(marker="papers-avoided-count", retries=50)
    assert _text(user, "papers-avoided-count") == expected
    for item in avoided:
        line = _text(user, f"paper-avoided {item.material}")
        assert line.startswith(f"{item.material} {item.name('zh-CN')}")
        assert (f"（{item.pages} 页）" in line) == bool(item.pages)

    user.find(marker="logout").click()
    await user.should_see(marker="reason", retries=50)
    await log_in("clerk7", CLERK_PASSWORD)
    await user.open(f"/counter/notice/{case_no}")
    await user.should_see(marker="notice", retries=50)
    assert _text(user, "papers-avoided-count") == expected
    assert len(user.find(marker="papers-avoided").elements) == 1
