"""The public progress inquiry through NiceGUI's simulated User: no login, the notice's link fills in
the case number, the right pair shows the state and dates, every wrong pair the same answer as an
unknown case, a malformed entry what to fix, the service's waits in seconds (a hall is never locked
out), and a returned case's reason and materials to bring."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import UTC, date

from nicegui.testing import User
from review_archive_seed import CLERK_ACTOR, SUPERVISOR, actor, simple_case
from sqlmodel import select

from desk.cases.catalog import get_catalog
from desk.cases.checklist import checklist_for
from desk.cases.notice import build_notice
from desk.cases.tables import Case
from desk.cases.workflow import accept_on_promise, get_case, materials, open_case, perform, workflow_rules
from desk.db import session_scope
from desk.i18n import t, use_language
from desk.records.tables import Person

PROMISED = date(2026, 12, 30)


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


def _texts(user: User, marker: str) -> list[str]:
    return [element.text for element in user.find(marker=marker).elements]


def _shows_state(user: User) -> bool:
    [area] = user.find(marker="inquiry-result").elements
    return any("inquiry-state" in element._markers for element in area.descendants())


def _answer_ids(user: User) -> set[int]:
    [area] = user.find(marker="inquiry-result").elements
    return {
        element.id for element in area.descendants() if {"inquiry-refusal", "inquiry-state"} & set(element._markers)
    }


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
    assert wrong_pair == unknown_case
    assert _zh("cases.inquiry.no_match") in wrong_pair
    await _ask(user, "((", "<script>")  # malformed: told what to fix, whatever the number
    assert _zh("cases.inquiry.bad_case_no") in _answer_texts(user)
    await user.should_not_see(marker="inquiry-state")


def _retry_seconds(user: User) -> int:
    """The seconds of the wait in the refusal on screen (0 when it names none)."""
    text = " ".join(_answer_texts(user))
    found = re.search(r"请 (\d+) 秒后再查询", text)
    return int(found.group(1)) if found else 0


async def test_a_hall_is_not_locked_out_by_five_failures_including_an_empty_submit(user: User, desk_db):
    """The finding: an empty submit and four wrong tails used to refuse the right pair from that
    address for about 15 minutes; now it is answered once a wait of seconds is over."""
    case_id, case_no = simple_case(desk_db)
    right = _id_tail(desk_db, case_id)
    await user.open(f"/inquiry?case={case_no}")  # the QR link: the case number is filled in
    await _ask(user, "")  # Enter before typing anything: told what is missing, nothing counted
    assert _zh("cases.inquiry.incomplete") in _answer_texts(user)
    for wrong in [tail for tail in ("0000", "1111", "2222", "3333", "4444") if tail != right][:4]:
        await _ask(user, wrong)
        await user.should_see(marker="inquiry-refusal")
    await _ask(user, right)  # right away: at most a wait of seconds, said as such
    if not _shows_state(user):
        assert _zh("cases.inquiry.rate_limited") in " ".join(_answer_texts(user))
        wait = _retry_seconds(user)
        assert 0 < wait <= 60
        await asyncio.sleep(wait + 0.2)
        await _ask(user, right)
    await user.should_see(marker="inquiry-state")
    await user.should_see(_zh("cases.state.submitted"))


async def test_the_wait_is_said_in_seconds(user: User, desk_db, monkeypatch):
    import desk.cases.inquiry as inquiry

    rules = dataclasses.replace(
        workflow_rules(), inquiry={**workflow_rules().inquiry, "free_failures_per_case": 0, "first_wait_s": 30}
    )
    monkeypatch.setattr(inquiry, "workflow_rules", lambda: rules)
    case_id, case_no = simple_case(desk_db)
    await user.open(f"/inquiry?case={case_no}")
    await _ask(user, "0000" if _id_tail(desk_db, case_id) != "0000" else "1111")
    await _ask(user, _id_tail(desk_db, case_id))  # even the right pair waits its seconds
    assert 28 <= _retry_seconds(user) <= 30
    assert _zh("inquiry.retry_after", seconds=_retry_seconds(user)) in " ".join(_answer_texts(user))
    await user.should_not_see(marker="inquiry-state")
    with session_scope(desk_db) as db:
        assert db.exec(select(Case.state).where(Case.id == case_id)).one() == "submitted"


RETURNABLE = "TQ402"  # decide first, and some eligible demo customers still lack a paper (M22)


def _returned_case(engine, comment: str) -> tuple[int, str]:
    """A decide-first case submitted with its missing materials promised (容缺), then returned."""
    with session_scope(engine) as db:
        for person_id in db.exec(select(Person.id).order_by(Person.id)):
            checklist = checklist_for(db, person_id, RETURNABLE)
            if checklist.eligible and any(item.to_capture for item in checklist.items):
                break
        case = open_case(db, checklist=checklist, actor=CLERK_ACTOR, amount_fen=120_000)
        for item in checklist.items:
            if item.to_capture:
                accept_on_promise(
                    db,
                    case_id=case.id,
                    material=item.material,
                    actor=CLERK_ACTOR,
                    expected_version=case.version,
                    promised_on=PROMISED,
                )
        perform(db, case_id=case.id, action="submit", actor=CLERK_ACTOR, expected_version=case.version)
        perform(
            db,
            case_id=case.id,
            action="return",
            actor=actor(SUPERVISOR),
            expected_version=case.version,
            comment=comment,
        )
        return case.id, get_case(db, case.id).case_no


async def test_a_returned_case_shows_the_reason_and_what_to_bring(user: User, desk_db):
    case_id, case_no = _returned_case(desk_db, "收入证明须加盖单位公章")
    with session_scope(desk_db) as db:
        to_bring = [row.material for row in materials(db, case_id) if row.status in ("missing", "unknown", "deferred")]
    await user.open(f"/inquiry?case={case_no}")
    await _ask(user, _id_tail(desk_db, case_id))
    await user.should_see(_zh("cases.state.returned"))
    assert _texts(user, "inquiry-return-comment") == ["收入证明须加盖单位公章"]
    catalog = get_catalog()
    assert to_bring
    for number, material in enumerate(to_bring, start=1):
        [line] = _texts(user, f"inquiry-to-bring-item {material}")
        assert line.startswith(f"{number}. {catalog.materials[material].zh}") and PROMISED.isoformat() in line
        assert material not in line.split(" · ")[0].removeprefix(f"{number}. ").split()  # names, not codes


async def test_a_returned_case_in_english(user: User, desk_db):
    user.http_client.headers["Accept-Language"] = "en"
    case_id, case_no = _returned_case(desk_db, "Stamp missing on the income proof")
    await user.open(f"/inquiry?case={case_no}")
    await _ask(user, _id_tail(desk_db, case_id))
    await user.should_see("Why it was returned", retries=50)
    await user.should_see("Stamp missing on the income proof")
    with session_scope(desk_db) as db:
        first = next(row.material for row in materials(db, case_id) if row.status == "deferred")
    [line] = _texts(user, f"inquiry-to-bring-item {first}")
    assert get_catalog().materials[first].en in line


async def test_the_inquiry_in_english(user: User, desk_db):
    user.http_client.headers["Accept-Language"] = "en-GB,en;q=0.9"
    case_id, case_no = simple_case(desk_db)
    await user.open(f"/inquiry?case={case_no}")
    await user.should_see("Case progress")
    await _ask(user, _id_tail(desk_db, case_id))
    await user.should_see("Submitted, awaiting decision", retries=50)
