"""What a supervisor reviews: the two queues and the dossier of one case.

- `decision_queue`: cases awaiting a decision (the workflow's clock states), oldest first, each
  with its due date counted in working days and an overdue flag;
- `sample_queue`: paid pay-first cases drawn for post-review, oldest first;
- `overdue_queue`: cases awaiting a decision past their due date, the longest overdue first, with
  the clerks who opened them;
- `load_dossier`: one case with the customer masked, each material with the system data that
  proved it (fact, source, as-of) or the archived pages captured for it, the history, and the
  actions this supervisor may take now (the workflow's, minus what four eyes forbids). Opening
  a dossier reads personal data, so it writes an access-log row.

Decisions themselves go through `desk.cases.workflow.perform` (optimistic locking, four eyes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from desk.archive.tables import ArchivePage
from desk.archive.viewer import ids_read, read_fields
from desk.cases.eligibility import RuleResult
from desk.cases.papers import Paper, papers_of
from desk.cases.tables import Case, CaseMaterial, CaseTransition
from desk.cases.workflow import (
    GUARDS,
    Actor,
    CaseError,
    GuardInput,
    WorkflowRules,
    case_checklist,
    deciders_barred,
    get_case,
    history,
    is_overdue,
    materials,
    overdue_cases,
    overridden_rules,
    post_review_queue,
    workflow_rules,
)
from desk.cases.working_days import CalendarNotCovered, work_calendar
from desk.records.tables import Person, PersonalAccount, RegistryFact
from desk.security.access_log import log_access
from desk.security.masking import mask_card, mask_id_number, mask_name, mask_payload
from desk.security.staff import Staff

REVIEW_PURPOSE = "case_review"  # desk.security.purposes: the access-log purpose of a supervisor's read
# guards on what the decider types, and the re-check of eligibility that runs in the deciding transaction
INPUT_GUARDS = frozenset({"comment_given", "clawback_given", "eligible"})


@dataclass(frozen=True)
class QueueEntry:
    """One case in a supervisor's queue."""

    case_id: int
    case_no: str
    business_code: str
    customer: str  # masked name
    state: str
    opened_by: str
    submitted_by: str | None
    submitted_at: datetime | None
    due_on: date | None
    overdue: bool
    working_days: int | None  # left until the due date, or past it when overdue
    amount_fen: int | None
    mine: bool  # the viewer opened or submitted it: four eyes keeps them from deciding it


@dataclass(frozen=True)
class CapturedPage:
    """An archived page captured for a material, with the fields capture read off it (masked)."""

    page_id: int
    page_no: int
    doc_type: str
    fields: list[tuple[str, str]]  # what capture read off it, masked (desk.archive.viewer.read_fields)
    id_matches: bool | None  # the customer's ID number is among those read (None: none was read)


@dataclass(frozen=True)
class MaterialView:
    """One material of the case and its evidence."""

    material: str
    status: str
    fact_kind: str | None
    source: str | None
    as_of: datetime | None
    reason_key: str | None
    promised_on: date | None
    document_id: int | None
    fact: dict[str, Any] | None  # the registry fact's payload (masked) that proved it
    pages: tuple[CapturedPage, ...]
    flags: tuple[str, ...] = ()  # what capture flagged on the pages (desk.cases.document_fit.page_flags)
    flag_reason: str | None = None  # the clerk's reason for accepting them (desk.cases.flag_reasons)


@dataclass(frozen=True)
class Dossier:
    """Everything the case page shows; `version` is what a decision must still find."""

    case: Case
    customer_name: str  # masked
    customer_id_number: str  # masked
    account_status: str | None  # the personal account's status code (records.account_status.*)
    balance_fen: int | None
    materials: tuple[MaterialView, ...]
    history: tuple[CaseTransition, ...]
    actions: tuple[str, ...]  # what the viewer may do now, in workflow order
    four_eyes_barred: bool  # the viewer opened or submitted the case
    guards: dict[str, tuple[str, ...]]  # action -> the named checks it must pass (comment, claw-back …)
    overdue: bool
    working_days: int | None
    rules_now: tuple[RuleResult, ...] = ()  # every rule as the data stand today, with the case's amount
    overridden: frozenset[str] = frozenset()  # rules a supervisor overrode at the counter
    payee_card: str | None = None  # masked
    avoided: tuple[Paper, ...] = ()  # materials data proved at submission (desk.cases.papers)

    @property
    def version(self) -> int:
        """The version the viewer saw (the optimistic lock of a decision)."""
        return self.case.version


def as_utc(value: datetime) -> datetime:
    """An aware UTC time (SQLite hands stored UTC times back without a zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def due_status(case: Case, today: date, rules: WorkflowRules | None = None) -> tuple[bool, int | None]:
    """(overdue, working days left — or past due when overdue); no count once the centre has decided."""
    rules = rules or workflow_rules()
    if case.due_on is None or case.state not in rules.clock_states:
        return False, None
    overdue = is_overdue(case, today, rules)
    calendar = work_calendar()
    try:
        if overdue:
            return True, calendar.working_days_between(case.due_on, today)
        return False, calendar.working_days_between(today, case.due_on)
    except CalendarNotCovered:  # the queue still opens; the count waits for next year's holidays
        return overdue, None


def _is_mine(case: Case, viewer: Actor) -> bool:
    return viewer.username in deciders_barred(case)


def _entries(session: Session, cases: list[Case], viewer: Actor, today: date, rules: WorkflowRules) -> list[QueueEntry]:
    names = (
        dict(
            session.execute(
                select(col(Person.id), col(Person.name)).where(col(Person.id).in_({case.person_id for case in cases}))
            ).all()
        )
        if cases
        else {}
    )
    out = []
    for case in cases:
        overdue, days = due_status(case, today, rules)
        assert case.id is not None and case.case_no is not None, "a queued case is stored and numbered"
        out.append(
            QueueEntry(
                case.id,
                case.case_no,
                case.business_code,
                mask_name(names.get(case.person_id)) or "",
                case.state,
                case.opened_by,
                case.submitted_by,
                as_utc(case.submitted_at) if case.submitted_at else None,
                case.due_on,
                overdue,
                days,
                case.amount_fen,
                _is_mine(case, viewer),
            )
        )
    return out


def decision_queue(
    session: Session, *, viewer: Actor, today: date, rules: WorkflowRules | None = None
) -> list[QueueEntry]:
    """Cases awaiting a decision, the longest waiting first."""
    rules = rules or workflow_rules()
    cases = list(
        session.execute(
            select(Case)
            .where(col(Case.state).in_(tuple(rules.clock_states)))
            .order_by(col(Case.submitted_at), col(Case.id))
        ).scalars()
    )
    return _entries(session, cases, viewer, today, rules)


def sample_queue(
    session: Session, *, viewer: Actor, today: date, rules: WorkflowRules | None = None
) -> list[QueueEntry]:
    """Paid pay-first cases drawn for post-review, the longest waiting first."""
    return _entries(session, post_review_queue(session), viewer, today, rules or workflow_rules())


def overdue_queue(
    session: Session, *, viewer: Actor, today: date, rules: WorkflowRules | None = None
) -> list[QueueEntry]:
    """Cases awaiting a decision past their due date, the longest overdue first (`working_days` is how
    many working days past due)."""
    rules = rules or workflow_rules()
    return _entries(session, overdue_cases(session, today=today, rules=rules), viewer, today, rules)


def staff_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """The display names of these staff accounts (unknown ones are left out)."""
    if not usernames:
        return {}
    return dict(
        session.execute(
            select(col(Staff.username), col(Staff.display_name)).where(col(Staff.username).in_(usernames))
        ).all()
    )


def _fails_already(session: Session, case: Case, guards: tuple[str, ...]) -> bool:
    """Whether a guard that does not depend on the decision's own inputs refuses the case as it stands."""
    for name in guards:
        if name in INPUT_GUARDS:
            continue
        try:
            GUARDS[name](session, case, GuardInput())
        except CaseError:
            return True
    return False


def allowed_actions(
    session: Session, case: Case, viewer: Actor, rules: WorkflowRules | None = None
) -> tuple[tuple[str, ...], bool]:
    """(actions the viewer may take on the case now, whether four eyes took any away).

    An action whose guard already refuses the case (closing a paid case drawn for post-review)
    is left out; guards on what the supervisor types (a comment, an amount) are checked on submit.
    """
    rules = rules or workflow_rules()
    allowed, barred = [], False
    for action in rules.actions(case.state, case.review_mode, viewer.role):
        if action not in rules.review_actions:  # the counter's steps (submit, pay …) are the clerk's
            continue
        transition = rules.find(action, case.state, case.review_mode)
        assert transition is not None, "rules.actions lists only actions with a transition"
        if transition.four_eyes and _is_mine(case, viewer):
            barred = True
        elif not _fails_already(session, case, transition.guards):
            allowed.append(action)
    return tuple(allowed), barred


def _fact_payload(session: Session, person_id: int, kind: str | None, as_of: datetime | None) -> dict | None:
    """The registry fact that proved a material: the one of that kind with that as-of time."""
    if not kind or as_of is None:
        return None
    facts = (
        session.execute(
            select(RegistryFact).where(col(RegistryFact.person_id) == person_id, col(RegistryFact.kind) == kind)
        )
        .scalars()
        .all()
    )
    wanted = as_utc(as_of)
    fact = next((f for f in facts if as_utc(f.as_of) == wanted), None)
    return mask_payload(dict(fact.payload)) if fact is not None else None


def _pages(session: Session, document_id: int | None, id_number: str) -> tuple[CapturedPage, ...]:
    if document_id is None:
        return ()
    rows = (
        session.execute(
            select(ArchivePage).where(col(ArchivePage.document_id) == document_id).order_by(col(ArchivePage.page_no))
        )
        .scalars()
        .all()
    )
    out = []
    for page in rows:
        read = ids_read(page.fields)
        out.append(
            CapturedPage(
                page.id,
                page.page_no,
                page.doc_type,
                read_fields(page.fields),
                (id_number.upper() in read) if read else None,
            )
        )
    return tuple(out)


def _material_view(session: Session, row: CaseMaterial, person: Person) -> MaterialView:
    assert person.id is not None, "read from the database"
    return MaterialView(
        row.material,
        row.status,
        row.fact_kind,
        row.source,
        as_utc(row.as_of) if row.as_of else None,
        row.reason_key,
        row.promised_on,
        row.document_id,
        _fact_payload(session, person.id, row.fact_kind, row.as_of),
        _pages(session, row.document_id, person.id_number),
        tuple(flag for flag in (row.flags or "").split(",") if flag),
        row.flag_reason,
    )


def _rules_now(session: Session, case: Case, today: date, rules: WorkflowRules) -> tuple[RuleResult, ...]:
    """The rules as the data stand today, while the centre still owes a decision (afterwards the data
    already hold the case's own payment, and a re-check would only confuse)."""
    if case.state not in rules.clock_states:
        return ()
    return tuple(case_checklist(session, case, today=today).rules)


def load_dossier(
    session: Session, *, case_id: int, viewer: Actor, today: date, rules: WorkflowRules | None = None
) -> Dossier:
    """The dossier of case `case_id` as `viewer` may see it (raises CaseError for an unknown case); logged."""
    rules = rules or workflow_rules()
    case = get_case(session, case_id)
    person = session.get(Person, case.person_id)
    assert person is not None and case.id is not None, "a case's customer is on file"
    log_access(
        session,
        staff=viewer,
        action="view_case",
        person_id=case.person_id,
        purpose=REVIEW_PURPOSE,
        case_no=case.case_no,
    )
    actions, barred = allowed_actions(session, case, viewer, rules)
    guards = {
        action: transition.guards
        for action in actions
        if (transition := rules.find(action, case.state, case.review_mode)) is not None
    }
    overdue, days = due_status(case, today, rules)
    account = (
        session.execute(
            select(PersonalAccount).where(col(PersonalAccount.person_id) == person.id).order_by(col(PersonalAccount.id))
        )
        .scalars()
        .first()
    )
    return Dossier(
        case,
        mask_name(person.name) or "",
        mask_id_number(person.id_number) or "",
        account.status if account else None,
        account.balance_fen if account else None,
        tuple(_material_view(session, row, person) for row in materials(session, case.id)),
        tuple(history(session, case.id)),
        actions,
        barred,
        guards,
        overdue,
        days,
        _rules_now(session, case, today, rules),
        overridden_rules(case),
        mask_card(case.payee_card),
        papers_of(session, case.id).avoided,
    )
