"""The case workflow on both engines: every transition allowed and refused, four eyes, roles,
double decisions (optimistic locking), submission with missing materials and 容缺, the append-only
history, case numbers under concurrent submissions, due dates, overdue cases, post-review sampling."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from case_people import (
    ARCHIVIST,
    CLERK,
    CLERK2,
    DEMO_TODAY,
    NOW,
    SUP,
    SUP2,
    SUP3,
    Actor,
    add_customer,
    identity,
    owns_home,
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from desk.cases.checklist import checklist_for
from desk.cases.numbering import next_case_number
from desk.cases.tables import Case
from desk.cases.workflow import (
    CaseConflict,
    CaseError,
    accept_on_promise,
    get_case,
    history,
    is_overdue,
    materials,
    open_case,
    overdue_cases,
    perform,
    record_capture,
    workflow_rules,
)
from desk.cases.working_days import local_day, work_calendar
from desk.db import session_scope
from desk.i18n import use_language


def _open(
    session,
    code: str = "TQ201",
    *,
    complete: bool = True,
    actor: Actor = CLERK,
    now: datetime = NOW,
    amount_fen: int | None = 100_000,
    declared: tuple[str, ...] = (),
) -> Case:
    """A draft case of a customer whose materials for `code` are all proven (or, if not `complete`, the
    identity is not on file); the amount only where the business pays."""
    facts = {"property": owns_home(False), "marriage": {"status": "unmarried"}}
    if complete:
        facts["identity"] = identity()
    person = add_customer(session, today=DEMO_TODAY, facts=facts, loans=[{}])
    checklist = checklist_for(session, person.id, code, today=DEMO_TODAY, declared=declared)
    return open_case(
        session,
        checklist=checklist,
        actor=actor,
        declared=declared,
        now=now,
        amount_fen=amount_fen if checklist.business.pays_out else None,
    )


def _do(engine, case_id: int, action: str, actor: Actor, **kwargs) -> Case:
    with session_scope(engine) as session:
        version = get_case(session, case_id).version
        return perform(
            session, case_id=case_id, action=action, actor=actor, expected_version=version, now=NOW, **kwargs
        )


# (action, actor, extra arguments) for every step of the two paths
STEP = {
    "submit": (CLERK, {}),
    "approve": (SUP, {}),
    "reject": (SUP, {"comment": "不符合条件"}),
    "return": (SUP, {"comment": "请补交结婚证"}),
    "pay": (CLERK, {"draw": lambda: 0.99}),
    "review": (SUP, {}),
    "recourse": (SUP, {"comment": "承诺不实", "clawback_fen": 50_000}),
    "close": (CLERK, {}),
}
PATHS = {  # the actions that lead to each state
    ("decide_first", "draft"): [],
    ("decide_first", "submitted"): ["submit"],
    ("decide_first", "approved"): ["submit", "approve"],
    ("decide_first", "rejected"): ["submit", "reject"],
    ("decide_first", "returned"): ["submit", "return"],
    ("decide_first", "closed"): ["submit", "approve", "close"],
    ("pay_first", "draft"): [],
    ("pay_first", "submitted"): ["submit"],
    ("pay_first", "paid"): ["submit", "pay"],
    ("pay_first", "reviewed"): ["submit", "pay", "review"],
    ("pay_first", "recourse"): ["submit", "pay", "recourse"],
    ("pay_first", "closed"): ["submit", "pay", "close"],
    ("pay_first", "rejected"): ["submit", "reject"],
}
MODE_BUSINESS = {"decide_first": "TQ201", "pay_first": "TQ401"}


def _case_in(engine, mode: str, state: str) -> int:
    with session_scope(engine) as session:
        case_id = _open(session, MODE_BUSINESS[mode]).id
    for action in PATHS[(mode, state)]:
        actor, extra = STEP[action]
        _do(engine, case_id, action, actor, **extra)
    return case_id


@pytest.mark.parametrize(("mode", "state"), sorted(PATHS))
def test_every_transition_is_allowed_or_refused_as_the_workflow_says(engine, mode, state):
    for action, (actor, extra) in sorted(STEP.items()):
        case_id = _case_in(engine, mode, state)
        expected = workflow_rules().find(action, state, mode)
        if expected is None:
            with pytest.raises(CaseError) as refused:
                _do(engine, case_id, action, actor, **extra)
            assert refused.value.key == "cases.workflow.not_allowed", action
            with session_scope(engine) as session:
                assert get_case(session, case_id).state == state
            continue
        case = _do(engine, case_id, action, actor, **extra)
        assert case.state == expected.to
        with session_scope(engine) as session:
            last = history(session, case_id)[-1]
            assert (last.action, last.from_state, last.to_state, last.actor, last.actor_role) == (
                action,
                state,
                expected.to,
                actor.username,
                actor.role,
            )
            assert last.comment == extra.get("comment", "")


def test_the_whole_path_is_recorded_with_actor_time_comment_and_states(engine):
    with session_scope(engine) as session:
        case = _open(session, "TQ201")
        case_id = case.id
    assert case.case_no is None  # a draft has no number
    case_no = _do(engine, case_id, "submit", CLERK).case_no
    assert case_no.startswith("DL2026-") and len(case_no) == len("DL2026-000001")
    _do(engine, case_id, "approve", SUP, comment="资料齐全")
    closed = _do(engine, case_id, "close", CLERK2)
    assert closed.state == "closed" and closed.version == 4 and closed.decided_by == "sup1"
    assert closed.due_on == work_calendar().add_working_days(local_day(NOW), 3)
    with session_scope(engine) as session:
        steps = [(t.action, t.from_state, t.to_state, t.actor, t.comment) for t in history(session, case_id)]
    assert steps == [
        ("open", None, "draft", "clerk1", ""),
        ("submit", "draft", "submitted", "clerk1", ""),
        ("approve", "submitted", "approved", "sup1", "资料齐全"),
        ("close", "approved", "closed", "clerk2", ""),
    ]


def test_four_eyes_wrong_role_and_reasons(engine):
    with session_scope(engine) as session:
        case_id = _open(session, "TQ201", actor=SUP).id  # a supervisor at the counter opens it
    _do(engine, case_id, "submit", SUP2)
    for actor, key in (
        (SUP, "cases.workflow.four_eyes"),
        (SUP2, "cases.workflow.four_eyes"),
        (CLERK, "cases.workflow.wrong_role"),
        (ARCHIVIST, "cases.workflow.wrong_role"),
    ):
        with pytest.raises(CaseError) as refused:
            _do(engine, case_id, "approve", actor)
        assert refused.value.key == key
        with use_language("en"):
            assert refused.value.message() and "{" not in refused.value.message()
    with pytest.raises(CaseError, match="comment_needed"):
        _do(engine, case_id, "reject", SUP3)
    assert _do(engine, case_id, "approve", SUP3).state == "approved"


def test_the_payer_cannot_review_and_recourse_needs_amount_and_reason(engine):
    case_id = _case_in(engine, "pay_first", "paid")  # submitted and paid by clerk1
    with pytest.raises(CaseError, match="clawback_needed"):
        _do(engine, case_id, "recourse", SUP, comment="承诺不实")
    with pytest.raises(CaseError, match="clawback_too_high"):
        _do(engine, case_id, "recourse", SUP, comment="承诺不实", clawback_fen=100_001)
    case = _do(engine, case_id, "recourse", SUP, comment="承诺不实", clawback_fen=100_000)
    assert (case.state, case.clawback_fen, case.clawback_reason) == ("recourse", 100_000, "承诺不实")
    with session_scope(engine) as session:
        case_id = _open(session, "TQ401", actor=CLERK).id
    _do(engine, case_id, "submit", SUP)  # a supervisor submits and pays at the counter
    _do(engine, case_id, "pay", SUP, draw=lambda: 0.0)
    with pytest.raises(CaseError, match="four_eyes"):
        _do(engine, case_id, "review", SUP)


def test_post_review_sampling_at_the_configured_rate(engine):
    rate = workflow_rules().sampling_rate
    sampled = _case_in(engine, "pay_first", "submitted")
    assert _do(engine, sampled, "pay", CLERK, draw=lambda: rate - 0.01).sampled_for_review is True
    with pytest.raises(CaseError, match="sampled"):
        _do(engine, sampled, "close", CLERK)
    assert _do(engine, sampled, "review", SUP).state == "reviewed"
    passed = _case_in(engine, "pay_first", "submitted")
    assert _do(engine, passed, "pay", CLERK, draw=lambda: rate).sampled_for_review is False
    assert _do(engine, passed, "close", CLERK).state == "closed"


def test_two_supervisors_deciding_at_once_exactly_one_wins(engine):
    case_id = _case_in(engine, "decide_first", "submitted")
    with session_scope(engine) as session:
        version = get_case(session, case_id).version
    barrier, outcomes = threading.Barrier(2), {}

    def decide(actor: Actor, action: str, comment: str) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                perform(session, case_id=case_id, action=action, actor=actor, expected_version=version, comment=comment)
            outcomes[actor.username] = "won"
        except CaseConflict as conflict:
            outcomes[actor.username] = conflict.key

    threads = [
        threading.Thread(target=decide, args=(SUP2, "approve", "")),
        threading.Thread(target=decide, args=(SUP3, "reject", "不符")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["cases.workflow.conflict", "won"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    with session_scope(engine) as session:
        case = get_case(session, case_id)
        decisions = [t for t in history(session, case_id) if t.action in ("approve", "reject")]
    assert case.version == version + 1 and case.decided_by == winner
    assert [t.actor for t in decisions] == [winner]
    assert case.state == ("approved" if winner == "sup2" else "rejected")


def test_a_stale_version_is_refused(engine):
    case_id = _case_in(engine, "decide_first", "submitted")
    with session_scope(engine) as session:
        seen = get_case(session, case_id).version
    _do(engine, case_id, "approve", SUP)
    with session_scope(engine) as session, pytest.raises(CaseConflict):
        perform(session, case_id=case_id, action="reject", actor=SUP2, expected_version=seen, comment="晚了")


def test_no_submission_with_a_missing_material_unless_accepted_on_promise(engine):
    with session_scope(engine) as session:
        # no identity fact and actual rent declared with no filed lease: M01 and M10 missing
        case = _open(session, "TQ401", complete=False, declared=("actual_rent",))
        case_id = case.id
        missing = sorted(m.material for m in materials(session, case_id) if m.status == "missing")
    assert missing == ["M01", "M10"]
    with pytest.raises(CaseError) as refused:
        _do(engine, case_id, "submit", CLERK)
    assert refused.value.key == "cases.workflow.materials_missing" and refused.value.params["materials"] == "M01、M10"
    with session_scope(engine) as session:
        version = get_case(session, case_id).version
        record_capture(
            session, case_id=case_id, material="M01", actor=CLERK, expected_version=version, document_id=42, now=NOW
        )
    with session_scope(engine) as session:
        version = get_case(session, case_id).version
        for bad in (local_day(NOW), local_day(NOW) + timedelta(days=31)):
            with pytest.raises(CaseError, match="bad_promise_date"):
                accept_on_promise(
                    session,
                    case_id=case_id,
                    material="M10",
                    actor=CLERK,
                    expected_version=version,
                    promised_on=bad,
                    now=NOW,
                )
        with pytest.raises(CaseError, match="not_missing"):  # only what is missing can be promised
            accept_on_promise(
                session,
                case_id=case_id,
                material="M01",
                actor=CLERK,
                expected_version=version,
                promised_on=date(2026, 11, 30),
                now=NOW,
            )
        accept_on_promise(
            session,
            case_id=case_id,
            material="M10",
            actor=CLERK,
            expected_version=version,
            promised_on=date(2026, 11, 30),
            now=NOW,
        )
    case = _do(engine, case_id, "submit", CLERK)
    assert case.state == "submitted"
    with session_scope(engine) as session:
        rows = {m.material: m for m in materials(session, case_id)}
        assert rows["M01"].status == "captured" and rows["M01"].document_id == 42
        assert rows["M10"].status == "deferred" and rows["M10"].promised_on == date(2026, 11, 30)
        with pytest.raises(CaseError, match="not_editable"):  # once submitted, materials are frozen
            record_capture(session, case_id=case_id, material="M10", actor=CLERK, expected_version=case.version)


def test_history_cannot_be_changed_on_either_engine(engine):
    case_id = _case_in(engine, "decide_first", "submitted")
    for statement in (
        "UPDATE case_transition SET actor = 'someone' WHERE case_id = :id",
        "DELETE FROM case_transition WHERE case_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), session_scope(engine) as session:
            session.execute(text(statement), {"id": case_id})
    with session_scope(engine) as session:
        assert [t.actor for t in history(session, case_id)] == ["clerk1", "clerk1"]


def _submitted_number(engine, checklist, actor: Actor, now: datetime = NOW) -> str:
    with session_scope(engine) as session:
        case = open_case(session, checklist=checklist, actor=actor, now=now)
        assert case.case_no is None
        return perform(
            session, case_id=case.id, action="submit", actor=actor, expected_version=case.version, now=now
        ).case_no


def test_case_numbers_are_unique_and_sequential_under_concurrent_submissions(engine):
    with session_scope(engine) as session:  # one customer a submission: a second open case of a business is refused
        people = [add_customer(session, today=DEMO_TODAY, facts={"identity": identity()}).id for _ in range(21)]
    with session_scope(engine) as session:
        checklists = [checklist_for(session, pid, "TQ501", today=DEMO_TODAY) for pid in people]
    barrier, numbers, errors = threading.Barrier(4), [], []

    def counter(mine, actor) -> None:
        barrier.wait()
        try:
            for checklist in mine:
                numbers.append(_submitted_number(engine, checklist, actor))
        except Exception as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=counter, args=(checklists[i * 5 : i * 5 + 5], Actor(f"clerk{i}", "clerk")))
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == [f"DL2026-{n:06d}" for n in range(1, 21)]
    with session_scope(engine) as session:  # a new year starts again at 1 (its working days are not known yet)
        assert next_case_number(session, prefix="DL", year=2027) == "DL2027-000001"


def test_due_dates_in_working_days_and_overdue_cases(engine):
    friday = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        case = _open(session, "DK201", now=friday)
        case_id = case.id
        perform(session, case_id=case_id, action="submit", actor=CLERK, expected_version=case.version, now=friday)
    with session_scope(engine) as session:
        case = get_case(session, case_id)
        assert case.due_on == date(2026, 12, 4)  # a loan business: 10 working days
        assert not is_overdue(case, date(2026, 12, 4)) and is_overdue(case, date(2026, 12, 5))
        assert [c.id for c in overdue_cases(session, today=date(2026, 12, 7))] == [case_id]
        assert overdue_cases(session, today=date(2026, 12, 4)) == []
    _do(engine, case_id, "approve", SUP)
    with session_scope(engine) as session:  # decided: no longer overdue
        assert overdue_cases(session, today=date(2026, 12, 7)) == []
