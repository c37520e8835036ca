"""The public progress inquiry (no leaks, rate limits in the database) and the one-time notice."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import cv2
import numpy as np
from case_people import CLERK, DEMO_TODAY, NOW, SUP, add_customer, identity, owns_home

from desk.cases.checklist import checklist_for
from desk.cases.inquiry import NO_MATCH, InquiryAnswer, inquire
from desk.cases.notice import build_notice
from desk.cases.workflow import accept_on_promise, get_case, materials, open_case, perform, workflow_rules
from desk.cases.working_days import local_day
from desk.db import session_scope


def _case(engine, *, birth: date = date(1988, 5, 17), facts=None, declared: tuple[str, ...] = ()) -> tuple[str, str, int]:
    """A submitted TQ401 case: (case number, the customer's ID number, case id)."""
    with session_scope(engine) as session:
        person = add_customer(session, today=DEMO_TODAY, birth=birth,
                              facts=facts if facts is not None else {"identity": identity(),
                                                                     "property": owns_home(False)})
        checklist = checklist_for(session, person.id, "TQ401", today=DEMO_TODAY, declared=declared)
        case = open_case(session, checklist=checklist, actor=CLERK, now=NOW, amount_fen=100_000, declared=declared)
        for row in materials(session, case.id):
            if row.status == "missing":
                accept_on_promise(session, case_id=case.id, material=row.material, actor=CLERK,
                                  expected_version=case.version, promised_on=date(2026, 11, 27), now=NOW)
        perform(session, case_id=case.id, action="submit", actor=CLERK, expected_version=case.version,
                now=NOW + timedelta(hours=1))
        return case.case_no, person.id_number, case.id


def test_the_right_pair_shows_state_and_step_dates_and_nothing_else(engine):
    case_no, id_number, _ = _case(engine)
    with session_scope(engine) as session:
        answer = inquire(session, case_no=f" {case_no.lower()} ", id_tail=id_number[-4:], address="10.0.0.1",
                         now=NOW)
    assert answer.found and answer.state == "submitted"
    assert answer.steps == (("draft", local_day(NOW)), ("submitted", local_day(NOW)))
    assert [f.name for f in dataclasses.fields(InquiryAnswer)] == ["found", "message_key", "state", "steps",
                                                                  "retry_after_s"]
    shown = repr(answer)
    assert id_number not in shown and "TQ401" not in shown and "clerk1" not in shown


def test_wrong_pairs_get_the_same_answer_as_unknown_cases(engine):
    case_no, id_number, _ = _case(engine)
    wrong_tail = f"{(int(id_number[-4:-1]) + 1) % 1000:03d}{id_number[-1]}"
    with session_scope(engine) as session:
        answers = [inquire(session, case_no=number, id_tail=tail, address=f"10.0.1.{i}", now=NOW)
                   for i, (number, tail) in enumerate([(case_no, wrong_tail), ("DL2026-999999", id_number[-4:]),
                                                       ("", ""), (case_no, id_number[-5:]), ("nonsense", "1")])]
    assert all(answer == NO_MATCH for answer in answers)


def test_a_lower_case_x_matches(engine):
    birth = date(1980, 1, 1)
    while True:  # find a customer whose ID number ends in X
        case_no, id_number, _ = _case(engine, birth=birth)
        if id_number.endswith("X"):
            break
        birth += timedelta(days=1)
    with session_scope(engine) as session:
        assert inquire(session, case_no=case_no, id_tail=id_number[-4:].lower(), address="10.0.2.1", now=NOW).found


def test_attempts_are_limited_per_address(engine):
    case_no, id_number, _ = _case(engine)
    limit = workflow_rules().inquiry["max_attempts_per_address"]
    with session_scope(engine) as session:
        for i in range(limit):
            assert inquire(session, case_no=f"DL2026-{i:06d}", id_tail="0000", address="10.0.3.1", now=NOW) == NO_MATCH
        refused = inquire(session, case_no=case_no, id_tail=id_number[-4:], address="10.0.3.1", now=NOW)
        assert not refused.found and refused.message_key == "cases.inquiry.rate_limited" and refused.retry_after_s > 0
        assert inquire(session, case_no=case_no, id_tail=id_number[-4:], address="10.0.3.2", now=NOW).found
    later = NOW + timedelta(minutes=workflow_rules().inquiry["window_minutes"])
    with session_scope(engine) as session:  # the counts live in the database: a new session sees them
        assert inquire(session, case_no=case_no, id_tail=id_number[-4:], address="10.0.3.1", now=later).found


def test_guessing_one_case_from_many_addresses_is_cut_short_and_reveals_nothing(engine):
    case_no, id_number, _ = _case(engine)
    failures = workflow_rules().inquiry["max_failures_per_case"]
    with session_scope(engine) as session:
        for number in (case_no, "DL2026-888888"):  # a real and an unknown case behave the same
            for i in range(failures):
                assert inquire(session, case_no=number, id_tail=f"{i:04d}", address=f"10.1.{i}.1", now=NOW) == NO_MATCH
            blocked = inquire(session, case_no=number, id_tail=id_number[-4:], address="10.2.0.1", now=NOW)
            assert blocked.message_key == "cases.inquiry.rate_limited" and not blocked.found


def _decode_qr(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


def test_the_one_time_notice_lists_what_is_missing_with_a_qr_code_to_the_inquiry(engine):
    case_no, _id_number, case_id = _case(engine, facts={"identity": identity(), "property": owns_home(False),
                                                        "marriage": {"status": "unmarried"}}, declared=("actual_rent",))
    with session_scope(engine) as session:
        notice = build_notice(session, case_id=case_id, base_url="https://desk.example.cn/", today=date(2026, 11, 16))
    assert notice.case_no == case_no and notice.customer == "于**"
    assert [(item.material, item.status, item.promised_on) for item in notice.items] == [
        ("M10", "deferred", date(2026, 11, 27))]  # M01, M11 proven; M03 does not apply to a single customer
    assert notice.inquiry_url == f"https://desk.example.cn/inquiry?case={case_no}"
    assert _decode_qr(notice.qr_png()) == notice.inquiry_url
    assert notice.qr_svg().lstrip().startswith("<svg")
    data = notice.to_json("en")
    assert data["items"][0]["name"] == "Lease contract or lease-registration certificate"
    assert data["business_name"] == "Withdrawal for rent"
    assert notice.to_json("zh-CN")["items"][0]["name"] == "房屋租赁合同 / 租赁登记备案证明"


def test_a_decided_case_shows_its_new_state(engine):
    case_no, id_number, case_id = _case(engine)
    with session_scope(engine) as session:
        perform(session, case_id=case_id, action="reject", actor=SUP, expected_version=get_case(session, case_id).version,
                comment="不符", now=NOW + timedelta(days=1))
    with session_scope(engine) as session:
        answer = inquire(session, case_no=case_no, id_tail=id_number[-4:], address="10.0.9.1",
                         now=NOW + timedelta(days=2))
    assert answer.state == "rejected" and answer.steps[-1] == ("rejected", local_day(NOW + timedelta(days=1)))
