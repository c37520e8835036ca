"""The public progress inquiry: no login, a case number plus the last four characters of the
customer's ID number show the case's state and the dates of its steps, and nothing else.

A wrong pair, an unknown case number and malformed input all get the same answer (`NO_MATCH`),
so the inquiry never tells whether a case number exists. Attempts are counted in the database
per client address and failures per case number (the limits are in workflow.toml), so guessing
the four characters from one address or from many is cut short, and restarting or adding
servers does not reset the counts.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from desk.cases.tables import Case, CaseTransition, InquiryAttempt
from desk.cases.workflow import WorkflowRules, workflow_rules
from desk.cases.working_days import local_day
from desk.records.tables import Person

INQUIRY_PATH = "/inquiry"  # the public page; the notice's QR code points here


@dataclass(frozen=True)
class InquiryAnswer:
    """What the public page may show: the state and (state, date) of each step, or a refusal."""

    found: bool
    message_key: str
    state: str | None = None
    steps: tuple[tuple[str, date], ...] = ()
    retry_after_s: int = 0


NO_MATCH = InquiryAnswer(False, "cases.inquiry.no_match")


def _normalize(case_no: str, id_tail: str) -> tuple[str, str]:
    return case_no.strip().upper()[:20], id_tail.strip().upper().replace("×", "X")


def _bump(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """Count one attempt of `key` in the current window; returns the attempts so far in it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(InquiryAttempt).values(key=key, window_start=now, attempts=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    row = session.execute(select(InquiryAttempt).where(InquiryAttempt.key == key).with_for_update()).scalar_one()
    if now - row.window_start >= window:
        row.window_start, row.attempts = now, 0
    row.attempts += 1
    session.add(row)
    session.flush()
    return row.attempts


def _failures(session: Session, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
    row = session.get(InquiryAttempt, key)
    if row is None or now - row.window_start >= window:
        return 0, now
    return row.attempts, row.window_start


def _limited(since: datetime, now: datetime, window: timedelta) -> InquiryAnswer:
    wait = max(int((since + window - now).total_seconds()) + 1, 1)
    return InquiryAnswer(False, "cases.inquiry.rate_limited", retry_after_s=wait)


def _match(session: Session, case_no: str, id_tail: str) -> Case | None:
    row = session.execute(select(Case, Person.id_number).join(Person, Person.id == Case.person_id)
                          .where(Case.case_no == case_no)).first()
    # compare even when the case is unknown, so both paths take the same time
    actual = row[1][-4:].upper() if row is not None else "\0\0\0\0"
    same = hmac.compare_digest(actual.encode(), id_tail.encode())
    return row[0] if row is not None and same and len(id_tail) == 4 else None


def inquire(session: Session, *, case_no: str, id_tail: str, address: str, now: datetime | None = None,
            rules: WorkflowRules | None = None) -> InquiryAnswer:
    """The progress of `case_no` for a caller who knows the ID number's last four characters."""
    limits = (rules or workflow_rules()).inquiry
    now = now or datetime.now(UTC)
    window = timedelta(minutes=limits["window_minutes"])
    case_no, id_tail = _normalize(case_no, id_tail)
    if _bump(session, f"addr:{address}"[:120], now, window) > limits["max_attempts_per_address"]:
        row = session.get(InquiryAttempt, f"addr:{address}"[:120])
        return _limited(row.window_start if row else now, now, window)
    case_key = f"case:{case_no}"
    failures, since = _failures(session, case_key, now, window)
    if failures >= limits["max_failures_per_case"]:
        return _limited(since, now, window)
    case = _match(session, case_no, id_tail)
    if case is None:
        _bump(session, case_key, now, window)
        return NO_MATCH
    steps = session.execute(select(CaseTransition.to_state, CaseTransition.at)
                            .where(CaseTransition.case_id == case.id)
                            .order_by(CaseTransition.at, CaseTransition.id)).all()
    return InquiryAnswer(True, "cases.inquiry.found", case.state, tuple((state, local_day(at)) for state, at in steps))
