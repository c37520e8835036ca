"""Property-based test of the money (issue #9), on SQLite and PostgreSQL: random customers, random paying
withdrawals and random sequences of the counter's and the supervisors' steps through the real services,
and after every example the invariants of the books:

1. nothing ineligible is paid without an override: a paid case was overridden, or its checklist, computed
   for the customer's data as they stood just before the paying call, passed every rule;
2. no payment above the cap or the balance: each withdrawal is > 0, <= the maximum of the amount plan
   and <= the balance just before the paying call;
3. no double payment: one withdrawal posting per case at most; for TQ401 one paid case per customer
   per 12 months (earlier rent withdrawals on the ledger included);
4. every payment posted once: `reconcile` finds nothing, and the balance is the starting balance less
   the withdrawals plus the claw-backs;
5. refusals are CaseError, never another exception, and leave nothing behind (no posting, no balance
   change, no paid mark).

The expectation of 1 and 2 is computed here, with `checklist_for` and `amount_plan`, right before each
call that may pay (submit of a pay-first case, approve); nothing of the code under test is replaced.

Each example makes its own customers and staff in the engine's database, so examples are independent
although the function-scoped `engine` fixture is shared by all examples of one engine. Runs are
derandomized for the suite; `DESK_PROPERTY_EXAMPLES=500` explores more (and randomly) locally.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from case_people import SUPERVISOR_PASSWORD, Actor, add_customer, add_staff, hukou, identity, owns_home
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as _event
from hypothesis import note as _note
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import func, select

from desk.cases.amounts import amount_plan
from desk.cases.checklist import checklist_for
from desk.cases.counter import BLOCKING, defer_material, discard_draft, open_draft, override_rules, submit_case
from desk.cases.postings import reconcile
from desk.cases.tables import Case
from desk.cases.workflow import CaseError, declared_of, get_case, materials, perform
from desk.cases.working_days import local_day
from desk.db import session_scope
from desk.records.calendar_months import add_months
from desk.records.tables import PersonalAccount, Withdrawal

EXAMPLES = int(os.environ.get("DESK_PROPERTY_EXAMPLES", "25"))
PAYING = ("TQ401", "TQ201", "TQ301", "TQ402", "TQ403", "TQ601", "TQ401")  # rent twice: the busiest
MAX_RENT_CAP_FEN = 2_160_000  # the urban core's yearly cap, the largest in catalog.toml
RENT = "TQ401"
_example_no = itertools.count(1)
_customer_no = itertools.count()


def note(text: str) -> None:
    """A note for hypothesis' report of a failing example (nothing outside a hypothesis test)."""
    if currently_in_test_context():
        _note(text)


def event(text: str) -> None:
    """A hypothesis statistics event (nothing outside a hypothesis test)."""
    if currently_in_test_context():
        _event(text)


def _today() -> date:
    return local_day(datetime.now(UTC))


# --- customers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    """What a random customer is made of (all the facts the paying withdrawals read)."""

    balance_fen: int = 5_000_000
    deposit_months: int = 24
    status: str = "01"  # 01 normal, 02 sealed, 03 frozen
    home: str = "none"  # none | owns | missing (no real-estate record)
    marriage: str = "unmarried"  # unmarried | married (spouse not a depositor here) | missing
    retired: bool | None = None  # None: no pension record
    loan: str = "none"  # none | open | closed
    loan_outstanding_fen: int = 40_000_000
    withdrawals: tuple[tuple[str, int, int], ...] = ()  # (reason, months ago, yuan)
    district: str | None = "中山区"  # None: no hukou record; "nonlocal": hukou outside Dalian
    card: bool = True
    lease_rent_fen: int | None = None  # monthly rent on a filed lease
    renovation_fen: int | None = None  # renovation invoices on the tax record
    assistance: bool = False  # minimum living allowance on record


def _facts(spec: Customer, today: date) -> dict[str, dict]:
    facts: dict[str, dict] = {"identity": identity()}
    if spec.home != "missing":
        facts["property"] = owns_home(spec.home == "owns")
    if spec.marriage == "unmarried":
        facts["marriage"] = {"status": "unmarried"}
    elif spec.marriage == "married":
        facts["marriage"] = {
            "status": "married",
            "spouse_id_number": "210202198001010000",
            "spouse_name": "曲丽",
            "registered_on": "2012-10-01",
        }
    if spec.retired is not None:
        facts["retirement"] = {"retired": spec.retired, "retired_on": "2026-01-01" if spec.retired else None}
    if spec.district == "nonlocal":
        facts["hukou"] = hukou(local=False)
    elif spec.district is not None:
        facts["hukou"] = hukou(spec.district)
    if spec.lease_rent_fen is not None:
        facts["lease_filing"] = {
            "leases": [
                {
                    "filing_no": "Z1",
                    "monthly_rent_fen": spec.lease_rent_fen,
                    "start_on": add_months(today, -2).isoformat(),
                    "end_on": add_months(today, 10).isoformat(),
                }
            ]
        }
    if spec.renovation_fen is not None:
        facts["tax"] = {
            "invoices": [
                {
                    "invoice_no": "I1",
                    "amount_fen": spec.renovation_fen,
                    "purpose": "renovation",
                    "issued_on": add_months(today, -3).isoformat(),
                }
            ],
            "deed_tax_paid_fen": 0,
        }
    if spec.assistance:
        facts["social_assistance"] = {"kind": "dibao", "since": "2025-01-01"}
    return facts


def _make_customer(engine, spec: Customer) -> int:
    today = _today()
    loans = (
        []
        if spec.loan == "none"
        else [{"status": spec.loan, "outstanding_fen": spec.loan_outstanding_fen if spec.loan == "open" else 0}]
    )
    with session_scope(engine) as session:
        # a birth date of its own: case_people's ID numbers repeat every few hundred customers of one birth date
        birth = date(1975, 1, 1) + timedelta(days=next(_customer_no))
        person = add_customer(
            session,
            today=today,
            birth=birth,
            status=spec.status,
            balance_yuan=0,
            deposit_months=spec.deposit_months,
            card="6217001234567890123" if spec.card else None,
            withdrawals=[(reason, add_months(today, -ago), yuan) for reason, ago, yuan in spec.withdrawals],
            loans=loans,
            facts=_facts(spec, today),
        )
        account = session.execute(select(PersonalAccount).where(PersonalAccount.person_id == person.id)).scalar_one()
        account.balance_fen = spec.balance_fen  # to the fen; the books agree through the brought-forward amount
        account.brought_forward_fen += spec.balance_fen
        session.add(account)
        return person.id


_fen = st.integers(min_value=1, max_value=30_000_000)
_balances = st.one_of(st.sampled_from([0, 1, 99, 1_000_000, 2_160_000, 2_160_001, 5_000_000]), _fen)
_earlier = st.lists(
    st.tuples(st.sampled_from(["07", "06", "99", "02", "01"]), st.integers(0, 30), st.integers(1, 30_000)), max_size=3
).map(tuple)
_facts_that_vary = dict(
    balance_fen=_balances,
    retired=st.sampled_from([None, True, False]),
    loan=st.sampled_from(["none", "open", "closed"]),
    loan_outstanding_fen=st.one_of(st.just(1), _fen),
    withdrawals=_earlier,
    district=st.sampled_from(["中山区", "金州区", "庄河市", "长兴岛", None, "nonlocal"]),
    lease_rent_fen=st.one_of(st.none(), st.integers(1, 1_000_000)),
    renovation_fen=st.one_of(st.none(), _fen),
    assistance=st.booleans(),
)
# customers in order, with the facts every paying withdrawal asks for (most may be paid something) …
ordinary = st.builds(
    Customer,
    balance_fen=st.one_of(st.integers(100_000, 10_000_000), _balances),
    home=st.sampled_from(["none", "none", "owns"]),
    retired=st.just(True),
    loan=st.just("open"),
    loan_outstanding_fen=st.one_of(_fen, st.just(1)),
    withdrawals=st.one_of(st.just(()), _earlier),
    district=_facts_that_vary["district"],
    lease_rent_fen=st.one_of(st.none(), st.integers(1, 1_000_000)),
    renovation_fen=_fen,
    assistance=st.just(True),
)
# … and customers with anything wrong
anything = st.builds(
    Customer,
    deposit_months=st.sampled_from([0, 2, 3, 12, 24]),
    status=st.sampled_from(["01", "01", "02", "03"]),
    home=st.sampled_from(["none", "owns", "missing"]),
    marriage=st.sampled_from(["unmarried", "married", "missing"]),
    card=st.booleans(),
    **_facts_that_vary,
)
# … and customers in order but for one thing a supervisor may override (an override has something to do)
_one_defect = st.sampled_from(
    [
        {"home": "missing"},
        {"withdrawals": (("07", 4, 20_000), ("06", 5, 1_000), ("99", 6, 1_000))},
        {"deposit_months": 2},
        {"status": "02"},
        {"marriage": "married"},
    ]
)
almost = st.tuples(ordinary, _one_defect).map(lambda pair: replace(pair[0], **pair[1]))
customers = st.one_of(ordinary, almost, ordinary, almost, anything)

# --- steps ----------------------------------------------------------------------------------------
# A plan is a list of episodes: a draft opened, then steps mostly on that case (`case` 0 is the newest
# case, 1 the one before …, taken modulo the cases there are), sometimes on an older one.

AMOUNTS = ("none", "one_fen", "maximum", "above", "random", "zero")
_case = st.sampled_from([0, 0, 0, 0, 1, 2])
_sup = st.integers(0, 2)
open_step = st.tuples(st.just("open"), st.integers(0, 1), st.sampled_from(PAYING), st.booleans(), st.integers(0, 2))
steps = st.one_of(
    st.tuples(st.just("defer"), _case),
    st.tuples(st.just("override"), _case, _sup),
    st.tuples(
        st.just("submit"), _case, st.sampled_from(AMOUNTS), st.integers(1, 30_000_000), st.integers(0, 2), st.booleans()
    ),
    st.tuples(st.just("approve"), _case, _sup),
    st.tuples(st.just("return"), _case, _sup),
    st.tuples(
        st.just("recourse"),
        _case,
        _sup,
        st.sampled_from(["all", "one", "above", "zero", "random"]),
        st.integers(1, 30_000_000),
    ),
    st.tuples(st.just("reject"), _case, _sup),
    st.tuples(st.just("discard"), _case),
)
# the usual life of a case, so that most episodes get as far as a payment or a refusal of one
_submit = st.tuples(
    st.just("submit"),
    st.just(0),
    st.sampled_from(AMOUNTS),
    st.integers(1, 30_000_000),
    st.integers(0, 2),
    st.booleans(),
)
_decision = st.one_of(
    st.tuples(st.just("approve"), st.just(0), _sup).map(lambda step: [step]),
    st.tuples(
        st.just("recourse"),
        st.just(0),
        _sup,
        st.sampled_from(["all", "one", "above", "zero", "random"]),
        st.integers(1, 30_000_000),
    ).map(lambda step: [step]),
    st.tuples(st.just("return"), st.just(0), _sup, _submit, st.just(("approve", 0, 1))).map(
        lambda steps: [steps[:3], steps[3], steps[4]]
    ),
    st.just([]),
)
usual_life = st.tuples(
    st.sampled_from([[("defer", 0)], [("defer", 0)], [("defer", 0)], []]),
    st.one_of(st.just([]), st.tuples(st.just("override"), st.just(0), _sup).map(lambda step: [step])),
    _submit,
    st.one_of(
        st.just([]),
        st.tuples(
            st.just("submit"),
            st.just(0),
            st.sampled_from(["none", "maximum", "random"]),
            st.integers(1, 30_000_000),
            st.integers(0, 1),
            st.just(False),
        ).map(lambda step: [step]),
    ),  # the clerk tries again after a refused amount
    _decision,
    _decision,
    st.lists(steps, max_size=2),
).map(lambda parts: [*parts[0], *parts[1], parts[2], *parts[3], *parts[4], *parts[5], *parts[6]])
episode = st.tuples(open_step, st.one_of(usual_life, usual_life, usual_life, st.lists(steps, max_size=5))).map(
    lambda pair: [pair[0], *pair[1]]
)
plans = st.lists(episode, min_size=1, max_size=3).map(lambda episodes: [s for e in episodes for s in e])


# --- running an example ---------------------------------------------------------------------------


@dataclass
class Payment:
    """What the test expected just before a call that paid a case."""

    case_id: int
    eligible_before: bool
    failing_before: tuple[str, ...]
    maximum_before: int | None
    balance_before: int


@dataclass
class Run:
    engine: object
    people: list[int]
    start_balance: dict[int, int]
    clerks: tuple[Actor, Actor]
    sups: tuple[Actor, Actor, Actor]
    cases: list[int] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


def _balance(engine, person_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(
            select(PersonalAccount.balance_fen).where(PersonalAccount.person_id == person_id)
        ).scalar_one()


def _snapshot(engine, person_id: int) -> tuple:
    """What a refused call must not change: balance, postings of the customer, paid cases of the customer."""
    with session_scope(engine) as session:
        account = session.execute(select(PersonalAccount).where(PersonalAccount.person_id == person_id)).scalar_one()
        postings = session.execute(
            select(func.count()).select_from(Withdrawal).where(Withdrawal.account_id == account.id)
        ).scalar_one()
        paid = session.execute(
            select(func.count()).select_from(Case).where(Case.person_id == person_id, Case.paid_at.is_not(None))
        ).scalar_one()
        return account.balance_fen, postings, paid


def _expectation(engine, case_id: int) -> Payment:
    """The checklist and amount plan of the case's customer as the data stand now (no amount asked)."""
    with session_scope(engine) as session:
        case = get_case(session, case_id)
        checklist = checklist_for(
            session, case.person_id, case.business_code, declared=declared_of(case), today=_today()
        )
        plan = amount_plan(checklist)
        balance = session.execute(
            select(PersonalAccount.balance_fen).where(PersonalAccount.person_id == case.person_id)
        ).scalar_one()
        failing = tuple(rule.rule for rule in checklist.rules if not rule.passed)
        return Payment(case_id, checklist.eligible, failing, plan.maximum_fen, balance)


def _amount(choice: str, random_fen: int, maximum: int | None) -> int | None:
    top = maximum or 0
    return {"none": None, "one_fen": 1, "maximum": maximum, "above": top + 1, "random": random_fen, "zero": 0}[choice]


def _guarded(run: Run, person_id: int, call) -> object | None:
    """Call a service; a refusal must be a CaseError that changed nothing of the customer's money."""
    before = _snapshot(run.engine, person_id)
    try:
        return call()
    except CaseError as refused:  # property 5: any other exception fails the example as it is
        run.refusals.append(refused.key)
        assert _snapshot(run.engine, person_id) == before, f"refused ({refused.key}) but left rows behind"
        return None


def _case(engine, case_id: int) -> Case:
    """The case as it stands now (its version is what the next change must name)."""
    with session_scope(engine) as session:
        return get_case(session, case_id)


def _blocking(engine, case_id: int) -> list[str]:
    """The case's materials that still block its submission."""
    with session_scope(engine) as session:
        return [row.material for row in materials(session, case_id) if row.status in BLOCKING]


def _person_of(engine, case_id: int) -> int:
    with session_scope(engine) as session:
        return get_case(session, case_id).person_id


def _paid_now(engine, case_id: int) -> bool:
    with session_scope(engine) as session:
        return get_case(session, case_id).paid_at is not None


def _decide(
    run: Run, case_id: int, action: str, actor: Actor, *, comment: str = "", clawback_fen: int | None = None
) -> None:
    version = _case(run.engine, case_id).version

    def call():
        with session_scope(run.engine) as session:
            perform(
                session,
                case_id=case_id,
                action=action,
                actor=actor,
                expected_version=version,
                comment=comment,
                clawback_fen=clawback_fen,
            )

    _guarded(run, _person_of(run.engine, case_id), call)


def _may_pay(run: Run, case_id: int, call) -> None:
    """Run a call that may pay the case, recording what was expected just before it."""
    expected = _expectation(run.engine, case_id)
    was_paid = _paid_now(run.engine, case_id)
    _guarded(run, _person_of(run.engine, case_id), call)
    if not was_paid and _paid_now(run.engine, case_id):
        run.payments.append(expected)


def _step(run: Run, step: tuple) -> None:
    kind, engine = step[0], run.engine
    if kind == "open":
        _, who, business, actual_rent, opener = step
        person_id = run.people[who % len(run.people)]
        declared = ("actual_rent",) if actual_rent and business == RENT else ()
        staff = (*run.clerks, run.sups[0])[opener]
        with session_scope(engine) as session:
            checklist = checklist_for(session, person_id, business, declared=declared, today=_today())
        opened = _guarded(
            run, person_id, lambda: open_draft(checklist=checklist, staff=staff, declared=declared, engine=engine)
        )
        if opened is not None:
            run.cases.append(opened.case_id)
        return
    if not run.cases:
        return
    case_id = run.cases[-1 - step[1] % len(run.cases)]  # 0: the newest case
    person_id = _person_of(engine, case_id)
    state = _case(engine, case_id)
    if kind == "defer":  # 容缺 on every material still blocking
        for material in _blocking(engine, case_id):
            current = _case(engine, case_id)
            _guarded(
                run,
                person_id,
                lambda: defer_material(
                    case_id=case_id,
                    material=material,
                    promised_on=_today() + timedelta(days=7),
                    staff=run.clerks[0],
                    expected_version=current.version,
                    engine=engine,
                ),
            )
    elif kind == "override":
        sup = run.sups[step[2]]
        _guarded(
            run,
            person_id,
            lambda: override_rules(
                case_id=case_id,
                supervisor=sup.username,
                password=SUPERVISOR_PASSWORD,
                reason="系统迁移中，主管核实后放行",
                expected_version=state.version,
                engine=engine,
            ),
        )
    elif kind == "submit":
        _, _, choice, random_fen, submitter, twice = step
        staff = (*run.clerks, run.sups[0])[submitter]
        amount = _amount(choice, random_fen, _expectation(engine, case_id).maximum_before)

        def call():
            submit_case(case_id=case_id, staff=staff, expected_version=state.version, amount_fen=amount, engine=engine)

        _may_pay(run, case_id, call)
        if twice:  # a double click / a retry after a lost answer, with the version the page had
            _may_pay(run, case_id, call)
    elif kind == "approve":
        _may_pay(run, case_id, lambda: _decide(run, case_id, "approve", run.sups[step[2]]))
    elif kind in ("return", "reject"):
        _decide(run, case_id, kind, run.sups[step[2]], comment="请补交材料")
    elif kind == "recourse":
        _, _, sup, claw, random_fen = step
        paid = state.amount_fen or 0
        clawback = {"all": paid, "one": 1, "above": paid + 1, "zero": 0, "random": random_fen}[claw]
        _decide(run, case_id, "recourse", run.sups[sup], comment="租赁合同不实", clawback_fen=clawback)
    elif kind == "discard":
        _guarded(run, person_id, lambda: discard_draft(case_id=case_id, staff=run.clerks[1], engine=engine))


# --- the invariants -------------------------------------------------------------------------------


def _check(run: Run) -> None:
    with session_scope(run.engine) as session:
        cases = {
            case.id: case for case in session.execute(select(Case).where(Case.person_id.in_(run.people))).scalars()
        }
        accounts = {
            account.person_id: account
            for account in session.execute(
                select(PersonalAccount).where(PersonalAccount.person_id.in_(run.people))
            ).scalars()
        }
        postings = (
            session.execute(select(Withdrawal).where(Withdrawal.account_id.in_([a.id for a in accounts.values()])))
            .scalars()
            .all()
        )
        problems = reconcile(session)
    expected = {payment.case_id: payment for payment in run.payments}
    paid = [case for case in cases.values() if case.paid_at is not None]
    note(f"paid: {[(c.case_no, c.business_code, c.amount_fen, c.override_rules) for c in paid]}")
    note(f"refusals: {run.refusals}")
    for case in paid:
        # every paid case was paid by a call this test watched
        assert case.id in expected, f"{case.case_no} paid outside a watched call"
        before = expected[case.id]
        # 1. nothing ineligible paid without an override
        assert before.eligible_before or case.override_rules, (
            f"{case.case_no} ({case.business_code}) paid although {before.failing_before} failed, no override"
        )
        # 2. no payment above the cap or the balance
        withdrawal = [p for p in postings if p.case_no == case.case_no and p.kind == "withdrawal"]
        assert len(withdrawal) == 1, f"{case.case_no}: {len(withdrawal)} withdrawal postings"  # 3 and 4
        amount = withdrawal[0].amount_fen
        assert 0 < amount == case.amount_fen
        assert before.maximum_before is not None and amount <= before.maximum_before, (
            f"{case.case_no} paid {amount} above the plan's maximum {before.maximum_before}"
        )
        assert amount <= before.balance_before, (
            f"{case.case_no} paid {amount} above the balance {before.balance_before}"
        )
    # 3. at most one posting of each kind per case; one rent withdrawal per customer per 12 months
    per_case: dict[tuple[str | None, str], int] = {}
    for posting in postings:
        if posting.case_no is not None:
            per_case[(posting.case_no, posting.kind)] = per_case.get((posting.case_no, posting.kind), 0) + 1
    assert all(count == 1 for count in per_case.values()), per_case
    for person_id, account in accounts.items():
        rent_days = sorted(
            p.withdrawn_on
            for p in postings
            if p.account_id == account.id and p.kind == "withdrawal" and p.reason_code == "07"
        )
        paid_rent = [c for c in paid if c.person_id == person_id and c.business_code == RENT]
        rent_rows = [
            (p.withdrawn_on, p.amount_fen if p.kind == "withdrawal" else -p.amount_fen)
            for p in postings
            if p.account_id == account.id and p.reason_code == "07"
        ]
        for case in paid_rent:
            day = local_day(case.paid_at if case.paid_at.tzinfo else case.paid_at.replace(tzinfo=UTC))
            if "interval_12m" in (case.override_rules or ""):
                # a supervisor allowed a second rent withdrawal within 12 months: the yearly cap still
                # holds over the 12 months before it (the largest cap, the urban core's, at most)
                year = sum(amount for on, amount in rent_rows if add_months(on, 12) > day and on <= day)
                assert year <= MAX_RENT_CAP_FEN, f"{case.case_no}: {year} fen of rent within 12 months"
                continue
            others = list(rent_days)
            others.remove(day)  # the case's own posting
            close = [other for other in others if add_months(min(other, day), 12) > max(other, day)]
            assert not close, (
                f"{case.case_no}: rent paid on {day} within 12 months of rent withdrawn on {close} "
                f"(override: {case.override_rules})"
            )
        # 4. the balance is the start less the withdrawals plus the claw-backs of the desk
        mine = [c for c in cases.values() if c.person_id == person_id]
        out = sum(c.amount_fen for c in mine if c.paid_at is not None)
        back = sum(c.clawback_fen or 0 for c in mine if c.paid_at is not None)
        assert account.balance_fen == run.start_balance[person_id] - out + back
        assert account.balance_fen >= 0
    # 5. no posting without a paid case
    paid_numbers = {c.case_no for c in paid}
    assert all(p.case_no in paid_numbers for p in postings if p.case_no is not None)
    assert all(c.clawback_fen is None or c.clawback_fen <= c.amount_fen for c in cases.values())
    assert problems == [], problems


def _run(engine, people: list[Customer], plan: list[tuple]) -> Run:
    n = next(_example_no)
    clerks = (Actor(f"p{n}c1", "clerk"), Actor(f"p{n}c2", "clerk"))
    sups = tuple(Actor(f"p{n}s{i}", "supervisor") for i in (1, 2, 3))
    with session_scope(engine) as session:
        for sup in sups:
            add_staff(session, sup.username)
    ids = [_make_customer(engine, spec) for spec in people]
    run = Run(engine, ids, {pid: _balance(engine, pid) for pid in ids}, clerks, sups)  # type: ignore[arg-type]
    for step in plan:
        note(f"step {step}")
        _step(run, step)
    _check(run)
    event(f"payments: {min(len(run.payments), 3)}")
    return run
    for case_id in run.cases:
        event(f"opened {_case(engine, case_id).business_code}")
    for payment in run.payments:
        event(f"paid {'eligible' if payment.eligible_before else 'overridden'}")
    for key in sorted(set(run.refusals)):
        event(f"refused {key}")


# --- the test -------------------------------------------------------------------------------------

ELIGIBLE_RENTER = Customer()
RENT_TWICE_IN_A_YEAR = [
    ("open", 0, RENT, False, 0),
    ("override", 0, 0),
    ("submit", 0, "none", 1, 0, False),
    ("approve", 0, 1),
]
HOME_OWNER = Customer(home="owns", renovation_fen=3_000_000)
RETIRED = Customer(retired=True, balance_fen=1_234_567)
BORROWER = Customer(loan="open", loan_outstanding_fen=700_000)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="DESK_PROPERTY_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(people=st.lists(customers, min_size=1, max_size=2), plan=plans)
# property 1: a registry gap deferred, then overridden by a supervisor, decided by another
@example(
    people=[Customer(home="missing")],
    plan=[
        ("open", 0, RENT, False, 0),
        ("defer", 0),
        ("submit", 0, "none", 1, 0, False),
        ("override", 0, 0),
        ("submit", 0, "none", 1, 0, False),
        ("approve", 0, 0),
        ("approve", 0, 1),
    ],
)
# property 2: above the maximum, then the maximum; the balance binds below the rent cap
@example(
    people=[Customer(balance_fen=1_000_000)],
    plan=[("open", 0, RENT, False, 0), ("submit", 0, "above", 1, 0, False), ("submit", 0, "maximum", 1, 0, True)],
)
# property 3: two drafts of the same customer, both submitted; a second rent within 12 months of one on file
@example(
    people=[ELIGIBLE_RENTER, Customer(withdrawals=(("07", 11, 10_000),))],
    plan=[
        ("open", 0, RENT, False, 0),
        ("open", 0, RENT, True, 1),
        ("submit", 0, "random", 500_000, 0, False),
        ("submit", 1, "none", 1, 1, True),
        ("open", 1, RENT, False, 0),
        ("submit", 2, "none", 1, 0, False),
    ],
)
# property 4: paid, clawed back in part, then a claw-back above the amount; TQ201, TQ301, TQ403 decided
@example(
    people=[ELIGIBLE_RENTER, BORROWER],
    plan=[
        ("open", 0, RENT, False, 0),
        ("submit", 0, "random", 300_000, 0, False),
        ("recourse", 0, 0, "above", 1),
        ("recourse", 0, 0, "random", 120_000),
        ("open", 1, "TQ201", False, 0),
        ("submit", 1, "maximum", 1, 0, False),
        ("return", 1, 1),
        ("submit", 1, "one_fen", 1, 0, False),
        ("approve", 1, 2),
    ],
)
@example(
    people=[RETIRED, HOME_OWNER],
    plan=[
        ("open", 0, "TQ301", False, 0),
        ("submit", 0, "one_fen", 1, 0, False),
        ("approve", 0, 1),
        ("open", 1, "TQ403", False, 1),
        ("submit", 1, "above", 1, 1, False),
        ("submit", 1, "random", 2_000_000, 1, False),
        ("approve", 1, 0),
        ("open", 1, "TQ402", False, 0),
        ("defer", 2),
        ("submit", 2, "maximum", 1, 0, False),
        ("approve", 2, 2),
    ],
)
# property 3 with the interval overridden: paid, and reported as the known bug (see below)
@example(people=[Customer(withdrawals=(("07", 3, 21_600),))], plan=RENT_TWICE_IN_A_YEAR)
# property 5: refusals of every kind (no card, frozen account, zero amount, nothing to override)
@example(
    people=[Customer(card=False, status="03")],
    plan=[
        ("open", 0, RENT, False, 0),
        ("submit", 0, "zero", 1, 0, False),
        ("override", 0, 0),
        ("discard", 0),
        ("submit", 0, "none", 1, 0, False),
        ("approve", 0, 0),
        ("recourse", 0, 0, "all", 1),
    ],
)
def test_money_invariants_hold_for_random_customers_and_steps(engine, people, plan):
    _run(engine, people, plan)


# --- a finding of this test (fixed: rent_cap counts the rent of the last 12 months) -----------------


def test_an_overridden_interval_never_pays_more_than_the_yearly_rent_cap(engine):
    """Minimal example: an eligible renter with 21,600 yuan of rent (reason 07) withdrawn 3 months ago; a
    clerk opens TQ401, a supervisor overrides the failing interval rule, the clerk submits (decide first),
    another supervisor approves: before the fix 21,600 yuan more were paid, 43,200 within 3 months against
    a yearly cap of 21,600. Now the cap counts the rent of the last 12 months: nothing more is paid."""
    run = _run(engine, [Customer(withdrawals=(("07", 3, 21_600),))], RENT_TWICE_IN_A_YEAR)
    assert run.payments == []  # the override lets the case be submitted, but the yearly cap is spent
