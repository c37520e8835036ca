"""Test customers written into the real records tables, so checklists and cases read them like
any other customer (no stand-in objects): a person, an account, deposits, withdrawals, loans and
registry facts with their source."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from desk.records.calendar_months import add_months, month_start
from desk.records.registries import source_of_kind
from desk.records.tables import DepositEntry, Loan, Person, PersonalAccount, RegistryFact, Withdrawal
from desk.security.passwords import hash_password
from desk.security.staff import Staff
from desk.validators import id_check_char

_serial = itertools.count(1)
DEMO_TODAY = date(2026, 11, 16)  # the demo data and every checklist on it use this day
DEMO_CUSTOMERS = 1000
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Dalian


@dataclass(frozen=True)
class Actor:
    """A staff member as the workflow sees one."""

    username: str
    role: str


CLERK, CLERK2 = Actor("clerk1", "clerk"), Actor("clerk2", "clerk")
SUP, SUP2, SUP3 = Actor("sup1", "supervisor"), Actor("sup2", "supervisor"), Actor("sup3", "supervisor")
ARCHIVIST = Actor("arch1", "archivist")


def id_number_for(birth: date, sex: str, district: str = "210202") -> str:
    """A valid ID number (check character included) for a birth date and sex."""
    sequence = next(_serial) % 500 * 2 + (1 if sex == "M" else 2)
    body = f"{district}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)


def add_customer(
    session: Session,
    *,
    today: date,
    sex: str = "M",
    birth: date = date(1988, 5, 17),
    status: str = "01",
    status_since: date | None = None,
    balance_yuan: int = 50_000,
    base_yuan: int = 8_000,
    deposit_months: int = 24,
    card: str | None = "6217001234567890123",
    withdrawals: list[tuple[str, date, int]] = (),
    loans: list[dict[str, Any]] = (),
    facts: dict[str, dict[str, Any]] | None = None,
    name: str = "于海洋",
    as_of: datetime | None = None,
) -> Person:
    """A customer with an account and the given facts; `deposit_months` counts back from last month."""
    person = Person(
        id_number=id_number_for(birth, sex),
        name=name,
        phone=f"139{next(_serial):08d}",
        sex=sex,
        birth_date=birth,
        address="大连市中山区人民路 1 号",
    )
    session.add(person)
    session.flush()
    last_month = add_months(month_start(today), -1)
    account = PersonalAccount(
        account_no=f"{next(_serial) + 900_000_000_000:012d}",
        person_id=person.id,
        status=status,
        status_since=status_since or date(2015, 3, 1),
        opened_on=date(2015, 3, 1),
        balance_fen=balance_yuan * 100,
        deposit_base_fen=base_yuan * 100,
        personal_rate_pct=12,
        employer_rate_pct=12,
        monthly_deposit_fen=base_yuan * 24,
        deposit_months_total=deposit_months,
        last_deposit_month=last_month if deposit_months else None,
        bank_card_no=card or "",
    )
    session.add(account)
    session.flush()
    for back in range(deposit_months):
        session.add(
            DepositEntry(account_id=account.id, period=add_months(last_month, -back), amount_fen=base_yuan * 24)
        )
    for reason, day, amount_yuan in withdrawals:
        session.add(
            Withdrawal(account_id=account.id, reason_code=reason, amount_fen=amount_yuan * 100, withdrawn_on=day)
        )
    # the books agree from the start: what the ledger rows do not explain was brought forward
    account.brought_forward_fen = (
        account.balance_fen
        - deposit_months * base_yuan * 24
        + sum(amount_yuan * 100 for _reason, _day, amount_yuan in withdrawals)
    )
    session.add(account)
    for loan in loans:
        session.add(
            Loan(
                loan_no=f"L{next(_serial):09d}",
                person_id=person.id,
                **{
                    "amount_fen": 50_000_000,
                    "annual_rate_millipct": 2600,
                    "term_months": 360,
                    "issued_on": date(2020, 1, 1),
                    "repayment_method": "01",
                    "monthly_payment_fen": 200_000,
                    "outstanding_fen": 40_000_000,
                    "status": "open",
                    "home_kind": "first",
                    **loan,
                },
            )
        )
    for kind, payload in (facts or {}).items():
        session.add(
            RegistryFact(
                person_id=person.id,
                kind=kind,
                source=source_of_kind(kind),
                as_of=as_of or datetime(2026, 11, 1, 1, 30, tzinfo=UTC),
                payload=json.loads(json.dumps(payload, default=str)),
            )
        )
    session.flush()
    return person


SUPERVISOR_PASSWORD = "Supervise2026x"


@lru_cache(maxsize=1)
def _supervisor_hash() -> str:
    return hash_password(SUPERVISOR_PASSWORD)  # argon2 is slow on purpose: once per run


def add_staff(session: Session, username: str, role: str = "supervisor") -> Staff:
    """A staff account with SUPERVISOR_PASSWORD (a supervisor authorises overrides with their own password)."""
    staff = Staff(username=username, display_name=username, role=role, password_hash=_supervisor_hash())
    session.add(staff)
    session.flush()
    return staff


def identity(name: str = "于海洋") -> dict[str, Any]:
    """An identity fact of a living person."""
    return {"name": name, "alive": True, "died_on": None}


def married_to(spouse: Person | None, spouse_id_number: str | None = None) -> dict[str, Any]:
    """A marriage fact naming the spouse."""
    return {
        "status": "married",
        "spouse_id_number": spouse.id_number if spouse else spouse_id_number,
        "spouse_name": spouse.name if spouse else "曲丽",
        "registered_on": "2012-10-01",
    }


def hukou(district: str = "中山区", local: bool = True) -> dict[str, Any]:
    """A household-registration fact."""
    return {
        "city": "大连市" if local else "沈阳市",
        "district": district if local else None,
        "local_to_dalian": local,
        "cancelled": False,
        "cancel_reason": None,
    }


def owns_home(owns: bool) -> dict[str, Any]:
    """A property fact: one registered home, or none."""
    homes = (
        [
            {
                "cert_no": "辽(2019)大连市不动产权第0123456号",
                "address": "大连市中山区",
                "area_m2": 89.5,
                "registered_on": "2019-06-01",
                "mortgaged": False,
            }
        ]
        if owns
        else []
    )
    return {"owns_home_in_dalian": owns, "homes": homes}
