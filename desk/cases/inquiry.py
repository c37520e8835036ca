"""The public progress inquiry: no login, a case number plus the last four characters of the
customer's ID number show the case's state and the dates of its steps; a returned case also shows
the supervisor's reason and the materials still to bring. Nothing else.

An empty or malformed entry (not a case number like DL2026-000123, or not four characters of 0-9
and X) is answered with what to fix and counts nothing: a customer mistyping on a phone is no
guesser. A well-formed pair that does not match — a wrong pair or an unknown case number — gets one
and the same answer (`NO_MATCH`), so the inquiry never tells whether a case number exists.

Failures slow further attempts down, per case number and per client address, with waits that
grow and stop at a cap of seconds (`[inquiry]` in workflow.toml): one guesser on a hall's shared
Wi-Fi makes the others wait a minute at most, never locks them out, yet cannot guess quickly from
one address or from many. This follows desk.security.login_throttle. The counts live in the
database (`InquiryAttempt`, one row per key, locked while a request checks and counts), so
restarting or adding servers does not reset them and parallel requests cannot slip past a wait.
"""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from desk.cases.tables import Case, CaseTransition, InquiryAttempt
from desk.cases.to_bring import ToBring, still_to_bring
from desk.cases.workflow import WorkflowRules, workflow_rules
from desk.cases.working_days import local_day
from desk.records.tables import Person
from desk.security.masking import mask_card

INQUIRY_PATH = "/inquiry"  # the public page; the notice's QR code points here
RETURN_ACTION = "return"  # the workflow action whose comment tells a customer what to fix
ID_TAIL = re.compile(r"[0-9X]{4}")


@dataclass(frozen=True)
class InquiryAnswer:
    """What the public page may show: the state and (state, date) of each step — for a returned
    case also the return reason and what is still to bring — or a refusal (maybe with a wait)."""

    found: bool
    message_key: str
    state: str | None = None
    steps: tuple[tuple[str, date], ...] = ()
    retry_after_s: int = 0
    return_comment: str = ""
    to_bring: tuple[ToBring, ...] = ()
    amount_fen: int | None = None  # what the case pays
    payee_card: str | None = None  # masked: first 6 and last 4 digits
    paid: bool = False


class _Money(TypedDict):
    """The money fields of a found answer."""

    amount_fen: int | None
    payee_card: str | None
    paid: bool


NO_MATCH = InquiryAnswer(False, "cases.inquiry.no_match")


def _normalize(case_no: str, id_tail: str) -> tuple[str, str]:
    return case_no.strip().upper()[:20], id_tail.strip().upper().replace("×", "X")


def malformed(case_no: str, id_tail: str, prefix: str) -> str | None:
    """The message key of what is wrong with a normalized entry's form, or None when well-formed."""
    if not case_no or not id_tail:
        return "cases.inquiry.incomplete"
    if not re.fullmatch(rf"{re.escape(prefix)}\d{{4}}-\d{{6}}", case_no):
        return "cases.inquiry.bad_case_no"
    if not ID_TAIL.fullmatch(id_tail):
        return "cases.inquiry.bad_id_tail"
    return None


def wait_after(failures: int, free: int, limits: Mapping[str, int]) -> int:
    """Seconds a key waits after its `failures`-th recent failure: none while free, then doubling to the cap."""
    over = failures - free
    if over <= 0:
        return 0
    return min(limits["first_wait_s"] * 2 ** min(over - 1, 30), limits["max_wait_s"])


def _aware(at: datetime) -> datetime:
    # SQLite hands stored UTC times back without a zone
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _locked_rows(session: Session, keys: list[str], now: datetime) -> list[InquiryAttempt]:
    """The rows of `keys`, created if missing and locked for update, in key order (no deadlocks)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for key in sorted(keys):
        # insert-or-ignore first: on SQLite this write takes the database's write lock, so the
        # check below and the count after it run one request at a time, as FOR UPDATE does on PostgreSQL
        session.execute(
            insert(InquiryAttempt)
            .values(key=key, window_start=now, attempts=0)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    return list(
        session.execute(
            select(InquiryAttempt)
            .where(col(InquiryAttempt.key).in_(keys))
            .order_by(InquiryAttempt.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )


# An InquiryAttempt row counts a key's recent failures in `attempts`; `window_start` is the time of
# the last one (the table keeps its old column names, so existing databases need no migration).
def _recent_failures(row: InquiryAttempt, now: datetime, limits: Mapping[str, int]) -> int:
    quiet = now - _aware(row.window_start) >= timedelta(minutes=limits["forget_after_minutes"])
    return 0 if quiet else row.attempts


def _free(row: InquiryAttempt, limits: Mapping[str, int]) -> int:
    # a hall's customers share one address, so the address gets more slack than one case number
    return limits["free_failures_per_address" if row.key.startswith("addr:") else "free_failures_per_case"]


def _seconds_left(row: InquiryAttempt, now: datetime, limits: Mapping[str, int]) -> int:
    """Whole seconds before `row`'s key may try again (0: now)."""
    wait = wait_after(_recent_failures(row, now, limits), _free(row, limits), limits)
    left = (_aware(row.window_start) + timedelta(seconds=wait) - now).total_seconds()
    return max(0, math.ceil(left)) if wait else 0


def _count_failure(row: InquiryAttempt, now: datetime, limits: Mapping[str, int]) -> None:
    row.attempts = _recent_failures(row, now, limits) + 1
    row.window_start = now


def _match(session: Session, case_no: str, id_tail: str) -> Case | None:
    row = session.execute(
        select(Case, col(Person.id_number))
        .join(Person, col(Person.id) == col(Case.person_id))
        .where(col(Case.case_no) == case_no)
    ).first()
    # compare even when the case is unknown, so both paths take the same time
    actual = row[1][-4:].upper() if row is not None else "\0\0\0\0"
    same = hmac.compare_digest(actual.encode(), id_tail.encode())
    return row[0] if row is not None and same else None


def _return_comment(session: Session, case_id: int) -> str:
    """The comment of the case's latest return (the supervisor's reason)."""
    comment = session.execute(
        select(col(CaseTransition.comment))
        .where(col(CaseTransition.case_id) == case_id, col(CaseTransition.action) == RETURN_ACTION)
        .order_by(col(CaseTransition.at).desc(), col(CaseTransition.id).desc())
        .limit(1)
    ).scalar()
    return (comment or "").strip()


def _answer(session: Session, case: Case, rules: WorkflowRules) -> InquiryAnswer:
    """The found answer: steps, and for a returned case what the customer has to fix."""
    steps = session.execute(
        select(col(CaseTransition.to_state), col(CaseTransition.at))
        .where(col(CaseTransition.case_id) == case.id)
        .order_by(col(CaseTransition.at), col(CaseTransition.id))
    ).all()
    dated = tuple((state, local_day(_aware(at))) for state, at in steps)
    assert case.id is not None, "read from the database"
    money: _Money = {
        "amount_fen": case.amount_fen,
        "payee_card": mask_card(case.payee_card),
        "paid": case.paid_at is not None,
    }
    if case.state not in {tr.to for tr in rules.transitions if tr.action == RETURN_ACTION}:
        return InquiryAnswer(True, "cases.inquiry.found", case.state, dated, **money)
    return InquiryAnswer(
        True,
        "cases.inquiry.found",
        case.state,
        dated,
        **money,
        return_comment=_return_comment(session, case.id),
        to_bring=still_to_bring(session, case.id),
    )


def inquire(
    session: Session,
    *,
    case_no: str,
    id_tail: str,
    address: str,
    now: datetime | None = None,
    rules: WorkflowRules | None = None,
) -> InquiryAnswer:
    """The progress of `case_no` for a caller who knows the ID number's last four characters."""
    rules = rules or workflow_rules()
    limits = rules.inquiry
    now = now or datetime.now(UTC)
    case_no, id_tail = _normalize(case_no, id_tail)
    problem = malformed(case_no, id_tail, rules.case_number_prefix)
    if problem:
        return InquiryAnswer(False, problem)
    case_key = f"case:{case_no}"
    rows = _locked_rows(session, [f"addr:{address}"[:120], case_key], now)
    wait = max(_seconds_left(row, now, limits) for row in rows)
    if wait:  # a refusal to wait checks nothing, so it counts nothing
        return InquiryAnswer(False, "cases.inquiry.rate_limited", retry_after_s=wait)
    case = _match(session, case_no, id_tail)
    for row in rows:
        if case is None:
            _count_failure(row, now, limits)
        elif row.key == case_key:
            row.attempts = 0  # the owner got in: the number's failures are moot (the address's stay)
        session.add(row)
    session.flush()
    return NO_MATCH if case is None else _answer(session, case, rules)
