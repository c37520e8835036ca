"""The public progress inquiry (no leaks, rate limits in the database) and the one-time notice."""

from __future__ import annotations

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import cv2
import numpy as np
import pytest
from case_people import CLERK, DEMO_TODAY, NOW, SUP, add_customer, identity, owns_home

from desk.cases.catalog import get_catalog
from desk.cases.checklist import checklist_for
from desk.cases.inquiry import NO_MATCH, InquiryAnswer, _normalize, inquire, malformed, wait_after
from desk.cases.notice import build_notice
from desk.cases.workflow import accept_on_promise, get_case, materials, open_case, perform, workflow_rules
from desk.cases.working_days import local_day
from desk.db import session_scope


def _case(
    engine, *, birth: date = date(1988, 5, 17), facts=None, declared: tuple[str, ...] = ()
) -> tuple[str, str, int]:
    """A submitted TQ401 case: (case number, the customer's ID number, case id)."""
    with session_scope(engine) as session:
        person = add_customer(
            session,
            today=DEMO_TODAY,
            birth=birth,
            facts=facts if facts is not None else {"identity": identity(), "property": owns_home(False)},
        )
        checklist = checklist_for(session, person.id, "TQ401", today=DEMO_TODAY, declared=declared)
        case = open_case(session, checklist=checklist, actor=CLERK, now=NOW, amount_fen=100_000, declared=declared)
        for row in materials(session, case.id):
            if row.status == "missing":
                accept_on_promise(
                    session,
                    case_id=case.id,
                    material=row.material,
                    actor=CLERK,
                    expected_version=case.version,
                    promised_on=date(2026, 11, 27),
                    now=NOW,
                )
        perform(
            session,
            case_id=case.id,
            action="submit",
            actor=CLERK,
            expected_version=case.version,
            now=NOW + timedelta(hours=1),
        )
        return case.case_no, person.id_number, case.id


HALL = "10.9.9.9"  # one address shared by every phone on a hall's Wi-Fi


def _wrong_tails(id_number: str, count: int) -> list[str]:
    """`count` well-formed tails that are not the customer's."""
    return [tail for tail in (f"{i:04d}" for i in range(count + 1)) if tail != id_number[-4:]][:count]


def test_the_right_pair_shows_state_and_step_dates_and_nothing_else(engine):
    case_no, id_number, _ = _case(engine)
    with session_scope(engine) as session:
        answer = inquire(session, case_no=f" {case_no.lower()} ", id_tail=id_number[-4:], address="10.0.0.1", now=NOW)
    assert answer.found and answer.state == "submitted"
    assert answer.steps == (("draft", local_day(NOW)), ("submitted", local_day(NOW)))
    assert [f.name for f in dataclasses.fields(InquiryAnswer)] == [
        "found",
        "message_key",
        "state",
        "steps",
        "retry_after_s",
        "return_comment",
        "to_bring",
        "amount_fen",
        "payee_card",
        "paid",
    ]
    assert answer.payee_card is None or "*" in answer.payee_card  # the card only ever masked
    assert answer.return_comment == "" and answer.to_bring == ()  # only a returned case says what to bring
    shown = repr(answer)
    assert id_number not in shown and "TQ401" not in shown and "clerk1" not in shown


def test_wrong_pairs_get_the_same_answer_as_unknown_cases(engine):
    case_no, id_number, _ = _case(engine)
    [wrong_tail] = _wrong_tails(id_number, 1)
    with session_scope(engine) as session:
        answers = [
            inquire(session, case_no=number, id_tail=tail, address=f"10.0.1.{i}", now=NOW)
            for i, (number, tail) in enumerate([(case_no, wrong_tail), ("DL2026-999999", id_number[-4:])])
        ]
        # a malformed tail reads the same for a real and an unknown number: its form is all it judges
        malformed = [
            inquire(session, case_no=number, id_tail="12A4", address="10.0.1.9", now=NOW)
            for number in (case_no, "DL2026-999999")
        ]
    assert all(answer == NO_MATCH for answer in answers)
    assert malformed[0] == malformed[1] == InquiryAnswer(False, "cases.inquiry.bad_id_tail")


@pytest.mark.parametrize(
    ("case_no", "id_tail", "key"),
    [
        ("", "", "cases.inquiry.incomplete"),
        ("DL2026-000001", " ", "cases.inquiry.incomplete"),
        ("", "1234", "cases.inquiry.incomplete"),
        ("nonsense", "1234", "cases.inquiry.bad_case_no"),
        ("DL26-000001", "1234", "cases.inquiry.bad_case_no"),
        ("<script>", "((", "cases.inquiry.bad_case_no"),
        ("DL2026-000001", "123", "cases.inquiry.bad_id_tail"),
        ("DL2026-000001", "12345", "cases.inquiry.bad_id_tail"),
        ("DL2026-000001", "X12Y", "cases.inquiry.bad_id_tail"),
    ],
)
def test_a_malformed_entry_says_what_to_fix(case_no, id_tail, key):
    assert malformed(*_normalize(case_no, id_tail), "DL") == key
    assert malformed(*_normalize(" dl2026-000001 ", "123x"), "DL") is None


def test_malformed_entries_count_nothing(engine):
    case_no, id_number, _ = _case(engine)
    with session_scope(engine) as session:
        for _ in range(30):  # far beyond every free allowance
            for number, tail in (("", ""), (case_no, ""), (case_no, "12"), ("DL2026", id_number[-4:])):
                assert inquire(session, case_no=number, id_tail=tail, address=HALL, now=NOW).message_key in (
                    "cases.inquiry.incomplete",
                    "cases.inquiry.bad_id_tail",
                    "cases.inquiry.bad_case_no",
                )
        assert inquire(session, case_no=case_no, id_tail=id_number[-4:], address=HALL, now=NOW).found


def test_a_hall_is_not_locked_out_by_five_failures_including_an_empty_submit(engine):
    """The finding: 5 failures (one an empty submit) used to refuse the right pair from that
    address for 15 minutes; now the right pair is answered once a short wait is over."""
    case_no, id_number, _ = _case(engine)
    other_no, other_id, _ = _case(engine)
    with session_scope(engine) as session:
        # the QR link fills in the case number: "empty" is a submit before typing the four characters
        inquire(session, case_no=case_no, id_tail="", address=HALL, now=NOW)
        for tail in _wrong_tails(id_number, 4):
            inquire(session, case_no=case_no, id_tail=tail, address=HALL, now=NOW)
    a_minute_later = NOW + timedelta(seconds=60)  # the longest wait there is (see the shipped limits below)
    with session_scope(engine) as session:  # the counts live in the database: a new session sees them
        own = inquire(session, case_no=case_no, id_tail=id_number[-4:], address=HALL, now=a_minute_later)
        other = inquire(session, case_no=other_no, id_tail=other_id[-4:], address=HALL, now=a_minute_later)
    assert own.found and own.state == "submitted"
    assert other.found  # another customer in the same hall, after the guesser's failures


LIMITS = {
    "free_failures_per_case": 3,
    "free_failures_per_address": 5,
    "first_wait_s": 2,
    "max_wait_s": 60,
    "forget_after_minutes": 15,
}


def _rules(**limits: int):
    return dataclasses.replace(workflow_rules(), inquiry={**LIMITS, **limits})


def _waits_after_each_failure(engine, failures: int, key_of_attempt) -> list[int]:
    """Fail `failures` times, each as soon as allowed; the wait demanded after each failure."""
    rules, at, waits, pending = _rules(), NOW, [], 0
    with session_scope(engine) as session:
        while len(waits) <= failures:  # one more failure than measured: it shows the last wait
            number, address = key_of_attempt(len(waits))
            answer = inquire(session, case_no=number, id_tail="0000", address=address, now=at, rules=rules)
            if answer.message_key == "cases.inquiry.rate_limited":
                assert not pending  # the wait is told once and is enough: a refusal counts nothing
                pending = answer.retry_after_s
                almost = at + timedelta(seconds=pending - 1)  # refused to the last second, not a second longer
                assert (
                    inquire(
                        session, case_no=number, id_tail="0000", address=address, now=almost, rules=rules
                    ).retry_after_s
                    == 1
                )
                at += timedelta(seconds=pending)
                continue
            assert answer == NO_MATCH
            waits.append(pending)
            pending = 0
    return waits[1:]


def test_failures_of_one_case_number_wait_longer_each_time_up_to_the_cap(engine):
    # from a new address each time: guessing from many addresses is slowed all the same
    waits = _waits_after_each_failure(engine, 10, lambda i: ("DL2026-777777", f"10.3.{i}.1"))
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]


def test_failures_from_one_address_wait_longer_each_time_up_to_the_cap(engine):
    # a different case number each time: trying many numbers from one place is slowed all the same
    waits = _waits_after_each_failure(engine, 10, lambda i: (f"DL2026-{700000 + i}", "10.4.0.1"))
    assert waits == [0, 0, 0, 0, 0, 2, 4, 8, 16, 32]


def test_the_wait_formula_and_the_shipped_limits():
    assert [wait_after(n, 3, LIMITS) for n in range(12)] == [0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60]
    limits = workflow_rules().inquiry
    assert 0 < limits["max_wait_s"] <= 60 and limits["first_wait_s"] <= 5  # seconds, not minutes
    assert limits["free_failures_per_address"] >= limits["free_failures_per_case"] >= 1


def test_failures_are_forgotten_after_a_quiet_spell_and_the_owner_clears_the_number(engine):
    case_no, id_number, _ = _case(engine)
    rules = _rules()
    with session_scope(engine) as session:
        for tail in _wrong_tails(id_number, 4):
            inquire(session, case_no=case_no, id_tail=tail, address="10.5.0.1", now=NOW, rules=rules)
        assert (
            inquire(session, case_no=case_no, id_tail="0000", address="10.5.0.2", now=NOW, rules=rules).retry_after_s
            == 2
        )
        quiet = NOW + timedelta(minutes=15)
        assert inquire(
            session, case_no=case_no, id_tail=id_number[-4:], address="10.5.0.2", now=quiet, rules=rules
        ).found
        # the owner got in: the number's count starts again (three free failures, no wait)
        for tail in _wrong_tails(id_number, 3):
            assert (
                inquire(session, case_no=case_no, id_tail=tail, address="10.5.1.1", now=quiet, rules=rules) == NO_MATCH
            )


def test_parallel_guesses_cannot_slip_past_a_wait(engine):
    """Requests on separate connections at once: the row lock lets exactly one through per free try."""
    rules = _rules(free_failures_per_case=1, first_wait_s=60)
    with session_scope(engine) as session:  # the free failure: the number's row exists, nothing waits yet
        assert (
            inquire(session, case_no="DL2026-555555", id_tail="9999", address="10.6.99.1", now=NOW, rules=rules)
            == NO_MATCH
        )

    def guess(i: int) -> str:
        with session_scope(engine) as session:
            return inquire(
                session, case_no="DL2026-555555", id_tail=f"{i:04d}", address=f"10.6.{i}.1", now=NOW, rules=rules
            ).message_key

    with ThreadPoolExecutor(max_workers=6) as pool:
        keys = list(pool.map(guess, range(6)))
    assert sorted(keys) == ["cases.inquiry.no_match"] + ["cases.inquiry.rate_limited"] * 5


def _decode_qr_svg(svg: str) -> str:
    """Draw the SVG the notice prints (one path of horizontal runs of dark modules) and read its QR code."""
    size = int(re.search(r'width="(\d+)"', svg)[1])
    scale = float(re.search(r"scale\(([\d.]+)\)", svg)[1])
    image = np.full((size, size), 255, np.uint8)
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", re.search(r' d="([^"]+)"', svg)[1]):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:  # a run of `a` dark modules on the row whose middle is y
            row = int((y - 0.5) * scale)
            image[row : row + int(scale), int(x * scale) : int((x + float(a)) * scale)] = 0
            x += float(a)
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


def test_the_one_time_notice_lists_what_is_missing_with_a_qr_code_to_the_inquiry(engine):
    case_no, _id_number, case_id = _case(
        engine,
        facts={"identity": identity(), "property": owns_home(False), "marriage": {"status": "unmarried"}},
        declared=("actual_rent",),
    )
    with session_scope(engine) as session:
        notice = build_notice(session, case_id=case_id, base_url="https://desk.example.cn/", today=date(2026, 11, 16))
    assert notice.case_no == case_no and notice.customer == "于**"
    assert [(item.material, item.status, item.promised_on) for item in notice.items] == [
        ("M10", "deferred", date(2026, 11, 27))
    ]  # M01, M11 proven; M03 does not apply to a single customer
    assert notice.inquiry_url == f"https://desk.example.cn/inquiry?case={case_no}"
    assert notice.qr_svg().lstrip().startswith("<svg")
    assert _decode_qr_svg(notice.qr_svg(scale=4)) == notice.inquiry_url
    data = notice.to_json("en")
    assert data["items"][0]["name"] == "Lease contract or lease-registration certificate"
    assert data["business_name"] == "Withdrawal for rent"
    assert notice.to_json("zh-CN")["items"][0]["name"] == "房屋租赁合同 / 租赁登记备案证明"


def test_a_decided_case_shows_its_new_state(engine):
    case_no, id_number, case_id = _case(engine)
    with session_scope(engine) as session:
        perform(
            session,
            case_id=case_id,
            action="reject",
            actor=SUP,
            expected_version=get_case(session, case_id).version,
            comment="不符",
            now=NOW + timedelta(days=1),
        )
    with session_scope(engine) as session:
        answer = inquire(
            session, case_no=case_no, id_tail=id_number[-4:], address="10.0.9.1", now=NOW + timedelta(days=2)
        )
    assert answer.state == "rejected" and answer.steps[-1] == ("rejected", local_day(NOW + timedelta(days=1)))


def _returned_case(engine, comment: str) -> tuple[str, str, int]:
    """A decide-first TQ201 case submitted with materials promised (容缺), then returned by a supervisor."""
    with session_scope(engine) as session:
        person = add_customer(session, today=DEMO_TODAY, facts={"marriage": {"status": "unmarried"}}, loans=[{}])
        case = open_case(
            session,
            checklist=checklist_for(session, person.id, "TQ201", today=DEMO_TODAY),
            actor=CLERK,
            now=NOW,
            amount_fen=100_000,
        )
        for row in materials(session, case.id):
            if row.status in ("missing", "unknown"):
                accept_on_promise(
                    session,
                    case_id=case.id,
                    material=row.material,
                    actor=CLERK,
                    expected_version=case.version,
                    promised_on=date(2026, 11, 27),
                    now=NOW,
                )
        perform(session, case_id=case.id, action="submit", actor=CLERK, expected_version=case.version, now=NOW)
        perform(
            session,
            case_id=case.id,
            action="return",
            actor=SUP,
            expected_version=case.version,
            comment="旧的意见",
            now=NOW + timedelta(hours=1),
        )
        perform(
            session,
            case_id=case.id,
            action="submit",
            actor=CLERK,
            expected_version=case.version,
            now=NOW + timedelta(hours=2),
        )
        perform(
            session,
            case_id=case.id,
            action="return",
            actor=SUP,
            expected_version=case.version,
            comment=comment,
            now=NOW + timedelta(hours=3),
        )
        return case.case_no, person.id_number, case.id


def test_a_returned_case_says_why_and_what_to_bring_and_nothing_else(engine):
    case_no, id_number, case_id = _returned_case(engine, "  请补交近三个月的收入证明  ")
    with session_scope(engine) as session:
        answer = inquire(
            session, case_no=case_no, id_tail=id_number[-4:], address="10.7.0.1", now=NOW + timedelta(days=1)
        )
        expected = [
            (row.material, row.status)
            for row in materials(session, case_id)
            if row.status in ("missing", "unknown", "deferred")
        ]
    assert answer.found and answer.state == "returned"
    assert answer.return_comment == "请补交近三个月的收入证明"  # the latest return's, not the first one's
    assert expected and [(item.material, item.status) for item in answer.to_bring] == expected
    catalog = get_catalog()
    for item in answer.to_bring:  # named from the catalog in both languages
        assert (item.name("zh-CN"), item.name("en")) == (
            catalog.materials[item.material].zh,
            catalog.materials[item.material].en,
        )
        assert item.promised_on == date(2026, 11, 27)
    shown = repr(answer)
    assert id_number not in shown and "于海洋" not in shown and "sup1" not in shown and "旧的意见" not in shown


def test_a_resubmitted_case_no_longer_shows_the_return(engine):
    case_no, id_number, case_id = _returned_case(engine, "请补交收入证明")
    with session_scope(engine) as session:
        perform(
            session,
            case_id=case_id,
            action="submit",
            actor=CLERK,
            expected_version=get_case(session, case_id).version,
            now=NOW + timedelta(hours=4),
        )
    with session_scope(engine) as session:
        answer = inquire(
            session, case_no=case_no, id_tail=id_number[-4:], address="10.7.0.2", now=NOW + timedelta(days=1)
        )
    assert answer.state == "submitted" and answer.return_comment == "" and answer.to_bring == ()
