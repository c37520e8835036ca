"""The one-click lookup and the profile, on SQLite and PostgreSQL, over seeded demo data."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select, text

from desk.db import session_scope
from desk.i18n import t, use_language
from desk.records.demo_data import seed_database
from desk.records.lookup import (
    CANDIDATES,
    FOUND,
    INVALID_ID,
    MAX_COUNTED,
    NOT_FOUND,
    find_customer,
    lookup_customer,
)
from desk.records.profile import CustomerNotFound, load_profile
from desk.records.tables import Person, PersonalAccount, Withdrawal
from desk.security.access_log import AccessLog
from desk.validators import downgrade_id_18_to_15, id_check_char

TODAY = date(2026, 9, 15)
CUSTOMERS = 300


@pytest.fixture
def seeded(engine):
    seed_database(engine, customers=CUSTOMERS, seed=7, today=TODAY)
    return engine


def _person(session, where: str = "1 = 1") -> tuple[int, str, str, str, str]:
    return session.execute(
        text(
            "SELECT p.id, p.id_number, p.name, p.phone, a.account_no FROM person p "
            f"JOIN personal_account a ON a.person_id = p.id WHERE {where} ORDER BY p.id LIMIT 1"
        )
    ).one()


def _add_namesakes(session, name: str, phones: list[str], *, first: int = 0) -> list[int]:
    people = []
    for number, phone in enumerate(phones, start=first):
        body = f"11010519800101{number:03d}"
        people.append(
            Person(
                id_number=body + id_check_char(body),
                name=name,
                phone=phone,
                sex="M",
                birth_date=date(1980, 1, 1),
                address="北京市",
            )
        )
    session.add_all(people)
    session.flush()  # on PostgreSQL this also proves the seed moved the id sequence past its rows
    return [p.id for p in people]


def test_lookup_by_id_number_15_digits_and_account(seeded):
    with session_scope(seeded) as session:
        pid, id_number, _, _, account_no = _person(session, "p.birth_date < '2000-01-01'")
        assert find_customer(session, id_number, today=TODAY) == find_customer(session, f" {id_number.lower()} ")
        outcome = find_customer(session, id_number, today=TODAY)
        assert (outcome.kind, outcome.person_id, outcome.query_kind) == (FOUND, pid, "id_number")
        assert find_customer(session, downgrade_id_18_to_15(id_number), today=TODAY).person_id == pid
        by_account = find_customer(session, account_no)
        assert (by_account.kind, by_account.person_id, by_account.query_kind) == (FOUND, pid, "account_no")


def test_wrong_check_digit_gets_a_clear_message_in_both_languages(seeded):
    with session_scope(seeded) as session:
        _, id_number, *_ = _person(session)
        wrong = id_number[:17] + ("0" if id_number[17] != "0" else "1")
        outcome = find_customer(session, wrong, today=TODAY)
    assert (outcome.kind, outcome.message_key) == (INVALID_ID, "records.id_problem.check_char")
    with use_language("zh-CN"):
        assert "校验位" in outcome.message()
    with use_language("en"):
        assert "check character" in outcome.message()


def test_unknown_customer_says_so(seeded):
    body = "11010519750505123"  # a valid number of nobody in a Dalian-only database
    with session_scope(seeded) as session:
        for query in (body + id_check_char(body), "999999999999", "查无此人"):
            outcome = find_customer(session, query, today=TODAY)
            assert (outcome.kind, outcome.message_key) == (NOT_FOUND, "records.lookup.not_found"), query
        with use_language("zh-CN"):
            assert outcome.message() == "未找到该客户"


def test_bad_inputs_never_raise(seeded):
    with session_scope(seeded) as session:
        assert find_customer(session, "   ").message_key == "records.lookup.empty"
        assert find_customer(session, "12345").message_key == "records.lookup.unrecognised"
        assert find_customer(session, "2102031990010112").kind == INVALID_ID  # 16 digits: a mistyped ID
        assert find_customer(session, "张3伟").message_key == "records.lookup.unrecognised"
        assert find_customer(session, "张伟 123").message_key == "records.lookup.phone_format"
        assert find_customer(session, "'; DROP TABLE person; --").kind == NOT_FOUND
        assert session.execute(select(func.count()).select_from(Person)).scalar_one() == CUSTOMERS


def test_name_with_phone_disambiguates_namesakes(seeded):
    with session_scope(seeded) as session:
        first, second = _add_namesakes(session, "测试伟", ["13800001234", "13900005678"])
        outcome = find_customer(session, "测试伟", today=TODAY)
        assert outcome.kind == CANDIDATES and outcome.total == 2
        assert [c.person_id for c in outcome.candidates] == [first, second]
        # the name the clerk typed is shown as typed (every candidate bears it); the age tells them apart
        assert outcome.candidates[0].name == "测试伟" and outcome.candidates[0].phone == "138****1234"
        assert [c.age for c in outcome.candidates] == [46, 46]  # born 1980-01-01, on 2026-09-15
        assert outcome.candidates[0].id_number.startswith("1101") and "*" in outcome.candidates[0].id_number
        assert find_customer(session, "测试伟 5678").person_id == second
        assert find_customer(session, "测 试 伟13800001234").person_id == first
        assert find_customer(session, "测试伟 0000").kind == NOT_FOUND


def test_many_namesakes_give_a_short_list_and_the_count(seeded):
    with session_scope(seeded) as session:
        _add_namesakes(session, "同名", [f"1370000{n:04d}" for n in range(13)])
        outcome = find_customer(session, "同名")
    assert outcome.kind == CANDIDATES and outcome.total == 13 and len(outcome.candidates) == 10
    assert outcome.message_key == "records.lookup.candidates_more"


def test_a_name_very_many_share_is_counted_only_as_over_the_limit(seeded):
    """The commonest names of a large centre are borne by thousands: the lookup stops counting past
    MAX_COUNTED (the clerk needs the phone anyway) instead of counting them all on every lookup."""
    with session_scope(seeded) as session:
        _add_namesakes(session, "常见名", [f"1360{n:07d}" for n in range(MAX_COUNTED + 5)])
        over = find_customer(session, "常见名")
        _add_namesakes(session, "较多名", [f"1350{n:07d}" for n in range(MAX_COUNTED)], first=200)
        at = find_customer(session, "较多名")
    assert over.kind == CANDIDATES and len(over.candidates) == 10 and over.total == MAX_COUNTED + 1
    assert over.message_key == "records.lookup.candidates_over"
    with use_language("zh-CN"):
        assert over.message().startswith(f"同名客户超过 {MAX_COUNTED} 位")
    with use_language("en"):
        assert over.message().startswith(f"More than {MAX_COUNTED} customers")
    assert at.total == MAX_COUNTED and at.message_key == "records.lookup.candidates_more"


def test_namesakes_are_listed_by_phone_and_the_last_four_digits_pick_among_many(seeded):
    with session_scope(seeded) as session:
        phones = [f"13{n % 10}{n:04d}{(7 - n) % 10}{n:03d}" for n in range(14)]  # not added in phone order
        phones[5], phones[11] = "13700005555", "13900015555"  # two share their last four digits
        ids = dict(zip(phones, _add_namesakes(session, "多同名", phones), strict=True))
        listed = find_customer(session, "多同名")
        assert listed.kind == CANDIDATES and listed.total == 14
        assert [c.person_id for c in listed.candidates] == [ids[phone] for phone in sorted(phones)[:10]]
        pair = find_customer(session, "多同名 5555")
        assert pair.kind == CANDIDATES and pair.total == 2
        assert [c.person_id for c in pair.candidates] == [ids["13700005555"], ids["13900015555"]]
        one = phones[3]
        assert find_customer(session, f"多同名 {one[-4:]}").person_id == ids[one]
        assert find_customer(session, "多同名 0000").kind == NOT_FOUND


def test_every_lookup_writes_an_access_log_row(seeded):
    with session_scope(seeded) as session:
        pid, id_number, *_ = _person(session)
        outcome, profile = lookup_customer(session, id_number, staff="clerk07", purpose="rent withdrawal", today=TODAY)
        assert outcome.kind == FOUND and profile.person.person_id == pid
        missing, nothing = lookup_customer(session, "999999999999", staff="clerk07", purpose="inquiry")
        assert missing.kind == NOT_FOUND and nothing is None
    with session_scope(seeded) as session:
        rows = session.execute(
            select(AccessLog.staff, AccessLog.action, AccessLog.person_id, AccessLog.purpose).order_by(AccessLog.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("clerk07", "lookup", pid, "rent withdrawal"),
        ("clerk07", "lookup", None, "inquiry"),
    ]


def test_profile_holds_everything_with_sources(seeded):
    with session_scope(seeded) as session:
        pid = session.execute(
            text(
                "SELECT a.person_id FROM personal_account a JOIN withdrawal w "
                "ON w.account_id = a.id WHERE w.reason_code = '07' "
                "ORDER BY a.person_id LIMIT 1"
            )
        ).scalar_one()
        profile = load_profile(session, pid, today=TODAY)
        with pytest.raises(CustomerNotFound):
            load_profile(session, 10**9, today=TODAY)
    assert profile.person.person_id == pid and len(profile.person.id_number) == 18
    assert profile.account is not None and profile.account.status_label
    assert profile.employer is not None and profile.employer.credit_code
    assert 0 < len(profile.deposits) <= 24
    assert all(d.period >= date(2024, 9, 1) for d in profile.deposits)
    assert [d.period for d in profile.deposits] == sorted((d.period for d in profile.deposits), reverse=True)
    rent = [w for w in profile.withdrawals if w.reason_code == "07"]
    assert profile.next_allowed["07"] == rent[0].next_allowed_on
    assert rent[0].next_allowed_on.year == rent[0].withdrawn_on.year + 1
    kinds = [answer.kind for answer in profile.registry]
    assert len(kinds) == len(set(kinds)) and {
        "identity",
        "hukou",
        "marriage",
        "property",
        "credit",
        "retirement",
    } <= set(kinds)
    identity = profile.answer("identity")
    assert identity.proven and identity.source == "mps_population" and identity.as_of.tzinfo is not None
    assert identity.get("name") == profile.person.name
    json.dumps(profile.to_json(), ensure_ascii=False)


def test_next_withdrawal_after_29_february(seeded):
    with session_scope(seeded) as session:
        pid, account_id = session.execute(
            select(PersonalAccount.person_id, PersonalAccount.id).order_by(PersonalAccount.id).limit(1)
        ).one()
        session.execute(text("DELETE FROM withdrawal WHERE account_id = :a"), {"a": account_id})
        session.add(
            Withdrawal(account_id=account_id, reason_code="07", amount_fen=2_160_000, withdrawn_on=date(2024, 2, 29))
        )
        session.add(
            Withdrawal(account_id=account_id, reason_code="01", amount_fen=10_000_000, withdrawn_on=date(2023, 5, 31))
        )
        session.flush()
        profile = load_profile(session, pid, today=date(2024, 6, 1))
    assert profile.next_allowed == {"07": date(2025, 2, 28)}
    assert [w.next_allowed_on for w in profile.withdrawals] == [date(2025, 2, 28), None]


def test_labels_follow_the_language(seeded):
    with session_scope(seeded) as session:
        profile = load_profile(session, 1, today=TODAY)
    code = profile.account.status_code
    with use_language("en"):
        english = profile.account.status_label
    with use_language("zh-CN"):
        chinese = profile.account.status_label
    assert english == t(f"records.account_status.{code}", "en") and chinese == t(f"records.account_status.{code}")
    assert english != chinese
