"""The counter's steps for one customer, each its own transaction: the checklist (logged as a read
of personal data), the draft case, a captured material archived into the case, 容缺 on the
customer's promise, a supervisor's override of failed rules, submission with the amount and the
payee card (and for pay-first businesses the payment at once, posted to the account in the same
transaction), the clerk's cases (returned ones first), the customer's open cases, the printable
notice, and which archived pages a clerk may look at.

The UI calls these from worker threads and renders what they return; it holds no SQL. Cases
move only through desk.cases.workflow, so its rules (who, which state, what blocks submission)
apply here unchanged and its refusals (`CaseError`) reach the clerk as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from desk.archive.intake import DocumentInfo, PageInput, archive_document
from desk.archive.store_config import store_from_settings
from desk.archive.store_protocol import ArchiveStore
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.archive.viewer import ids_read
from desk.cases.amounts import AMOUNT_CHECKS, AmountPlan, amount_plan
from desk.cases.catalog import get_catalog
from desk.cases.checklist import Checklist, checklist_for
from desk.cases.document_fit import assigned_sides, flag_label, missing_sides, page_flags
from desk.cases.flag_reasons import reason_is_complete
from desk.cases.household import PersonFacts
from desk.cases.notice import Notice, build_notice
from desk.cases.postings import customer_account, lock_customer
from desk.cases.tables import Case, CaseTransition
from desk.cases.workflow import (
    Actor,
    CaseConflict,
    CaseError,
    accept_on_promise,
    case_checklist,
    declared_of,
    get_case,
    materials,
    open_case,
    overridden_rules,
    perform,
    record_capture,
    workflow_rules,
)
from desk.cases.working_days import local_day
from desk.db import run_alone, session_scope
from desk.records.profile import CustomerProfile
from desk.records.registries import default_directory
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_card, mask_name
from desk.security.staff import authenticate
from desk.validators import check_bank_card

COUNTER_PURPOSE = "counter_service"
STALE_DRAFT_AGE = timedelta(hours=12)  # no clerk keeps a customer at the counter this long
STALE_SWEEP_JOB = "desk.cases.counter.discard_stale_drafts"  # the advisory lock's name (desk.db.run_alone)
PAYEE_MATERIAL = "M04"  # the bank card: another card than the joint one is paid only when its paper is captured
PAGE_FILES = {"thumb": "thumb_key", "flat": "flat_key"}  # which stored file an image URL may show
BLOCKING = ("missing", "unknown")


@dataclass(frozen=True)
class MaterialState:
    """How one material of a case stands now."""

    material: str
    status: str  # proven | missing | not_applicable | unknown | captured | deferred
    document_id: int | None
    promised_on: date | None


@dataclass(frozen=True)
class CaseState:
    """A case as the counter shows it; `version` is what the next change must name."""

    case_id: int
    case_no: str | None  # None while a draft
    version: int
    state: str
    review_mode: str
    business_code: str
    person_id: int
    sampled_for_review: bool | None
    due_on: date | None
    materials: dict[str, MaterialState]
    submission_key: str | None = None
    amount_fen: int | None = None
    payee_card: str | None = None  # masked
    paid: bool = False
    override_by: str | None = None
    override_reason: str | None = None
    return_comment: str | None = None  # what the supervisor asked for when the case was returned
    declared: tuple[str, ...] = ()  # the customer's declarations the case was opened with

    @property
    def blocking(self) -> list[str]:
        """Materials that still block submission (missing, or unknown because a source did not answer)."""
        return [code for code, item in self.materials.items() if item.status in BLOCKING]


@dataclass(frozen=True)
class CaseSummary:
    """One line of a clerk's recent cases."""

    case_no: str
    business_code: str
    state: str
    customer: str  # masked name
    opened_at: datetime
    person_id: int
    amount_fen: int | None = None
    comment: str = ""  # the supervisor's comment when the case came back


def _store() -> ArchiveStore:
    return store_from_settings()


def _last_comment(session: Session, case_id: int, action: str) -> str | None:
    return (
        session.execute(
            select(col(CaseTransition.comment))
            .where(col(CaseTransition.case_id) == case_id, col(CaseTransition.action) == action)
            .order_by(col(CaseTransition.at).desc(), col(CaseTransition.id).desc())
        )
        .scalars()
        .first()
    )


def _case_state(session: Session, case: Case) -> CaseState:
    assert case.id is not None, "read from the database"
    rows = materials(session, case.id)
    returned = _last_comment(session, case.id, "return") if case.state == "returned" else None
    return CaseState(
        case.id,
        case.case_no,
        case.version,
        case.state,
        case.review_mode,
        case.business_code,
        case.person_id,
        case.sampled_for_review,
        case.due_on,
        {row.material: MaterialState(row.material, row.status, row.document_id, row.promised_on) for row in rows},
        case.submission_key,
        case.amount_fen,
        mask_card(case.payee_card),
        case.paid_at is not None,
        case.override_by,
        case.override_reason,
        returned,
        declared_of(case),
    )


def checklist_logged(
    *,
    person_id: int,
    business_code: str,
    declared: Iterable[str],
    staff: Actor,
    purpose: str = COUNTER_PURPOSE,
    engine: Engine | None = None,
) -> Checklist:
    """The checklist of a business for the customer, with the access-log row of reading their facts."""
    with session_scope(engine) as session:
        checklist = checklist_for(session, person_id, business_code, declared=declared)
        log_access(session, staff=staff, action="checklist", person_id=person_id, purpose=purpose)
    return checklist


def open_draft(
    *, checklist: Checklist, staff: Actor, declared: Iterable[str] = (), engine: Engine | None = None
) -> CaseState:
    """A new draft case (no number yet) with the materials as the checklist found them."""
    with session_scope(engine) as session:
        case = open_case(session, checklist=checklist, actor=staff, declared=declared)
        return _case_state(session, case)


def discard_stale_drafts(*, older_than: timedelta = STALE_DRAFT_AGE, engine: Engine | None = None) -> int:
    """Discard drafts left behind by tabs that never closed cleanly (a server restart); returns how many.

    Every app server sweeps on its schedule; on PostgreSQL one at a time sweeps (an advisory lock) and
    the others skip this round, rather than discarding the same drafts and failing on their versions."""
    with run_alone(STALE_SWEEP_JOB, engine) as alone:
        return _discard_stale_drafts(older_than, engine) if alone else 0


def _discard_stale_drafts(older_than: timedelta, engine: Engine | None) -> int:
    cutoff = datetime.now(UTC) - older_than
    with session_scope(engine) as session:
        stale = session.execute(
            select(col(Case.id), col(Case.opened_by), col(Case.version)).where(
                col(Case.state) == workflow_rules().start_state,
                col(Case.case_no).is_(None),
                col(Case.opened_at) < cutoff,
            )
        ).all()
        for case_id, opened_by, version in stale:
            perform(
                session,
                case_id=case_id,
                action="discard",
                actor=_System(opened_by),
                expected_version=version,
                comment="stale draft",
            )
        return len(stale)


@dataclass(frozen=True)
class _System:
    """The desk itself clearing a draft in its clerk's name (the clerk's role may discard)."""

    username: str
    role: str = "clerk"


def discard_draft(*, case_id: int, staff: Actor, engine: Engine | None = None) -> None:
    """Forget a draft the clerk left (another business, another customer, the tab closed); no-op otherwise."""
    with session_scope(engine) as session:
        case = get_case(session, case_id)
        if case.state == workflow_rules().start_state and case.case_no is None:
            perform(session, case_id=case_id, action="discard", actor=staff, expected_version=case.version)


def _retention_class(business_code: str) -> str | None:
    business = get_catalog().get_business(business_code)
    return business.retention if business else None  # the catalog names only classes the archive has


def archive_capture(
    *,
    case_id: int,
    material: str,
    pages: Sequence[PageInput],
    source: str,
    title: str,
    staff: Actor,
    expected_version: int,
    engine: Engine | None = None,
    store: ArchiveStore | None = None,
    sides: Sequence[str | None] = (),
    flag_reason: str | None = None,
    problems: Sequence[str] = (),
) -> CaseState:
    """Archive the captured pages as one document of the customer and the case, then mark the material captured.

    `sides` is the clerk's side per page where the classifier found no type (see `refuse_missing_sides`);
    `problems` are the quality problems capture found. The flags (wrong type, an ID number that is
    neither the customer's nor the spouse's, quality) are worked out here again from the pages, and
    flagged pages need `flag_reason` (desk.cases.flag_reasons); flags and reason stay with the
    material for the supervisor, and such a case is decided before it is paid.
    The case is checked first (still editable, nobody changed it meanwhile), so a refused change
    stores nothing. Raises CaseError / CaseConflict, or desk.archive.errors.ArchiveRefused.
    """
    refuse_missing_sides(material, pages, sides)
    rules = workflow_rules()
    with session_scope(engine) as session:
        case = get_case(session, case_id)
        if case.state not in rules.editable_states:
            raise CaseError("cases.workflow.not_editable", case_no=case.case_no, state=case.state)
        if case.version != expected_version:
            raise CaseConflict("cases.workflow.conflict", case_no=case.case_no)
        flags = _capture_flags(session, case, material, pages, problems)
        if flags and not reason_is_complete(flag_reason):
            raise CaseError("cases.counter.flag_reason_needed", flags="、".join(flag_label(flag) for flag in flags))
        info = DocumentInfo(
            person_id=case.person_id,
            captured_by=staff.username,
            source=source,
            material_code=material,
            case_no=case.case_no,
            title=title,
            retention_class=_retention_class(case.business_code),
        )
    document_id = archive_document(store or _store(), pages, info, engine=engine)
    with session_scope(engine) as session:
        record_capture(
            session,
            case_id=case_id,
            material=material,
            actor=staff,
            expected_version=expected_version,
            document_id=document_id,
            flags=",".join(flags) or None,
            flag_reason=flag_reason if flags else None,
        )
        return _case_state(session, get_case(session, case_id))


def _capture_flags(
    session: Session, case: Case, material: str, pages: Sequence[PageInput], problems: Sequence[str]
) -> list[str]:
    """What the clerk must give a reason for before these pages become the material's paper."""
    need = next((need for need in get_catalog().business[case.business_code].materials if need.code == material), None)
    person = session.get(Person, case.person_id)
    assert person is not None, "a case's customer is on file"
    marriage = default_directory().ask(session, case.person_id, "marriage")  # one question, not the whole profile
    spouse = marriage.get("spouse_id_number") if marriage.get("status") == "married" else None
    ids = [number for page in pages for number in ids_read(page.fields)]
    return page_flags(
        material,
        need.alternatives if need else (),
        [page.doc_type for page in pages],
        ids,
        problems,
        person.id_number,
        spouse,
    )


def refuse_missing_sides(material: str, pages: Sequence[PageInput], sides: Sequence[str | None] = ()) -> None:
    """Raise CaseError unless the pages show every side the catalog requires of `material` (an ID
    card's front and back): a page's side is its classified type, or the clerk's choice in `sides`
    only where the classifier found no type. So a crafted request cannot archive one side alone."""
    assigned = assigned_sides(material, [page.doc_type for page in pages], sides)
    missing = missing_sides(material, assigned)
    if missing:
        raise CaseError("cases.counter.sides_missing", material=material, sides=get_catalog().side_labels(missing))


def defer_material(
    *, case_id: int, material: str, promised_on: date, staff: Actor, expected_version: int, engine: Engine | None = None
) -> CaseState:
    """容缺: accept a missing material on the customer's promise to bring it by `promised_on`."""
    with session_scope(engine) as session:
        accept_on_promise(
            session,
            case_id=case_id,
            material=material,
            actor=staff,
            expected_version=expected_version,
            promised_on=promised_on,
        )
        return _case_state(session, get_case(session, case_id))


def amount_plan_for(checklist: Checklist) -> AmountPlan:
    """What the case may pay (computed from the checklist the clerk sees, without an amount)."""
    return amount_plan(checklist)


def joint_card(person_id: int, engine: Engine | None = None) -> str | None:
    """The customer's joint card on file (masked), the default payee."""
    with session_scope(engine) as session:
        account = customer_account(session, person_id)
        return mask_card(account.bank_card_no) if account is not None and account.bank_card_no else None


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _payee(session: Session, case: Case, card: str | None) -> tuple[str | None, str | None]:
    """(card, kind) the case pays to: the joint card on file, or another card whose number checks and
    was read off the bank card captured for this case (M04)."""
    account = customer_account(session, case.person_id)
    on_file = account.bank_card_no if account is not None else None
    if not card or _digits(card) == _digits(on_file or ""):
        if not on_file:
            raise CaseError("cases.payee.none_on_file")
        return on_file, "joint_card"
    checked = check_bank_card(card)
    if checked.problem or checked.warning:
        raise CaseError("cases.payee.bad_number")
    assert case.id is not None, "read from the database"
    row = next((row for row in materials(session, case.id) if row.material == PAYEE_MATERIAL), None)
    document_id = row.document_id if row is not None and row.status == "captured" else None
    if document_id is None:
        raise CaseError("cases.payee.not_captured", material=PAYEE_MATERIAL)
    read = (
        session.execute(select(col(ArchivePage.text)).where(col(ArchivePage.document_id) == document_id))
        .scalars()
        .all()
    )
    if checked.number not in _digits(" ".join(read)):
        raise CaseError("cases.payee.not_on_card")
    return checked.number, "other_card"


def submit_case(
    *,
    case_id: int,
    staff: Actor,
    expected_version: int,
    amount_fen: int | None = None,
    payee_card: str | None = None,
    engine: Engine | None = None,
) -> CaseState:
    """Submit the case with its amount and payee; a pay-first (先提后审) case is paid in the same
    transaction (posted to the account) and drawn for post-review.

    Submitting a case that is already submitted (a double click, a resubmitted form, a retry after
    the page lost its answer) returns it as it stands instead of submitting or paying it again.
    """
    with session_scope(engine) as session:
        lock_customer(session, case_id=case_id)
        case = get_case(session, case_id)
        if case.state not in workflow_rules().editable_states and case.submitted_by is not None:
            return _case_state(session, case)
        _prepare_submission(session, case, staff, amount_fen, payee_card)
        case = perform(session, case_id=case_id, action="submit", actor=staff, expected_version=expected_version)
        if rules_allow_pay(case, staff):
            case = perform(session, case_id=case_id, action="pay", actor=staff, expected_version=case.version)
        return _case_state(session, case)


def _prepare_submission(
    session: Session, case: Case, staff: Actor, amount_fen: int | None, payee_card: str | None
) -> None:
    """Amount (default: the most the rules allow), payee and review mode, set before the workflow's checks."""
    business = get_catalog().get_business(case.business_code)
    values: dict[str, object] = {}
    if business is not None and business.pays_out:
        plan = amount_plan(case_checklist(session, case, today=local_day(datetime.now(UTC)), with_amount=False))
        chosen = plan.maximum_fen if amount_fen is None or plan.fixed else amount_fen
        card, kind = _payee(session, case, payee_card)
        values.update(amount_fen=chosen, amount_limit_fen=plan.maximum_fen, payee_card=card, payee_kind=kind)
    assert case.id is not None, "read from the database"
    flagged = any(row.flags for row in materials(session, case.id))
    if overridden_rules(case) or flagged:
        values["review_mode"] = "decide_first"  # a supervisor decides before anything is paid
    if values:
        session.execute(update(Case).where(col(Case.id) == case.id).values(**values))
        session.refresh(case)


def override_rules(
    *, case_id: int, supervisor: str, password: str, reason: str, expected_version: int, engine: Engine | None = None
) -> CaseState:
    """A supervisor, at the clerk's counter, lets the case go on although rules fail (not an amount
    rule): their own password and a written reason; never on a case they opened. The case is then
    decided by a supervisor before anything is paid."""
    with session_scope(engine) as session:
        approver = authenticate(session, username=supervisor.strip(), password=password)
        if approver is None or approver.role != "supervisor":
            raise CaseError("cases.override.not_a_supervisor")
        case = get_case(session, case_id)
        checklist = case_checklist(session, case, today=local_day(datetime.now(UTC)), with_amount=False)
        failing = [rule.rule for rule in checklist.rules if not rule.passed and rule.check not in AMOUNT_CHECKS]
        if not failing:
            raise CaseError("cases.override.nothing_to_override")
        case = perform(
            session,
            case_id=case_id,
            action="override",
            actor=approver,
            expected_version=expected_version,
            comment=reason,
        )
        session.execute(
            update(Case)
            .where(col(Case.id) == case.id)
            .values(
                override_by=approver.username, override_reason=reason.strip()[:500], override_rules=",".join(failing)
            )
        )
        session.refresh(case)
        return _case_state(session, case)


def case_by_key(submission_key: str, engine: Engine | None = None) -> CaseState | None:
    """The case a submission key made, if it was submitted (after a lost answer the page asks this)."""
    with session_scope(engine) as session:
        case = session.execute(select(Case).where(col(Case.submission_key) == submission_key)).scalar_one_or_none()
        return _case_state(session, case) if case is not None and case.case_no is not None else None


def open_cases(*, person_id: int, engine: Engine | None = None) -> list[CaseState]:
    """The customer's cases still open at the counter or awaiting a decision (returned ones first)."""
    rules = workflow_rules()
    with session_scope(engine) as session:
        rows = (
            session.execute(
                select(Case)
                .where(col(Case.person_id) == person_id, col(Case.state).in_(tuple(rules.open_states)))
                .order_by(col(Case.state).desc(), col(Case.opened_at))
            )
            .scalars()
            .all()
        )
        return sorted((_case_state(session, case) for case in rows), key=lambda state: state.state != "returned")


def reopen_case(*, case_no: str, staff: Actor, engine: Engine | None = None) -> CaseState:
    """A returned case of the clerk's, for 补正: the same number, what the supervisor asked for (logged)."""
    with session_scope(engine) as session:
        case = _own_case(session, case_no, staff)
        log_access(
            session,
            staff=staff,
            action="view_case",
            person_id=case.person_id,
            purpose=COUNTER_PURPOSE,
            case_no=case.case_no,
        )
        return _case_state(session, case)


def rules_allow_pay(case: Case, staff: Actor) -> bool:
    """Whether the workflow lets `staff` pay this case now (pay-first cases right after submission)."""
    return "pay" in workflow_rules().actions(case.state, case.review_mode, staff.role)


def recent_cases(*, staff: Actor, limit: int = 20, engine: Engine | None = None) -> list[CaseSummary]:
    """The cases `staff` opened: those returned for 补正 first (with the supervisor's comment), then the
    newest; drafts are not cases yet and are not listed (customers' names masked)."""
    hidden = tuple(workflow_rules().hidden_states)
    with session_scope(engine) as session:
        rows = session.execute(
            select(Case, col(Person.name))
            .join(Person, col(Person.id) == col(Case.person_id))
            .where(col(Case.opened_by) == staff.username, col(Case.state).not_in(hidden))
            .order_by((col(Case.state) == "returned").desc(), col(Case.opened_at).desc(), col(Case.id).desc())
            .limit(limit)
        ).all()
        return [
            CaseSummary(
                case.case_no,
                case.business_code,
                case.state,
                mask_name(name) or "",
                case.opened_at,
                case.person_id,
                case.amount_fen,
                (_last_comment(session, case.id, "return") or "") if case.state == "returned" else "",
            )
            for case, name in rows
        ]


def _own_case(session: Session, case_no: str, staff: Actor) -> Case:
    case = session.execute(select(Case).where(col(Case.case_no) == case_no.strip().upper())).scalar_one_or_none()
    if case is None or staff.username not in (case.opened_by, case.submitted_by):
        # someone else's case reads like an unknown one: a clerk learns nothing about it
        raise CaseError("cases.workflow.not_found", case_id=case_no)
    return case


def notice_for(*, case_no: str, staff: Actor, base_url: str, engine: Engine | None = None) -> Notice:
    """The one-time notice of one of the clerk's own cases (logged: it names the customer)."""
    with session_scope(engine) as session:
        case = _own_case(session, case_no, staff)
        log_access(
            session,
            staff=staff,
            action="view_notice",
            person_id=case.person_id,
            purpose=COUNTER_PURPOSE,
            case_no=case.case_no,
        )
        assert case.id is not None, "read from the database"
        return build_notice(session, case_id=case.id, base_url=base_url)


def page_image(
    *,
    page_id: int,
    kind: str,
    staff: Actor,
    opened_people: Iterable[int],
    engine: Engine | None = None,
    store: ArchiveStore | None = None,
) -> bytes | None:
    """The thumbnail or flattened image of an archived page, if `staff` may see it; the read is logged.

    A counter clerk sees pages of the customers opened in this browser tab and of the cases they
    opened or submitted; anything else is None, exactly like a page that does not exist.
    """
    if kind not in PAGE_FILES:
        return None
    with session_scope(engine) as session:
        row = session.execute(
            select(ArchivePage, ArchiveDocument)
            .join(ArchiveDocument, col(ArchiveDocument.id) == col(ArchivePage.document_id))
            .where(col(ArchivePage.id) == page_id)
        ).first()
        if row is None:
            return None
        page, document = row
        if not (document.person_id in set(opened_people) or _in_own_case(session, document.case_no, staff)):
            return None
        key = getattr(page, PAGE_FILES[kind])
        if not key:
            return None
        log_access(
            session,
            staff=staff,
            action="view_document",
            person_id=document.person_id,
            purpose=COUNTER_PURPOSE,
            fields=(f"archive_page:{page.id}",),
            case_no=document.case_no,
        )
    return (store or _store()).read(key)


def log_capture_view(*, staff: Actor, person_id: int, engine: Engine | None = None) -> None:
    """Log that `staff` looked at a page just captured of the customer (not archived yet)."""
    with session_scope(engine) as session:
        log_access(session, staff=staff, action="view_capture", person_id=person_id, purpose=COUNTER_PURPOSE)


def spouse_id_number(profile: CustomerProfile) -> str | None:
    """The spouse's ID number as the marriage registry states it, when the customer is married."""
    marriage = PersonFacts.of(profile).payload("marriage") or {}
    return marriage.get("spouse_id_number") if marriage.get("status") == "married" else None


def _in_own_case(session: Session, case_no: str | None, staff: Actor) -> bool:
    if not case_no:
        return False
    found = session.execute(
        select(col(Case.id)).where(
            col(Case.case_no) == case_no,
            or_(col(Case.opened_by) == staff.username, col(Case.submitted_by) == staff.username),
        )
    ).first()
    return found is not None


def document_pages(document_id: int, engine: Engine | None = None) -> list[int]:
    """The page ids of an archived document, in page order."""
    with session_scope(engine) as session:
        return list(
            session.execute(
                select(col(ArchivePage.id))
                .where(col(ArchivePage.document_id) == document_id)
                .order_by(col(ArchivePage.page_no))
            ).scalars()
        )
