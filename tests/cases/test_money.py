"""Cases bound to the money, on SQLite and PostgreSQL, through the counter's services as the page
calls them: nothing ineligible paid without a supervisor's override, nothing paid twice, every
payment posted to the account in the transaction that pays it, the amount never above what the
rules allow, drafts without numbers, returned cases back at the counter, and the books reconciled.

Each test named after a finding of issue #9 failed on the code before this change.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from case_people import CLERK, CLERK2, SUP, SUPERVISOR_PASSWORD, Actor, add_customer, add_staff, identity, owns_home
from sqlmodel import select

from desk.cases.checklist import checklist_for
from desk.cases.counter import (
    STALE_SWEEP_JOB,
    amount_plan_for,
    case_by_key,
    defer_material,
    discard_draft,
    discard_stale_drafts,
    notice_for,
    open_cases,
    open_draft,
    override_rules,
    recent_cases,
    reopen_case,
    submit_case,
)
from desk.cases.inquiry import inquire
from desk.cases.postings import reconcile
from desk.cases.tables import Case
from desk.cases.workflow import CaseError, get_case, history, perform
from desk.cases.working_days import local_day
from desk.db import make_engine, run_alone, session_scope
from desk.records.profile import load_profile
from desk.records.tables import Person, PersonalAccount, Withdrawal

RENT_CAP_FEN = 2_160_000  # the urban core's yearly cap of TQ401 in catalog.toml


def _today():
    return local_day(datetime.now(UTC))


def _customer(engine, *, owns: bool = False, balance_yuan: int = 50_000, facts: dict | None = None) -> int:
    facts = (
        facts
        if facts is not None
        else {"identity": identity(), "property": owns_home(owns), "marriage": {"status": "unmarried"}}
    )
    with session_scope(engine) as session:
        return add_customer(session, today=_today(), facts=facts, balance_yuan=balance_yuan, loans=[{}]).id


def _draft(engine, person_id: int, business: str = "TQ401", actor=CLERK, declared: tuple[str, ...] = ()):
    with session_scope(engine) as session:
        checklist = checklist_for(session, person_id, business, declared=declared)
    return open_draft(checklist=checklist, staff=actor, declared=declared, engine=engine)


def _balance(engine, person_id: int) -> int:
    with session_scope(engine) as session:
        return session.exec(select(PersonalAccount.balance_fen).where(PersonalAccount.person_id == person_id)).one()


def _postings(engine, person_id: int) -> list[tuple[str, int, str | None]]:
    with session_scope(engine) as session:
        return [
            tuple(row)
            for row in session.exec(
                select(Withdrawal.kind, Withdrawal.amount_fen, Withdrawal.case_no)
                .join(PersonalAccount, PersonalAccount.id == Withdrawal.account_id)
                .where(PersonalAccount.person_id == person_id)
                .order_by(Withdrawal.id)
            ).all()
        ]


def _supervisor(engine, username: str = "sup1") -> str:
    with session_scope(engine) as session:
        add_staff(session, username)
    return username


# --- finding 1: an ineligible customer is paid ----------------------------------------------------


def test_finding_1_a_customer_the_registry_shows_owning_a_home_is_not_paid_rent(engine):
    person_id = _customer(engine, owns=True)
    draft = _draft(engine, person_id)
    with pytest.raises(CaseError) as deferral:  # 容缺 cannot contradict the registry
        defer_material(
            case_id=draft.case_id,
            material="M11",
            promised_on=_today() + timedelta(days=5),
            staff=CLERK,
            expected_version=draft.version,
            engine=engine,
        )
    assert deferral.value.key == "cases.workflow.defer_contradicts"
    with pytest.raises(CaseError):
        submit_case(case_id=draft.case_id, staff=CLERK, expected_version=draft.version, engine=engine)
    with session_scope(engine) as session:
        case = get_case(session, draft.case_id)
        assert (case.state, case.case_no, case.paid_at) == ("draft", None, None)
    assert _postings(engine, person_id) == [] and _balance(engine, person_id) == 5_000_000


def test_a_failed_rule_blocks_submission_even_with_every_material_in_hand(engine):
    person_id = _customer(engine, facts={"identity": identity(), "marriage": {"status": "unmarried"}})
    draft = _draft(engine, person_id)  # no real-estate record: the no-home rule cannot pass
    draft = defer_material(
        case_id=draft.case_id,
        material="M11",
        promised_on=_today() + timedelta(days=5),
        staff=CLERK,
        expected_version=draft.version,
        engine=engine,
    )
    with pytest.raises(CaseError) as refused:
        submit_case(case_id=draft.case_id, staff=CLERK, expected_version=draft.version, engine=engine)
    assert refused.value.key == "cases.workflow.rules_fail"
    assert "无自有住房" in refused.value.message("zh-CN")
    assert _postings(engine, person_id) == []


def test_a_supervisor_override_is_recorded_never_their_own_and_the_case_is_decided_before_paying(engine):
    person_id = _customer(engine, facts={"identity": identity(), "marriage": {"status": "unmarried"}})
    _supervisor(engine, "sup1")
    draft = _draft(engine, person_id)
    draft = defer_material(
        case_id=draft.case_id,
        material="M11",
        promised_on=_today() + timedelta(days=5),
        staff=CLERK,
        expected_version=draft.version,
        engine=engine,
    )
    with pytest.raises(CaseError, match="not_a_supervisor"):
        override_rules(
            case_id=draft.case_id,
            supervisor="sup1",
            password="wrong",
            reason="x",
            expected_version=draft.version,
            engine=engine,
        )
    with pytest.raises(CaseError, match="comment_needed"):
        override_rules(
            case_id=draft.case_id,
            supervisor="sup1",
            password=SUPERVISOR_PASSWORD,
            reason="  ",
            expected_version=draft.version,
            engine=engine,
        )
    own = _draft(engine, _customer(engine, facts={"identity": identity()}), actor=Actor("sup1", "supervisor"))
    with pytest.raises(CaseError, match="four_eyes"):
        override_rules(
            case_id=own.case_id,
            supervisor="sup1",
            password=SUPERVISOR_PASSWORD,
            reason="本人",
            expected_version=own.version,
            engine=engine,
        )
    draft = override_rules(
        case_id=draft.case_id,
        supervisor="sup1",
        password=SUPERVISOR_PASSWORD,
        reason="不动产系统迁移中，客户已书面承诺",
        expected_version=draft.version,
        engine=engine,
    )
    assert draft.override_by == "sup1"
    case = submit_case(case_id=draft.case_id, staff=CLERK, expected_version=draft.version, engine=engine)
    assert (case.state, case.review_mode, case.paid) == ("submitted", "decide_first", False)  # not paid first
    assert _postings(engine, person_id) == []
    with session_scope(engine) as session:
        steps = [(step.action, step.actor, step.comment) for step in history(session, case.case_id)]
        assert ("override", "sup1", "不动产系统迁移中，客户已书面承诺") in steps
        with pytest.raises(CaseError, match="four_eyes"):  # who overrode does not approve
            perform(session, case_id=case.case_id, action="approve", actor=SUP, expected_version=case.version)
    with session_scope(engine) as session:
        approved = perform(
            session,
            case_id=case.case_id,
            action="approve",
            actor=Actor("sup2", "supervisor"),
            expected_version=case.version,
        )
        assert approved.paid_at is not None
    assert _postings(engine, person_id) == [("withdrawal", RENT_CAP_FEN, case.case_no)]
    assert _balance(engine, person_id) == 5_000_000 - RENT_CAP_FEN


# --- finding 2 and 10: the same customer paid twice ---------------------------------------------


def test_finding_2_a_second_rent_withdrawal_the_same_day_is_refused_and_the_first_is_on_the_account(engine):
    person_id = _customer(engine)
    first = _draft(engine, person_id)
    paid = submit_case(case_id=first.case_id, staff=CLERK, expected_version=first.version, engine=engine)
    assert paid.state == "paid" and paid.paid and paid.amount_fen == RENT_CAP_FEN
    assert _postings(engine, person_id) == [("withdrawal", RENT_CAP_FEN, paid.case_no)]
    assert _balance(engine, person_id) == 5_000_000 - RENT_CAP_FEN
    with session_scope(engine) as session:
        profile = load_profile(session, person_id, today=_today())
        assert [(w.case_no, w.amount_fen, w.reason_code) for w in profile.withdrawals] == [
            (paid.case_no, RENT_CAP_FEN, "07")
        ]
        again = checklist_for(session, person_id, "TQ401")
    interval = next(rule for rule in again.rules if rule.rule == "interval_12m")
    assert not interval.passed and "此前没有" not in interval.reason("zh-CN")
    second = _draft(engine, person_id, actor=CLERK2)  # another clerk, the same customer, the same day
    with pytest.raises(CaseError) as refused:
        submit_case(case_id=second.case_id, staff=CLERK2, expected_version=second.version, engine=engine)
    assert refused.value.key == "cases.workflow.rules_fail"
    assert len(_postings(engine, person_id)) == 1


def test_finding_10_a_retried_submission_returns_the_case_already_made(engine):
    person_id = _customer(engine)
    draft = _draft(engine, person_id)
    paid = submit_case(case_id=draft.case_id, staff=CLERK, expected_version=draft.version, engine=engine)
    # the page lost the answer (server restart, double click): the same draft is submitted again
    again = submit_case(case_id=draft.case_id, staff=CLERK, expected_version=draft.version, engine=engine)
    assert (again.case_no, again.state) == (paid.case_no, "paid")
    assert case_by_key(draft.submission_key, engine=engine).case_no == paid.case_no
    assert len(_postings(engine, person_id)) == 1


@pytest.mark.parametrize("same_draft", [False, True], ids=["two-clerks", "double-click"])
def test_concurrent_submissions_for_one_customer_pay_exactly_once(engine, same_draft):
    person_id = _customer(engine)
    drafts = [_draft(engine, person_id, actor=actor) for actor in (CLERK, CLERK2)]
    if same_draft:
        drafts = [drafts[0], drafts[0]]
    barrier, outcomes = threading.Barrier(2), []

    def submit(draft, actor) -> None:
        barrier.wait()
        try:
            outcomes.append(
                submit_case(case_id=draft.case_id, staff=actor, expected_version=draft.version, engine=engine).state
            )
        except CaseError as refused:
            outcomes.append(refused.key)

    actors = (CLERK, CLERK) if same_draft else (CLERK, CLERK2)
    threads = [threading.Thread(target=submit, args=pair) for pair in zip(drafts, actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("paid") >= 1 and len(_postings(engine, person_id)) == 1
    assert _balance(engine, person_id) == 5_000_000 - RENT_CAP_FEN
    with session_scope(engine) as session:
        assert session.exec(select(Case).where(Case.paid_at.is_not(None))).all().__len__() == 1
        assert reconcile(session) == []


# --- finding 3: amounts --------------------------------------------------------------------------


def test_finding_3_the_amount_defaults_to_the_maximum_cannot_exceed_it_and_is_on_the_notice(engine):
    person_id = _customer(engine, balance_yuan=10_000)  # the balance binds below the rent cap
    draft = _draft(engine, person_id)
    with session_scope(engine) as session:
        plan = amount_plan_for(checklist_for(session, person_id, "TQ401"))
    assert (plan.maximum_fen, plan.binding, plan.fixed) == (1_000_000, "within_balance", False)
    assert {rule.rule: rule.limit_fen for rule in plan.limits} == {
        "rent_cap": RENT_CAP_FEN,
        "within_balance": 1_000_000,
    }
    with pytest.raises(CaseError) as refused:
        submit_case(
            case_id=draft.case_id, staff=CLERK, expected_version=draft.version, amount_fen=1_000_001, engine=engine
        )
    assert refused.value.key == "cases.amount.above_maximum"
    assert "10,000.00" in refused.value.message("zh-CN")
    paid = submit_case(
        case_id=draft.case_id, staff=CLERK, expected_version=draft.version, amount_fen=600_050, engine=engine
    )
    assert paid.amount_fen == 600_050 and _balance(engine, person_id) == 1_000_000 - 600_050
    assert paid.payee_card == "621700*********0123"  # the joint card on file, masked
    notice = notice_for(case_no=paid.case_no, staff=CLERK, base_url="https://desk.example.cn", engine=engine)
    assert (notice.amount_fen, notice.payee_card, notice.paid) == (600_050, "621700*********0123", True)
    with session_scope(engine) as session:  # the public inquiry states it too, the card masked
        id_tail = session.get(Person, person_id).id_number[-4:]
        answer = inquire(session, case_no=paid.case_no, id_tail=id_tail, address="10.2.2.2")
    assert (answer.amount_fen, answer.payee_card, answer.paid) == (600_050, "621700*********0123", True)


def test_an_account_closing_withdrawal_pays_the_whole_balance_and_closes_the_account(engine):
    facts = {"identity": identity(), "retirement": {"retired": True, "retired_on": "2026-01-01"}}
    person_id = _customer(engine, balance_yuan=12_345, facts=facts)
    draft = _draft(engine, person_id, "TQ301")
    with session_scope(engine) as session:
        plan = amount_plan_for(checklist_for(session, person_id, "TQ301"))
    assert plan.fixed and plan.maximum_fen == 1_234_500
    with pytest.raises(CaseError, match="must_be_whole"), session_scope(engine) as session:
        case = get_case(session, draft.case_id)
        case.amount_fen = 100
        perform(session, case_id=case.id, action="submit", actor=CLERK, expected_version=case.version)


def test_another_card_is_paid_only_when_its_number_checks_and_was_captured(engine):
    person_id = _customer(engine)
    draft = _draft(engine, person_id)
    for card, key in (
        ("6217001234567890124", "cases.payee.bad_number"),  # Luhn fails
        ("6222021234567890128", "cases.payee.not_captured"),
    ):  # valid, but no M04 paper captured
        with pytest.raises(CaseError) as refused:
            submit_case(
                case_id=draft.case_id, staff=CLERK, expected_version=draft.version, payee_card=card, engine=engine
            )
        assert refused.value.key == key
    assert _postings(engine, person_id) == []


# --- finding 5: a returned case comes back to the clerk -------------------------------------------


def test_finding_5_a_returned_case_is_listed_first_reopened_under_its_number_and_resubmitted(engine):
    person_id = _customer(engine, owns=False)
    older = _draft(engine, _customer(engine), "TQ201")
    older = submit_case(
        case_id=older.case_id, staff=CLERK, expected_version=older.version, amount_fen=10_000, engine=engine
    )
    draft = _draft(engine, person_id, "TQ201")
    case = submit_case(
        case_id=draft.case_id, staff=CLERK, expected_version=draft.version, amount_fen=10_000, engine=engine
    )
    with session_scope(engine) as session:
        perform(
            session,
            case_id=case.case_id,
            action="return",
            actor=SUP,
            expected_version=case.version,
            comment="请补交近三个月还款流水",
        )
    listed = recent_cases(staff=CLERK, engine=engine)
    assert next((c.case_no, c.state) for c in listed) == (case.case_no, "returned")
    assert listed[0].comment == "请补交近三个月还款流水"
    assert [c.case_no for c in open_cases(person_id=person_id, engine=engine)] == [case.case_no]
    reopened = reopen_case(case_no=case.case_no, staff=CLERK, engine=engine)
    assert (reopened.state, reopened.return_comment) == ("returned", "请补交近三个月还款流水")
    with pytest.raises(CaseError, match="open_twin"):  # no second case beside the returned one
        twin = _draft(engine, person_id, "TQ201")
        submit_case(case_id=twin.case_id, staff=CLERK, expected_version=twin.version, amount_fen=10_000, engine=engine)
    again = submit_case(
        case_id=reopened.case_id, staff=CLERK, expected_version=reopened.version, amount_fen=10_000, engine=engine
    )
    assert (again.case_no, again.state) == (case.case_no, "submitted")
    assert older.case_no != case.case_no


# --- finding 6: numbered drafts leak --------------------------------------------------------------


def test_finding_6_a_refused_submission_leaves_no_numbered_draft_anywhere(engine):
    person_id = _customer(engine, owns=True)
    draft = _draft(engine, person_id)
    with pytest.raises(CaseError):
        submit_case(case_id=draft.case_id, staff=CLERK, expected_version=draft.version, engine=engine)
    with pytest.raises(CaseError):
        defer_material(
            case_id=draft.case_id,
            material="M11",
            promised_on=_today(),
            staff=CLERK,
            expected_version=draft.version,
            engine=engine,
        )
    assert draft.case_no is None and recent_cases(staff=CLERK, engine=engine) == []
    with session_scope(engine) as session:
        assert session.exec(select(Case.case_no).where(Case.case_no.is_not(None))).all() == []
        answer = inquire(session, case_no="DL2026-000001", id_tail="0000", address="10.1.1.1")
        assert not answer.found
    discard_draft(case_id=draft.case_id, staff=CLERK, engine=engine)
    with session_scope(engine) as session:
        assert get_case(session, draft.case_id).state == "discarded"


# --- claw-back and the books --------------------------------------------------------------------


def test_a_recourse_posts_the_clawback_and_reconcile_finds_every_difference(engine):
    person_id = _customer(engine)
    draft = _draft(engine, person_id)
    paid = submit_case(
        case_id=draft.case_id, staff=CLERK, expected_version=draft.version, amount_fen=300_000, engine=engine
    )
    with session_scope(engine) as session:
        case = get_case(session, paid.case_id)
        perform(
            session,
            case_id=case.id,
            action="recourse",
            actor=SUP,
            expected_version=case.version,
            comment="租赁合同不实",
            clawback_fen=300_000,
        )
    assert _postings(engine, person_id) == [("withdrawal", 300_000, paid.case_no), ("clawback", 300_000, paid.case_no)]
    assert _balance(engine, person_id) == 5_000_000
    with session_scope(engine) as session:
        assert reconcile(session) == []
        session.exec(select(PersonalAccount).where(PersonalAccount.person_id == person_id)).one().balance_fen += 1
    with session_scope(engine) as session:
        assert [d.kind for d in reconcile(session)] == ["balance_differs"]


def test_drafts_left_behind_by_a_restart_are_discarded_after_a_while(engine):
    person_id = _customer(engine)
    draft = _draft(engine, person_id)
    assert discard_stale_drafts(engine=engine) == 0  # a fresh draft stays: the clerk may still be at it
    assert discard_stale_drafts(older_than=timedelta(0), engine=engine) == 1
    with session_scope(engine) as session:
        assert get_case(session, draft.case_id).state == "discarded"


def test_while_another_server_sweeps_stale_drafts_this_one_skips_its_round(engine, db_url):
    person_id = _customer(engine)
    draft = _draft(engine, person_id)
    other_server = make_engine(db_url)
    try:
        with run_alone(STALE_SWEEP_JOB, other_server) as sweeping:
            assert sweeping
            meanwhile = discard_stale_drafts(older_than=timedelta(0), engine=engine)
    finally:
        other_server.dispose()
    with session_scope(engine) as session:
        state = get_case(session, draft.case_id).state
    if engine.dialect.name == "postgresql":
        assert (meanwhile, state) == (0, "draft")  # left for the server holding the lock
        assert discard_stale_drafts(older_than=timedelta(0), engine=engine) == 1  # its next round
    else:  # SQLite: one machine, one server, nothing to share the sweep with
        assert (meanwhile, state) == (1, "discarded")
