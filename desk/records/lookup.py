"""The one-click lookup: one input takes an ID number, a personal account number, or a name
(optionally followed by a phone number or its last four digits).

`find_customer(session, query)` says what the input matched; `lookup_customer(...)` also loads
the profile and writes the access-log row every lookup owes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from desk.i18n import t
from desk.records.profile import CustomerProfile, age_on, load_profile
from desk.records.tables import ACCOUNT_NO_LENGTH, Person, PersonalAccount
from desk.security.access_log import log_access
from desk.security.masking import mask_id_number, mask_phone
from desk.validators import FULL_WIDTH_DIGITS, check_id_number, normalize_id_input

FOUND = "found"
CANDIDATES = "candidates"
INVALID_ID = "invalid_id"
NOT_FOUND = "not_found"
MAX_CANDIDATES = 10
# Namesakes are counted up to here: past it the clerk needs the phone anyway, and the commonest names
# of ten million customers (6,000 people each) would make every lookup of them count the whole run
MAX_COUNTED = 100
# Digit strings of these lengths are taken for an ID number (15, 18) or a mistyped one.
_ID_LENGTHS = {14, 15, 16, 17, 18, 19}
_CJK = re.compile(r"[\u3400-\u9fff]")
_NAME_AND_PHONE = re.compile(r"^(?P<name>\D+?)\s*(?P<phone>\d+)?$")

# Statements are built once: building a SQLAlchemy statement costs more than running it on SQLite.
_BY_ID_NUMBER = select(col(Person.id)).where(col(Person.id_number) == bindparam("number"))
_BY_ACCOUNT_NO = select(col(PersonalAccount.person_id)).where(col(PersonalAccount.account_no) == bindparam("number"))
_NAME_CONDITIONS = {
    "name": (col(Person.name) == bindparam("name"),),
    "phone": (col(Person.name) == bindparam("name"), col(Person.phone) == bindparam("phone")),
    "last4": (col(Person.name) == bindparam("name"), col(Person.phone).like(bindparam("phone"))),
}
_NAMESAKE = aliased(Person)
# The rows are read in the order of the (name, phone) index and stop at MAX_CANDIDATES + 1: a name
# thousands of customers share (10 million customers, `desk bench scale`) would otherwise fetch every
# one of them to sort by id. The last four digits are matched in that index first (an index-only
# scan), so only the customers whose phone matches are fetched.
_ROW_CONDITIONS = {
    **_NAME_CONDITIONS,
    "last4": (
        col(Person.name) == bindparam("name"),
        col(Person.phone).in_(
            select(col(_NAMESAKE.phone)).where(
                col(_NAMESAKE.name) == bindparam("name"), col(_NAMESAKE.phone).like(bindparam("phone"))
            )
        ),
    ),
}
_BY_NAME = {
    variant: select(col(Person.id), col(Person.name), col(Person.id_number), col(Person.phone), col(Person.birth_date))
    .where(*condition)
    .order_by(col(Person.phone), col(Person.id))
    .limit(MAX_CANDIDATES + 1)
    for variant, condition in _ROW_CONDITIONS.items()
}
_COUNT_BY_NAME = {
    variant: select(func.count()).select_from(
        select(col(Person.id)).where(*condition).limit(MAX_COUNTED + 1).subquery()
    )
    for variant, condition in _NAME_CONDITIONS.items()
}


@dataclass(frozen=True)
class Candidate:
    """One of several people a name matched: the name as the clerk typed it (every candidate bears it,
    so it tells the clerk nothing new), the ID and phone numbers masked, and the age to tell them apart."""

    person_id: int
    name: str
    id_number: str
    phone: str
    age: int


@dataclass(frozen=True)
class LookupOutcome:
    """What a lookup input matched.

    `kind` is `found` (see `person_id`), `candidates` (a short masked list, `total` matches in
    all, counted up to MAX_COUNTED + 1), `invalid_id` or `not_found`; `message_key` explains the
    last three to the user.
    `query_kind` is what the input was taken for: `id_number`, `account_no` or `name`.
    """

    kind: str
    query_kind: str
    person_id: int | None = None
    candidates: tuple[Candidate, ...] = ()
    total: int = 0
    message_key: str | None = None

    def message(self) -> str:
        """The message to show, in the current language ('' when found)."""
        return t(self.message_key, count=min(self.total, MAX_COUNTED)) if self.message_key else ""


def find_customer(session: Session, query: str, *, today: date | None = None) -> LookupOutcome:
    """Match `query` against ID numbers, account numbers or names (+ phone); never raises on bad input."""
    text = (query or "").strip().translate(FULL_WIDTH_DIGITS)
    if not text:
        return LookupOutcome(NOT_FOUND, "name", message_key="records.lookup.empty")
    number = normalize_id_input(text)
    if not _CJK.search(text) and re.fullmatch(r"\d+X?", number):
        return _find_by_number(session, number, today)
    return _find_by_name(session, text, today or date.today())


def _find_by_number(session: Session, number: str, today: date | None) -> LookupOutcome:
    if len(number) == ACCOUNT_NO_LENGTH and number.isdigit():
        person_id = session.execute(_BY_ACCOUNT_NO, {"number": number}).scalar()
        return _found_or_not(person_id, "account_no")
    if len(number) in _ID_LENGTHS:
        check = check_id_number(number, today=today)
        if not check.ok:
            return LookupOutcome(INVALID_ID, "id_number", message_key=check.problem)
        person_id = session.execute(_BY_ID_NUMBER, {"number": check.number}).scalar()
        return _found_or_not(person_id, "id_number")
    return LookupOutcome(NOT_FOUND, "account_no", message_key="records.lookup.unrecognised")


def _found_or_not(person_id: int | None, query_kind: str) -> LookupOutcome:
    if person_id is None:
        return LookupOutcome(NOT_FOUND, query_kind, message_key="records.lookup.not_found")
    return LookupOutcome(FOUND, query_kind, person_id=person_id, total=1)


def _find_by_name(session: Session, text: str, today: date) -> LookupOutcome:
    match = _NAME_AND_PHONE.match(text)
    if match is None:  # digits inside the name, e.g. "张3伟"
        return LookupOutcome(NOT_FOUND, "name", message_key="records.lookup.unrecognised")
    name, phone = match["name"], match["phone"] or ""
    name = re.sub(r"\s+", "", name) if _CJK.search(name) else " ".join(name.split())
    if phone and len(phone) not in (4, 11):
        return LookupOutcome(NOT_FOUND, "name", message_key="records.lookup.phone_format")
    variant = "phone" if len(phone) == 11 else "last4" if phone else "name"
    params = {"name": name, "phone": phone if len(phone) == 11 else f"%{phone}"}
    rows = session.execute(_BY_NAME[variant], params).all()
    if not rows:
        return LookupOutcome(NOT_FOUND, "name", message_key="records.lookup.not_found")
    if len(rows) == 1:
        return LookupOutcome(FOUND, "name", person_id=rows[0].id, total=1)
    total = len(rows)
    if total > MAX_CANDIDATES:
        total = session.execute(_COUNT_BY_NAME[variant], params).scalar_one()
    candidates = tuple(
        Candidate(
            row.id,
            row.name,
            mask_id_number(row.id_number) or "",
            mask_phone(row.phone) or "",
            age_on(row.birth_date, today),
        )
        for row in rows[:MAX_CANDIDATES]
    )
    key = (
        "records.lookup.candidates"
        if total <= MAX_CANDIDATES
        else "records.lookup.candidates_more"
        if total <= MAX_COUNTED
        else "records.lookup.candidates_over"
    )
    return LookupOutcome(CANDIDATES, "name", candidates=candidates, total=total, message_key=key)


def lookup_customer(
    session: Session, query: str, *, staff: object, purpose: str, case_no: str | None = None, today: date | None = None
) -> tuple[LookupOutcome, CustomerProfile | None]:
    """Find the customer, load the profile when found, and append the access-log row (always)."""
    outcome = find_customer(session, query, today=today)
    profile = (
        load_profile(session, outcome.person_id, today=today)
        if outcome.kind == FOUND and outcome.person_id is not None
        else None
    )
    log_access(session, staff=staff, action="lookup", person_id=outcome.person_id, purpose=purpose, case_no=case_no)
    return outcome, profile
