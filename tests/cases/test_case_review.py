"""What a supervisor reviews, on SQLite and PostgreSQL: the queues in order with due dates in working
days, the dossier's evidence (registry facts and captured pages, masked), the actions left after
four eyes and the guards that already refuse, and the logged read."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from case_people import CLERK, NOW, SUP, add_customer, identity, owns_home
from PIL import Image
from sqlmodel import select

from desk.archive.intake import DocumentInfo, PageInput, archive_document
from desk.archive.storage import FileStore
from desk.cases.checklist import checklist_for
from desk.cases.review import decision_queue, load_dossier, sample_queue
from desk.cases.workflow import get_case, open_case, perform, record_capture
from desk.db import session_scope
from desk.records.tables import Person
from desk.security.access_log import AccessLog

TODAY = NOW.date()  # Monday 2026-11-16
FACTS = {"identity": identity(), "property": owns_home(False), "marriage": {"status": "unmarried"}}


def _opened(engine, business: str, *, by=CLERK, when: datetime = NOW, declared: tuple[str, ...] = ()) -> int:
    with session_scope(engine) as session:
        person = add_customer(session, today=TODAY, facts=FACTS, loans=[{}])
        checklist = checklist_for(session, person.id, business, today=TODAY, declared=declared)
        return open_case(session, checklist=checklist, actor=by, amount_fen=10_000, now=when, declared=declared).id


def _act(engine, case_id: int, action: str, actor, **kwargs) -> None:
    with session_scope(engine) as session:
        perform(
            session,
            case_id=case_id,
            action=action,
            actor=actor,
            expected_version=get_case(session, case_id).version,
            **kwargs,
        )


def _submitted(engine, business: str = "TQ201", *, by=CLERK, when: datetime = NOW) -> int:
    case_id = _opened(engine, business, by=by, when=when)
    _act(engine, case_id, "submit", by, now=when)
    return case_id


def _png(text: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), text).save(buffer, format="PNG")
    return buffer.getvalue()


def test_queues_oldest_first_with_due_dates_counted_in_working_days(engine):
    today_case = _submitted(engine)
    week_old = _submitted(engine, when=NOW - timedelta(days=7))  # Monday 9th: due Thursday 12th
    paid = _submitted(engine, "TQ401")
    _act(engine, paid, "pay", CLERK, draw=lambda: 0.0, now=NOW)
    unsampled = _submitted(engine, "TQ401")
    _act(engine, unsampled, "pay", CLERK, draw=lambda: 0.99, now=NOW)
    with session_scope(engine) as session:
        queue = decision_queue(session, viewer=SUP, today=TODAY)
        sample = sample_queue(session, viewer=SUP, today=TODAY)
        mine = decision_queue(session, viewer=CLERK, today=TODAY)
    assert [e.case_id for e in queue] == [week_old, today_case]
    late, fresh = queue
    assert (late.due_on, late.overdue, late.working_days) == (date(2026, 11, 12), True, 2)  # Friday and Monday
    assert (fresh.due_on, fresh.overdue, fresh.working_days) == (date(2026, 11, 19), False, 3)
    assert late.customer == "于**" and not late.mine
    assert all(entry.mine for entry in mine)  # the clerk opened them all
    assert [(e.case_id, e.state, e.overdue, e.working_days) for e in sample] == [(paid, "paid", False, None)]


def test_dossier_actions_after_four_eyes_and_guards(engine):
    submitted = _submitted(engine)
    own = _submitted(engine, by=SUP)
    sampled = _submitted(engine, "TQ401")
    _act(engine, sampled, "pay", CLERK, draw=lambda: 0.0, now=NOW)
    unsampled = _submitted(engine, "TQ401")
    _act(engine, unsampled, "pay", CLERK, draw=lambda: 0.99, now=NOW)
    with session_scope(engine) as session:
        plain = load_dossier(session, case_id=submitted, viewer=SUP, today=TODAY)
        barred = load_dossier(session, case_id=own, viewer=SUP, today=TODAY)
        review = load_dossier(session, case_id=sampled, viewer=SUP, today=TODAY)
        closable = load_dossier(session, case_id=unsampled, viewer=SUP, today=TODAY)
        logged = session.exec(select(AccessLog).where(AccessLog.action == "view_case")).all()
    assert (plain.actions, plain.four_eyes_barred) == (("approve", "reject", "return"), False)
    assert plain.guards["reject"] == ("comment_given",) and plain.guards["approve"] == ("eligible",)
    assert (barred.actions, barred.four_eyes_barred) == ((), True)
    assert review.actions == ("review", "recourse")  # closing a case drawn for review is refused: not offered
    assert "clawback_given" in review.guards["recourse"]
    assert "close" in closable.actions
    assert [(row.staff, row.purpose, row.case_no) for row in logged][:1] == [
        ("sup1", "case_review", plain.case.case_no)
    ]
    assert len(logged) == 4
    [identity_item] = [m for m in plain.materials if m.material == "M01"]
    assert identity_item.status == "proven" and identity_item.fact_kind == "identity"
    assert identity_item.fact == {"name": "于**", "alive": True, "died_on": None}  # masked like every name
    assert plain.customer_name == "于**" and plain.customer_id_number.count("*") == 10
    assert plain.account_status == "01" and plain.balance_fen == 5_000_000


def test_a_captured_page_shows_what_was_read_off_it_and_whether_the_id_is_the_customers(engine, data_dir):
    case_id = _opened(engine, "TQ401", declared=("actual_rent",))
    with session_scope(engine) as session:
        case = get_case(session, case_id)
        id_number = session.get(Person, case.person_id).id_number
        version = case.version
    fields = {
        "id_numbers": [{"value": id_number, "raw": id_number, "repaired": False}],
        "names": ["于海洋"],
        "labelled": {"lessee": "于海洋", "monthly_rent": "2500元"},
    }
    page = PageInput(original=_png("white"), text="房屋租赁合同", doc_type="lease", fields=fields)
    document_id = archive_document(
        FileStore(data_dir),
        [page],
        DocumentInfo(
            person_id=case.person_id, captured_by="clerk1", source="camera", material_code="M10", case_no=case.case_no
        ),
        engine=engine,
    )
    with session_scope(engine) as session:
        record_capture(
            session, case_id=case_id, material="M10", actor=CLERK, expected_version=version, document_id=document_id
        )
        dossier = load_dossier(session, case_id=case_id, viewer=SUP, today=TODAY)
    [lease] = [m for m in dossier.materials if m.material == "M10"]
    [captured] = lease.pages
    assert (lease.status, lease.document_id, captured.doc_type, captured.id_matches) == (
        "captured",
        document_id,
        "lease",
        True,
    )
    assert dict(captured.fields) == {
        "id_numbers": id_number[:4] + "*" * 10 + id_number[-4:],
        "names": "于**",
        "lessee": "于**",
        "monthly_rent": "2500元",
    }
    assert dossier.actions == ()  # submitting is the counter's step: the review page offers no clerk's button
