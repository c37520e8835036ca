"""The public progress inquiry through NiceGUI's simulated User: no login, the notice's link fills in
the case number, the right pair shows the state and dates, every wrong pair the same answer as an
unknown case, and the service's rate limit in words."""

from __future__ import annotations

import asyncio
from datetime import UTC

from nicegui.testing import User
from review_archive_seed import simple_case
from sqlmodel import select

from desk.cases.notice import build_notice
from desk.cases.tables import Case
from desk.cases.workflow import get_case
from desk.db import session_scope
from desk.i18n import t, use_language
from desk.records.tables import Person


def _zh(key: str, **params) -> str:
    with use_language("zh-CN"):
        return t(key, **params)


def _id_tail(engine, case_id: int) -> str:
    with session_scope(engine) as db:
        case = get_case(db, case_id)
        return db.exec(select(Person.id_number).where(Person.id == case.person_id)).one()[-4:]


def _answer_texts(user: User) -> list[str]:
    """Every text in the answer area, in order (what the person at the phone reads)."""
    [area] = user.find(marker="inquiry-result").elements
    return [getattr(element, "text", "") for element in area.descendants()]


def _answer_ids(user: User) -> set[int]:
    [area] = user.find(marker="inquiry-result").elements
    return {element.id for element in area.descendants()
            if {"inquiry-refusal", "inquiry-state"} & set(element._markers)}


async def _ask(user: User, id_tail: str, case_no: str | None = None) -> None:
    """Type and press Enter, then wait for the new answer (the old one may still be on screen)."""
    before = _answer_ids(user)
    if case_no is not None:
        user.find(marker="case-no").clear().type(case_no)
    user.find(marker="id-tail").clear().type(id_tail).trigger("keydown.enter")
    for _ in range(200):
        await asyncio.sleep(0.02)
        if _answer_ids(user) - before:
            return
    raise AssertionError("no answer appeared")


async def test_the_notice_link_opens_the_inquiry_and_the_right_pair_shows_the_steps(user: User, desk_db):
    case_id, case_no = simple_case(desk_db)
    with session_scope(desk_db) as db:
        url = build_notice(db, case_id=case_id, base_url="https://desk.example.cn").inquiry_url
    assert url == f"https://desk.example.cn/inquiry?case={case_no}"
    await user.open(url.removeprefix("https://desk.example.cn"))  # no login: the customer's phone
    await user.should_see(_zh("inquiry.title"))
    assert next(iter(user.find(marker="case-no").elements)).value == case_no
    await _ask(user, _id_tail(desk_db, case_id).lower())  # a lower-case x is the same character
    await user.should_see(marker="inquiry-state")
    await user.should_see(_zh("cases.state.submitted"))
    with session_scope(desk_db) as db:
        opened = get_case(db, case_id).opened_at
    [steps] = user.find(marker="inquiry-steps").elements
    shown = [(entry.props.get("title"), entry.props.get("subtitle")) for entry in steps.descendants()]
    opened_on = opened.replace(tzinfo=opened.tzinfo or UTC).astimezone().date().isoformat()
    assert shown[0] == (_zh("inquiry.state.draft"), opened_on)  # the public wording, not the staff's 草稿
    assert shown[1][0] == _zh("cases.state.submitted")
    assert len(shown) == 2  # the steps and their dates, nothing else


async def test_a_wrong_pair_reads_exactly_like_an_unknown_case(user: User, desk_db):
    case_id, case_no = simple_case(desk_db)
    right = _id_tail(desk_db, case_id)
    wrong = "0000" if right != "0000" else "1111"
    await user.open("/inquiry")
    await _ask(user, wrong, case_no)
    wrong_pair = _answer_texts(user)
    await _ask(user, right, "DL2026-999999")
    unknown_case = _answer_texts(user)
    await _ask(user, "((", "<script>")
    garbage = _answer_texts(user)
    assert wrong_pair == unknown_case == garbage
    assert _zh("cases.inquiry.no_match") in wrong_pair
    await user.should_not_see(marker="inquiry-state")


async def test_too_many_attempts_say_when_to_try_again(user: User, desk_db):
    case_id, case_no = simple_case(desk_db)
    await user.open(f"/inquiry?case={case_no}")
    for _ in range(5):  # workflow.toml: five failures per case number within the window
        await _ask(user, "0000")
        await user.should_see(marker="inquiry-refusal")
    await _ask(user, _id_tail(desk_db, case_id))  # even the right pair waits now
    await user.should_see(_zh("cases.inquiry.rate_limited"), retries=50)
    await user.should_not_see(marker="inquiry-state")
    with session_scope(desk_db) as db:
        assert db.exec(select(Case.state).where(Case.id == case_id)).one() == "submitted"


async def test_the_inquiry_in_english(user: User, desk_db):
    user.http_client.headers["Accept-Language"] = "en-GB,en;q=0.9"
    case_id, case_no = simple_case(desk_db)
    await user.open(f"/inquiry?case={case_no}")
    await user.should_see("Case progress")
    await _ask(user, _id_tail(desk_db, case_id))
    await user.should_see("Submitted, awaiting decision", retries=50)
