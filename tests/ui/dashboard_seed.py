"""Cases for the dashboard's browser test, made through the real services on a running desk's database.

The seeded customers whose rent withdrawal passes every rule each get one, spread over the last ten
days: the clerk's lookup (written to the access log at its time, as a lookup writes it), the draft,
容缺 for whatever paper is missing, submission and payment at that time (the workflow takes the time
of each step); some paid cases are post-reviewed by the supervisor, some of those clawed back. The
customers who own a home get a self-build withdrawal 15 to 24 days ago that nobody has decided (overdue).
The three demo clerks take the customers in turn, each in their own hall, so every hall has its own figures.
What was made is returned, so the test checks the page against it and not against the page's own code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

RENT, BUILD = "TQ401", "TQ402"


@dataclass
class Made:
    """The cases made: ids per kind, and the papers their submissions recorded as avoided."""

    rent: list[int] = field(default_factory=list)
    build: list[int] = field(default_factory=list)
    reviewed: list[int] = field(default_factory=list)
    clawed_back: list[int] = field(default_factory=list)
    papers_avoided: int = 0
    counter_seconds: list[int] = field(default_factory=list)
    days: dict[int, object] = field(default_factory=dict)  # case id -> local day of its submission
    halls: dict[int, str] = field(default_factory=dict)  # case id -> the hall of the clerk who submitted it

    def in_hall(self, hall: str) -> list[int]:
        """The cases submitted in `hall`."""
        return [case_id for case_id, where in self.halls.items() if where == hall]

    @property
    def cases(self) -> int:
        """How many cases were submitted."""
        return len(self.rent) + len(self.build)


def _submit(session, checklist, clerk, at: datetime, amount_fen: int) -> int | None:
    """Open, 容缺 what is missing, submit at `at`; None (and the draft discarded) when the workflow refuses."""
    from desk.cases.workflow import CaseError, accept_on_promise, get_case, open_case, perform
    from desk.cases.working_days import local_day

    case = open_case(session, checklist=checklist, actor=clerk, amount_fen=amount_fen, now=at - timedelta(minutes=4))
    try:
        for item in checklist.items:
            if item.to_capture:
                accept_on_promise(
                    session,
                    case_id=case.id,
                    material=item.material,
                    actor=clerk,
                    expected_version=get_case(session, case.id).version,
                    promised_on=local_day(at) + timedelta(days=10),
                    now=at - timedelta(minutes=2),
                )
        perform(
            session,
            case_id=case.id,
            action="submit",
            actor=clerk,
            now=at,
            expected_version=get_case(session, case.id).version,
        )
    except CaseError:
        return None
    return case.id


def make_cases(data: Path) -> Made:
    """The cases of the module docstring on the desk database in `data`."""
    from sqlalchemy import select

    from desk.cases.amounts import amount_plan
    from desk.cases.checklist import checklist_for
    from desk.cases.papers import papers_of
    from desk.cases.tables import Case
    from desk.cases.workflow import get_case, perform
    from desk.cases.working_days import local_day
    from desk.db import make_engine, session_scope
    from desk.records.tables import Person, PersonalAccount
    from desk.security.access_log import AccessLog
    from desk.security.staff import get_staff

    made, now = Made(), datetime.now(UTC)
    engine = make_engine(f"sqlite:///{data / 'desk.sqlite3'}")
    try:
        with session_scope(engine) as session:
            clerks = [get_staff(session, name) for name in ("clerk1", "clerk2", "clerk3")]
            supervisor = get_staff(session, "supervisor1")
            people = (
                session.execute(
                    select(Person.id).join(PersonalAccount, PersonalAccount.person_id == Person.id).order_by(Person.id)
                )
                .scalars()
                .all()
            )
        for index, person_id in enumerate(people):
            at = now - timedelta(days=index % 10, minutes=30 + 7 * index)
            clerk = clerks[index % len(clerks)]
            with session_scope(engine) as session:
                rent = checklist_for(session, person_id, RENT, today=local_day(at))
                build = checklist_for(session, person_id, BUILD, today=local_day(at))
                if rent.eligible:
                    # the lookup that starts the visit, at its time (the access log only ever grows)
                    session.add(
                        AccessLog(
                            at=at - timedelta(minutes=5 + index % 9),
                            staff=clerk.username,
                            role=clerk.role,
                            action="lookup",
                            person_id=person_id,
                            purpose="counter_service",
                        )
                    )
                    session.flush()
                    case_id = _submit(session, rent, clerk, at, min(amount_plan(rent).maximum_fen, 300_000))
                    if case_id is None:
                        continue
                    perform(
                        session,
                        case_id=case_id,
                        action="pay",
                        actor=clerk,
                        now=at + timedelta(seconds=1),
                        expected_version=get_case(session, case_id).version,
                        draw=lambda: 0.0,
                    )
                    made.rent.append(case_id)
                    made.days[case_id] = local_day(at)
                    if len(made.rent) % 2 == 1:  # every second one post-reviewed; every second of those clawed back
                        clawback = len(made.reviewed) % 2 == 1
                        perform(
                            session,
                            case_id=case_id,
                            action="recourse" if clawback else "review",
                            actor=supervisor,
                            comment="租赁合同与备案不符" if clawback else "",
                            clawback_fen=10_000 if clawback else None,
                            now=at + timedelta(hours=2),
                            expected_version=get_case(session, case_id).version,
                        )
                        made.reviewed.append(case_id)
                        if clawback:
                            made.clawed_back.append(case_id)
                elif build.eligible:
                    # 15 to 24 days ago: past due even across a week of holidays
                    old = now - timedelta(days=15 + index % 10, minutes=index)
                    build = checklist_for(session, person_id, BUILD, today=local_day(old))
                    case_id = _submit(session, build, clerk, old, 200_000)
                    if case_id is None:
                        continue
                    made.build.append(case_id)
                    made.days[case_id] = local_day(old)
                else:
                    continue
                made.halls[case_id] = clerk.hall
                made.papers_avoided += len(papers_of(session, case_id).avoided)
                seconds = session.get(Case, case_id).counter_seconds
                if seconds is not None:
                    made.counter_seconds.append(seconds)
    finally:
        engine.dispose()
    return made
