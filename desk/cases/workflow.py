"""How a case moves: open at the counter, capture or defer what is missing, submit, decide.

The states, the allowed transitions, who may perform each and the named guards are data
(`workflow.toml`). Rules enforced here:

- four eyes: whoever opened or submitted a case may not approve, reject, return or review it,
  and only supervisors decide;
- optimistic locking: every change is one `UPDATE … WHERE id = :id AND version = :v AND
  state = :from`; when two supervisors decide the same case at once exactly one row is updated,
  and the other gets `CaseConflict` (on SQLite and PostgreSQL alike);
- every transition appends a `CaseTransition` row (actor, role, time, comment, from, to), which
  the database refuses to change afterwards;
- a case is not submitted while a required material is missing, unless it was accepted on the
  customer's promise (容缺) with a due date; a material whose registry says no is never deferred;
- money: a transition that pays (`posts` in workflow.toml) first locks the customer, re-checks
  every eligibility rule and the amount in that same transaction (`eligible` guard) and writes the
  posting to the account with the state change (desk.cases.postings); a failed rule passes only
  when a supervisor other than the case's clerk overrode it with a reason, and such a case is
  decided before it is paid;
- a draft has no case number: the number is given when the case is first submitted, and a draft
  the clerk leaves is discarded (it never shows in lists or to the public);
- the due date counts working days from submission (catalog), pay-first cases are drawn for
  post-review at the configured rate;
- a submission writes down, in its transaction, the papers data spared the customer
  (desk.cases.papers), and the first one the customer's time at the counter since the lookup.
"""

from __future__ import annotations

import random
import tomllib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, select, update
from sqlmodel import Session, col

from desk.archive.intake import link_documents_to_case
from desk.cases.amounts import AMOUNT_CHECKS, amount_plan
from desk.cases.catalog import Catalog, get_catalog
from desk.cases.checklist import Checklist, checklist_for
from desk.cases.counter_time import counter_seconds, last_lookup
from desk.cases.eligibility import Request, RuleResult
from desk.cases.messages import render
from desk.cases.numbering import next_case_number
from desk.cases.papers import record_papers
from desk.cases.postings import PostingRefused, lock_customer, post_clawback, post_withdrawal
from desk.cases.tables import Case, CaseMaterial, CaseTransition
from desk.cases.working_days import CalendarNotCovered, local_day, work_calendar
from desk.security.staff import staff_hall

WORKFLOW_PATH = Path(__file__).with_name("workflow.toml")
OPEN_ACTION = "open"
# material statuses that block submission (a deferred one carries the promised date)
BLOCKING = frozenset({"missing", "unknown"})
DATA_SAYS_NO = "cases.reason.fact_does_not_prove"  # the checklist's reason when a registry answered no

_system_random = random.SystemRandom()  # sampling the clerks cannot predict


class Actor(Protocol):
    """A staff member acting on a case (desk.security.staff.Staff fits)."""

    # read-only, so that frozen dataclasses (submission.StaffActor, counter._System) fit too
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...


class CaseError(ValueError):
    """A request the workflow refuses; `key` is the i18n message key, `params` its placeholders."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, language: str | None = None) -> str:
        """What went wrong, in plain words."""
        return render(self.key, self.params, language)


class CaseConflict(CaseError):
    """Someone else changed the case first (optimistic locking); reload and look again."""


@dataclass(frozen=True)
class Transition:
    """One allowed move: `action` takes a case of a review mode from one of `sources` to `to`."""

    action: str
    sources: tuple[str, ...]
    to: str
    roles: frozenset[str]
    modes: frozenset[str]
    four_eyes: bool
    guards: tuple[str, ...]
    posts: str | None = None  # withdrawal | clawback: the posting written with the state change


@dataclass(frozen=True)
class WorkflowRules:
    """The contents of workflow.toml."""

    case_number_prefix: str
    open_roles: frozenset[str]
    start_state: str
    editable_states: frozenset[str]
    clock_states: frozenset[str]
    open_states: frozenset[str]  # a case in one of these blocks a second case of the same business
    hidden_states: frozenset[str]  # never listed or shown to the public (drafts, discarded drafts)
    review_actions: frozenset[str]  # the actions a supervisor takes on the review page
    max_promise_days: int
    transitions: tuple[Transition, ...]
    sampling_rate: float
    inquiry: dict[str, int]

    def find(self, action: str, state: str, mode: str) -> Transition | None:
        """The transition `action` from `state` for `mode`, or None when not allowed."""
        return next(
            (tr for tr in self.transitions if tr.action == action and state in tr.sources and mode in tr.modes), None
        )

    def actions(self, state: str, mode: str, role: str) -> list[str]:
        """The actions `role` may take on a case in `state` (for the UI's buttons)."""
        return [tr.action for tr in self.transitions if state in tr.sources and mode in tr.modes and role in tr.roles]

    @property
    def locking_actions(self) -> frozenset[str]:
        """Actions that may pay or re-check eligibility: they lock the customer before reading anything."""
        return frozenset(tr.action for tr in self.transitions if tr.posts or "eligible" in tr.guards)


def parse_workflow(text: str) -> WorkflowRules:
    """Workflow rules from the TOML text of workflow.toml."""
    data = tomllib.loads(text)
    transitions = tuple(
        Transition(
            tr["action"],
            tuple(tr["from"]),
            tr["to"],
            frozenset(tr["roles"]),
            frozenset(tr["modes"]),
            bool(tr.get("four_eyes", False)),
            tuple(tr.get("guards", ())),
            tr.get("posts"),
        )
        for tr in data["transitions"]
    )
    return WorkflowRules(
        data["case_number_prefix"],
        frozenset(data["open_roles"]),
        data["start_state"],
        frozenset(data["editable_states"]),
        frozenset(data["clock_states"]),
        frozenset(data["open_states"]),
        frozenset(data["hidden_states"]),
        frozenset(data["review_actions"]),
        int(data["max_promise_days"]),
        transitions,
        float(data["post_review"]["sampling_rate"]),
        {key: int(value) for key, value in data["inquiry"].items()},
    )


@lru_cache(maxsize=1)
def workflow_rules() -> WorkflowRules:
    """The workflow of workflow.toml."""
    return parse_workflow(WORKFLOW_PATH.read_text(encoding="utf-8"))


def _now() -> datetime:
    return datetime.now(UTC)


def _transition_row(
    case: Case, action: str, from_state: str | None, to_state: str, actor: Actor, at: datetime, comment: str
) -> CaseTransition:
    assert case.id is not None, "read from the database"
    return CaseTransition(
        case_id=case.id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor.username,
        actor_role=actor.role,
        at=at,
        comment=comment.strip(),
    )


def open_case(
    session: Session,
    *,
    checklist: Checklist,
    actor: Actor,
    amount_fen: int | None = None,
    declared: Iterable[str] = (),
    now: datetime | None = None,
    rules: WorkflowRules | None = None,
) -> Case:
    """Open a draft case from a checklist: no number yet, a fresh submission key, the materials as the
    checklist found them, the declarations they were found with and the opener's lookup of the
    customer (where the customer's time at the counter starts)."""
    rules = rules or workflow_rules()
    if actor.role not in rules.open_roles:
        raise CaseError("cases.workflow.wrong_role", action=OPEN_ACTION, role=actor.role)
    if amount_fen is not None and amount_fen <= 0:
        raise CaseError("cases.workflow.bad_amount")
    now = now or _now()
    case = Case(
        case_no=None,
        submission_key=uuid.uuid4().hex,
        person_id=checklist.person_id,
        business_code=checklist.business_code,
        review_mode=checklist.business.review_mode,
        state=rules.start_state,
        declared=",".join(sorted(set(declared))),
        amount_fen=amount_fen,
        opened_by=actor.username,
        opened_at=now,
        looked_up_at=last_lookup(session, staff=actor.username, person_id=checklist.person_id, before=now),
    )
    session.add(case)
    session.flush()
    assert case.id is not None, "the flush gave it one"
    for item in checklist.items:
        session.add(
            CaseMaterial(
                case_id=case.id,
                material=item.material,
                status=item.status,
                fact_kind=item.fact_kind,
                source=item.source,
                as_of=item.as_of,
                reason_key=item.reason_key,
                updated_by=actor.username,
                updated_at=now,
            )
        )
    session.add(_transition_row(case, OPEN_ACTION, None, rules.start_state, actor, now, ""))
    session.flush()
    return case


def get_case(session: Session, case_id: int) -> Case:
    """The case `case_id` as stored now; raises CaseError when there is none."""
    case = session.execute(
        select(Case).where(col(Case.id) == case_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if case is None:
        raise CaseError("cases.workflow.not_found", case_id=case_id)
    return case


def _claim(
    session: Session,
    case: Case,
    expected_version: int,
    states: frozenset[str] | tuple[str, ...],
    values: dict[str, Any],
) -> None:
    """The optimistic lock: change the case only if it still has `expected_version` and one of `states`."""
    # an UPDATE's result is a CursorResult, which counts its rows (Session.execute is typed for any statement)
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Case)
            .where(col(Case.id) == case.id, col(Case.version) == expected_version, col(Case.state).in_(tuple(states)))
            .values(version=expected_version + 1, **values)
        ),
    )
    if result.rowcount != 1:
        raise CaseConflict("cases.workflow.conflict", case_no=case.case_no)
    session.refresh(case)


def _material(session: Session, case: Case, material: str) -> CaseMaterial:
    row = session.execute(
        select(CaseMaterial).where(col(CaseMaterial.case_id) == case.id, col(CaseMaterial.material) == material)
    ).scalar_one_or_none()
    if row is None:
        raise CaseError("cases.workflow.no_such_material", material=material, case_no=case.case_no)
    return row


def _change_material(
    session: Session,
    *,
    case_id: int,
    material: str,
    actor: Actor,
    expected_version: int,
    now: datetime | None,
    values: dict[str, Any],
    rules: WorkflowRules | None,
    only_missing: bool = False,
) -> CaseMaterial:
    rules = rules or workflow_rules()
    case = get_case(session, case_id)
    if actor.role not in rules.open_roles:
        raise CaseError("cases.workflow.wrong_role", action="material", role=actor.role)
    if case.state not in rules.editable_states:
        raise CaseError("cases.workflow.not_editable", case_no=case.case_no, state=case.state)
    row = _material(session, case, material)
    if only_missing and row.status not in BLOCKING:
        raise CaseError("cases.workflow.not_missing", material=material)
    now = now or _now()
    _claim(session, case, expected_version, rules.editable_states, {})
    for name, value in {**values, "updated_by": actor.username, "updated_at": now}.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def record_capture(
    session: Session,
    *,
    case_id: int,
    material: str,
    actor: Actor,
    expected_version: int,
    document_id: int | None = None,
    flags: str | None = None,
    flag_reason: str | None = None,
    now: datetime | None = None,
    rules: WorkflowRules | None = None,
) -> CaseMaterial:
    """Mark a material as captured (imaged at the counter), linked to its archived document, with what
    capture flagged on it and the clerk's reason for accepting it all the same."""
    return _change_material(
        session,
        case_id=case_id,
        material=material,
        actor=actor,
        expected_version=expected_version,
        now=now,
        rules=rules,
        values={
            "status": "captured",
            "document_id": document_id,
            "promised_on": None,
            "reason_key": None,
            "flags": flags,
            "flag_reason": flag_reason,
        },
    )


def accept_on_promise(
    session: Session,
    *,
    case_id: int,
    material: str,
    actor: Actor,
    expected_version: int,
    promised_on: date,
    now: datetime | None = None,
    rules: WorkflowRules | None = None,
) -> CaseMaterial:
    """容缺: accept a missing material on the customer's promise to bring it by `promised_on`."""
    rules = rules or workflow_rules()
    today = local_day(now or _now())
    if not today < promised_on <= today + timedelta(days=rules.max_promise_days):
        raise CaseError("cases.workflow.bad_promise_date", days=rules.max_promise_days)
    row = session.execute(
        select(CaseMaterial).where(col(CaseMaterial.case_id) == case_id, col(CaseMaterial.material) == material)
    ).scalar_one_or_none()
    known = get_catalog().materials.get(material)
    if row is not None and known is not None and known.data_decides and row.reason_key == DATA_SAYS_NO:
        raise CaseError("cases.workflow.defer_contradicts", material=material)
    return _change_material(
        session,
        case_id=case_id,
        material=material,
        actor=actor,
        expected_version=expected_version,
        now=now,
        rules=rules,
        values={"status": "deferred", "promised_on": promised_on},
        only_missing=True,
    )


@dataclass(frozen=True)
class GuardInput:
    """What a guard may read besides the case: the decider's comment and claw-back, the time of the step."""

    comment: str = ""
    clawback_fen: int | None = None
    now: datetime | None = None

    @property
    def today(self) -> date:
        """The local day of the step."""
        return local_day(self.now or _now())


def _check_guards(session: Session, case: Case, transition: Transition, given: GuardInput) -> None:
    for guard in transition.guards:
        GUARDS[guard](session, case, given)


def _materials_complete(session: Session, case: Case, given: GuardInput) -> None:
    blocking = (
        session.execute(
            select(col(CaseMaterial.material))
            .where(col(CaseMaterial.case_id) == case.id, col(CaseMaterial.status).in_(tuple(BLOCKING)))
            .order_by(col(CaseMaterial.material))
        )
        .scalars()
        .all()
    )
    if blocking:
        raise CaseError("cases.workflow.materials_missing", materials="、".join(blocking))


def _comment_given(session: Session, case: Case, given: GuardInput) -> None:
    if not given.comment.strip():
        raise CaseError("cases.workflow.comment_needed")


def _clawback_given(session: Session, case: Case, given: GuardInput) -> None:
    if given.clawback_fen is None or given.clawback_fen <= 0:
        raise CaseError("cases.workflow.clawback_needed")
    if case.amount_fen is not None and given.clawback_fen > case.amount_fen:
        raise CaseError("cases.workflow.clawback_too_high", amount_fen=case.amount_fen)


def _not_sampled(session: Session, case: Case, given: GuardInput) -> None:
    if case.sampled_for_review:
        raise CaseError("cases.workflow.sampled", case_no=case.case_no)


def declared_of(case: Case) -> tuple[str, ...]:
    """The declarations the case was opened with."""
    return tuple(name for name in (case.declared or "").split(",") if name)


def overridden_rules(case: Case) -> frozenset[str]:
    """The rules a supervisor overrode on this case."""
    return frozenset(name for name in (case.override_rules or "").split(",") if name)


def case_checklist(session: Session, case: Case, *, today: date, with_amount: bool = True) -> Checklist:
    """The checklist of the case's customer and business as the data stand now (in this transaction)."""
    request = Request(case.amount_fen if with_amount else None)
    return checklist_for(
        session, case.person_id, case.business_code, declared=declared_of(case), request=request, today=today
    )


def failed_rules(checklist: Checklist, overridden: frozenset[str] = frozenset()) -> list[RuleResult]:
    """The rules that fail and were not overridden (an amount rule can never be overridden)."""
    return [
        rule
        for rule in checklist.rules
        if not rule.passed and (rule.rule not in overridden or rule.check in AMOUNT_CHECKS)
    ]


def _eligible(session: Session, case: Case, given: GuardInput) -> None:
    """Every rule holds now (or was overridden), the amount fits the rules, no deferral contradicts the data.

    Conditions come first (a customer who may not withdraw at all hears that, not that the amount is
    off), then the amount against the plan, then anything else an amount rule refuses."""
    catalog = get_catalog()
    checklist = case_checklist(session, case, today=given.today)
    failed = failed_rules(checklist, overridden_rules(case))
    conditions = [rule.label() for rule in failed if rule.check not in AMOUNT_CHECKS]
    if conditions:
        raise CaseError("cases.workflow.rules_fail", rules="；".join(conditions))
    refusal = amount_plan(case_checklist(session, case, today=given.today, with_amount=False)).refusal(case.amount_fen)
    if refusal is not None:
        raise CaseError(refusal[0], **refusal[1])
    if failed:
        raise CaseError("cases.workflow.rules_fail", rules="；".join(rule.label() for rule in failed))
    assert case.id is not None, "read from the database"
    for row in materials(session, case.id):
        if row.status == "deferred" and contradicted(checklist, row.material, catalog):
            raise CaseError("cases.workflow.defer_contradicts", material=row.material)


def contradicted(checklist: Checklist, material: str, catalog: Catalog) -> bool:
    """Whether the registry that issues `material`'s paper has answered no (so no paper can be promised)."""
    known = catalog.materials.get(material)
    item = next((item for item in checklist.items if item.material == material), None)
    return bool(
        known
        and known.data_decides
        and item is not None
        and item.status == "missing"
        and item.reason_key == DATA_SAYS_NO
    )


def _single_open_case(session: Session, case: Case, given: GuardInput) -> None:
    """No other case of the same business for the customer is still open (submitted, returned …)."""
    rules = workflow_rules()
    other = (
        session.execute(
            select(col(Case.case_no)).where(
                col(Case.person_id) == case.person_id,
                col(Case.business_code) == case.business_code,
                col(Case.id) != case.id,
                col(Case.state).in_(tuple(rules.open_states)),
            )
        )
        .scalars()
        .first()
    )
    if other is not None:
        raise CaseError("cases.workflow.open_twin", case_no=other)


GUARDS: dict[str, Callable[[Session, Case, GuardInput], None]] = {
    "materials_complete": _materials_complete,
    "comment_given": _comment_given,
    "clawback_given": _clawback_given,
    "not_sampled": _not_sampled,
    "eligible": _eligible,
    "single_open_case": _single_open_case,
}


def deciders_barred(case: Case) -> set[str]:
    """Who may not decide the case (four eyes): whoever opened, submitted or overrode it."""
    return {name for name in (case.opened_by, case.submitted_by, case.override_by) if name}


def _allowed(rules: WorkflowRules, case: Case, action: str, actor: Actor, expected_version: int) -> Transition:
    """The transition, after the version, state, role and four-eyes checks."""
    if case.version != expected_version:
        raise CaseConflict("cases.workflow.conflict", case_no=case.case_no)
    transition = rules.find(action, case.state, case.review_mode)
    if transition is None:
        raise CaseError("cases.workflow.not_allowed", action=action, state=case.state)
    if actor.role not in transition.roles:
        raise CaseError("cases.workflow.wrong_role", action=action, role=actor.role)
    if transition.four_eyes and actor.username in deciders_barred(case):
        raise CaseError("cases.workflow.four_eyes", case_no=case.case_no or "—")
    return transition


def _due_on(start: date, days: int) -> date:
    """`days` working days after `start`; a year the calendar lacks is a refusal in words, not a crash."""
    try:
        return work_calendar().add_working_days(start, days)
    except CalendarNotCovered as unknown:
        raise CaseError(unknown.key, **unknown.params) from unknown


def _action_values(
    session: Session,
    action: str,
    case: Case,
    actor: Actor,
    now: datetime,
    given: GuardInput,
    catalog: Catalog,
    rules: WorkflowRules,
    draw: Callable[[], float],
) -> dict[str, Any]:
    """The columns an action sets besides state and version."""
    if action == "submit":
        business = catalog.get_business(case.business_code)
        days = catalog.due_days(business) if business else 0
        values = {"submitted_by": actor.username, "submitted_at": now, "due_on": _due_on(local_day(now), days)}
        if case.case_no is None:  # the first submission gives the number; a resubmission keeps it
            values["case_no"] = next_case_number(session, prefix=rules.case_number_prefix, year=local_day(now).year)
            values["counter_seconds"] = counter_seconds(case.looked_up_at, now)
            values["hall"] = staff_hall(session, actor.username)  # where the customer was served
        return values
    if action == "pay":
        return {"sampled_for_review": draw() < rules.sampling_rate}
    if action == "recourse":
        return {
            "decided_by": actor.username,
            "decided_at": now,
            "clawback_fen": given.clawback_fen,
            "clawback_reason": given.comment.strip(),
        }
    if action in ("approve", "reject", "return", "review"):
        return {"decided_by": actor.username, "decided_at": now}
    return {}


def _post(
    session: Session,
    case: Case,
    transition: Transition,
    actor: Actor,
    now: datetime,
    given: GuardInput,
    catalog: Catalog,
) -> None:
    """The posting of a paying transition, in the caller's transaction (nothing for a business that pays nothing)."""
    business = catalog.get_business(case.business_code)
    try:
        if transition.posts == "withdrawal" and business is not None and business.pays_out:
            post_withdrawal(session, case, actor=actor.username, now=now)
            session.execute(update(Case).where(col(Case.id) == case.id).values(paid_at=now))
            session.refresh(case)
        elif transition.posts == "clawback" and case.paid_at is not None:
            post_clawback(session, case, amount_fen=given.clawback_fen or 0, actor=actor.username, now=now)
    except PostingRefused as refused:
        raise CaseError(refused.key, **refused.params) from None


def perform(
    session: Session,
    *,
    case_id: int,
    action: str,
    actor: Actor,
    expected_version: int,
    comment: str = "",
    clawback_fen: int | None = None,
    now: datetime | None = None,
    catalog: Catalog | None = None,
    rules: WorkflowRules | None = None,
    draw: Callable[[], float] = _system_random.random,
) -> Case:
    """Move the case by `action` if the workflow allows it; raises CaseError or CaseConflict otherwise.

    `expected_version` is the version the actor saw; `draw` returns a number in [0, 1) for the
    post-review sampling (tests pass their own). A paying action locks the customer first, so its
    guards read the account as no concurrent payment can change it before this one commits.
    """
    rules = rules or workflow_rules()
    catalog = catalog or get_catalog()
    if action in rules.locking_actions:
        lock_customer(session, case_id=case_id)
    case = get_case(session, case_id)
    transition = _allowed(rules, case, action, actor, expected_version)
    now = now or _now()
    given = GuardInput(comment, clawback_fen, now)
    _check_guards(session, case, transition, given)
    from_state = case.state
    values = _action_values(session, action, case, actor, now, given, catalog, rules, draw)
    _claim(session, case, expected_version, (from_state,), {"state": transition.to, **values})
    if "case_no" in values:
        assert case.id is not None and case.case_no is not None, "numbered by _claim just now"
        link_documents_to_case(
            session, [row.document_id for row in materials(session, case.id) if row.document_id], case_no=case.case_no
        )
    if action == "submit":  # the papers it spared the customer, with the submission
        record_papers(session, case, now=now, catalog=catalog)
    session.add(_transition_row(case, action, from_state, transition.to, actor, now, comment))
    _post(session, case, transition, actor, now, given, catalog)
    session.flush()
    return case


def history(session: Session, case_id: int) -> list[CaseTransition]:
    """The transitions of a case, oldest first."""
    return list(
        session.execute(
            select(CaseTransition)
            .where(col(CaseTransition.case_id) == case_id)
            .order_by(col(CaseTransition.at), col(CaseTransition.id))
        ).scalars()
    )


def materials(session: Session, case_id: int) -> list[CaseMaterial]:
    """The materials of a case in material order."""
    return list(
        session.execute(
            select(CaseMaterial).where(col(CaseMaterial.case_id) == case_id).order_by(col(CaseMaterial.id))
        ).scalars()
    )


def is_overdue(case: Case, today: date, rules: WorkflowRules | None = None) -> bool:
    """Whether the centre owes a decision on `case` and its due date has passed."""
    rules = rules or workflow_rules()
    return case.state in rules.clock_states and case.due_on is not None and case.due_on < today


def overdue_cases(session: Session, *, today: date, rules: WorkflowRules | None = None) -> list[Case]:
    """Cases awaiting a decision past their due date, the longest overdue first."""
    rules = rules or workflow_rules()
    return list(
        session.execute(
            select(Case)
            .where(col(Case.state).in_(tuple(rules.clock_states)), col(Case.due_on) < today)
            .order_by(col(Case.due_on), col(Case.id))
        ).scalars()
    )


def post_review_queue(session: Session) -> list[Case]:
    """Paid pay-first cases drawn for post-review, oldest first."""
    return list(
        session.execute(
            select(Case)
            .where(col(Case.state) == "paid", col(Case.sampled_for_review).is_(True))
            .order_by(col(Case.submitted_at), col(Case.id))
        ).scalars()
    )
