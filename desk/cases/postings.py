"""Money moving on the customer's account: the withdrawal a case pays and the claw-back (追回) of one,
each written in the transaction that changes the case's state, and the check that the books agree.

- `lock_customer` is the first statement of every transaction that may pay: a row lock on the
  person on PostgreSQL, the database write lock on SQLite. Two clerks paying the same customer
  at once are served one after the other, and the second re-checks the rules against the first's
  payment.
- `post_withdrawal` / `post_clawback` append one `Withdrawal` row carrying the case number and move
  the balance in the same transaction; the unique (case_no, kind) index makes a second posting of
  the same case impossible, whatever the code above it does.
- `reconcile` lists every difference between cases, postings and balances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlmodel import Session, col

from desk.cases.catalog import get_catalog
from desk.cases.tables import Case
from desk.cases.working_days import local_day
from desk.records.tables import DepositEntry, Person, PersonalAccount, Withdrawal

WITHDRAWAL, CLAWBACK = "withdrawal", "clawback"
CLOSED_BY_WITHDRAWAL = "05"  # personal account status 提取销户 (domain.md §4)


class PostingRefused(ValueError):
    """The account cannot take this posting; `key` is the i18n message key."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def lock_customer(session: Session, *, case_id: int | None = None, person_id: int | None = None) -> None:
    """Serialise every paying transaction of one customer (the customer of `case_id`, or `person_id`)."""
    target = (
        person_id
        if person_id is not None
        else select(col(Case.person_id)).where(col(Case.id) == case_id).scalar_subquery()
    )
    session.execute(update(Person).where(col(Person.id) == target).values(name=Person.name))


def customer_account(session: Session, person_id: int) -> PersonalAccount | None:
    """The customer's personal account (the oldest, where there were several)."""
    return (
        session.execute(
            select(PersonalAccount)
            .where(col(PersonalAccount.person_id) == person_id)
            .order_by(col(PersonalAccount.id))
            .execution_options(populate_existing=True)
        )
        .scalars()
        .first()
    )


def post_withdrawal(session: Session, case: Case, *, actor: str, now: datetime) -> Withdrawal:
    """Pay `case.amount_fen` out of the customer's account for the case; closes the account where the business does."""
    business = get_catalog().get_business(case.business_code)
    assert business is not None, "a case's business is in the catalog"
    account = customer_account(session, case.person_id)
    amount = case.amount_fen or 0
    if account is None:
        raise PostingRefused("cases.posting.no_account")
    assert account.id is not None, "read from the database"
    if amount <= 0 or amount > account.balance_fen:
        raise PostingRefused("cases.posting.above_balance", amount_fen=amount, balance_fen=account.balance_fen)
    row = Withdrawal(
        account_id=account.id,
        reason_code=business.reason_code or "99",
        amount_fen=amount,
        withdrawn_on=local_day(now),
        kind=WITHDRAWAL,
        case_no=case.case_no,
        posted_by=actor,
        posted_at=now,
    )
    session.add(row)
    values: dict[str, object] = {"balance_fen": PersonalAccount.balance_fen - amount}
    if business.closes_account:
        values.update(status=CLOSED_BY_WITHDRAWAL, status_since=local_day(now))
    # an UPDATE's result is a CursorResult, which counts its rows (Session.execute is typed for any statement)
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(PersonalAccount)
            .where(col(PersonalAccount.id) == account.id, col(PersonalAccount.balance_fen) >= amount)
            .values(**values)
        ),
    )
    if moved.rowcount != 1:
        raise PostingRefused("cases.posting.above_balance", amount_fen=amount, balance_fen=account.balance_fen)
    session.flush()
    return row


def post_clawback(session: Session, case: Case, *, amount_fen: int, actor: str, now: datetime) -> Withdrawal:
    """Put a recovered amount of a paid case back on the customer's account (追回)."""
    account = customer_account(session, case.person_id)
    if account is None:
        raise PostingRefused("cases.posting.no_account")
    assert account.id is not None, "read from the database"
    business = get_catalog().get_business(case.business_code)
    assert business is not None, "a case's business is in the catalog"
    row = Withdrawal(
        account_id=account.id,
        reason_code=business.reason_code or "99",
        amount_fen=amount_fen,
        withdrawn_on=local_day(now),
        kind=CLAWBACK,
        case_no=case.case_no,
        posted_by=actor,
        posted_at=now,
    )
    session.add(row)
    session.execute(
        update(PersonalAccount)
        .where(col(PersonalAccount.id) == account.id)
        .values(balance_fen=PersonalAccount.balance_fen + amount_fen)
    )
    session.flush()
    return row


@dataclass(frozen=True)
class Difference:
    """One disagreement of the books: what (`kind`), where (`subject`), expected and found."""

    kind: str  # paid_without_posting | posting_twice | posting_without_case | amount_differs | balance_differs …
    subject: str  # a case number or an account number
    expected: int | None = None
    found: int | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "subject": self.subject, "expected": self.expected, "found": self.found}


def _postings_by_case(session: Session, kind: str) -> dict[str, list[int]]:
    rows = session.execute(
        select(col(Withdrawal.case_no), col(Withdrawal.amount_fen)).where(
            col(Withdrawal.case_no).is_not(None), col(Withdrawal.kind) == kind
        )
    ).all()
    out: dict[str, list[int]] = {}
    for case_no, amount in rows:
        out.setdefault(case_no, []).append(amount)
    return out


def _case_differences(session: Session) -> list[Difference]:
    paid = {
        case.case_no: case for case in session.execute(select(Case).where(col(Case.paid_at).is_not(None))).scalars()
    }
    clawed = {
        case.case_no: case
        for case in session.execute(
            select(Case).where(col(Case.clawback_fen).is_not(None), col(Case.clawback_fen) > 0)
        ).scalars()
    }
    out: list[Difference] = []
    for kind, cases, amount_of in (
        (WITHDRAWAL, paid, lambda c: c.amount_fen),
        (CLAWBACK, clawed, lambda c: c.clawback_fen),
    ):
        postings = _postings_by_case(session, kind)
        for case_no, case in sorted(cases.items()):
            found = postings.get(case_no, [])
            if not found:
                out.append(Difference(f"{kind}_missing", case_no, amount_of(case), None))
            elif len(found) > 1:
                out.append(Difference(f"{kind}_twice", case_no, 1, len(found)))
            elif found[0] != amount_of(case):
                out.append(Difference(f"{kind}_amount_differs", case_no, amount_of(case), found[0]))
        out += [
            Difference(f"{kind}_without_case", case_no, None, sum(amounts))
            for case_no, amounts in sorted(postings.items())
            if case_no not in cases
        ]
    return out


def _balance_differences(session: Session) -> list[Difference]:
    deposits = (
        select(col(DepositEntry.account_id), func.sum(DepositEntry.amount_fen).label("total"))
        .group_by(col(DepositEntry.account_id))
        .subquery()
    )
    out_sum = (
        select(col(Withdrawal.account_id), func.sum(Withdrawal.amount_fen).label("total"))
        .where(col(Withdrawal.kind) == WITHDRAWAL)
        .group_by(col(Withdrawal.account_id))
        .subquery()
    )
    back_sum = (
        select(col(Withdrawal.account_id), func.sum(Withdrawal.amount_fen).label("total"))
        .where(col(Withdrawal.kind) == CLAWBACK)
        .group_by(col(Withdrawal.account_id))
        .subquery()
    )
    expected = (
        PersonalAccount.brought_forward_fen
        + func.coalesce(deposits.c.total, 0)
        - func.coalesce(out_sum.c.total, 0)
        + func.coalesce(back_sum.c.total, 0)
    )
    rows = session.execute(
        select(col(PersonalAccount.account_no), col(PersonalAccount.balance_fen), expected)
        .outerjoin(deposits, deposits.c.account_id == PersonalAccount.id)
        .outerjoin(out_sum, out_sum.c.account_id == PersonalAccount.id)
        .outerjoin(back_sum, back_sum.c.account_id == PersonalAccount.id)
        .where(col(PersonalAccount.balance_fen) != expected)
        .order_by(PersonalAccount.account_no)
    ).all()
    return [Difference("balance_differs", account_no, int(should), balance) for account_no, balance, should in rows]


def reconcile(session: Session) -> list[Difference]:
    """Every paid case has exactly one posting of its amount (and a claw-back one of its claw-back),
    every posting of the desk a case, and every balance = brought forward + deposits - withdrawals + claw-backs."""
    return _case_differences(session) + _balance_differences(session)
