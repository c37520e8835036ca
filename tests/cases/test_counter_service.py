"""The counter's service steps on both engines: the logged checklist, a capture archived into the case
(and nothing stored when the case changed meanwhile), submission with pay-first payment, which
archived pages a clerk may see (logged), the clerk's own cases and notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from case_people import CLERK, CLERK2, DEMO_TODAY, add_customer, identity, owns_home
from sqlmodel import func, select

from desk.archive.intake import PageInput
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.cases.checklist import checklist_for
from desk.cases.counter import (archive_capture, checklist_logged, defer_material, notice_for, open_draft,
                                page_image, recent_cases, submit_case)
from desk.cases.workflow import CaseConflict, CaseError
from desk.cases.working_days import local_day
from desk.db import session_scope
from desk.security.access_log import AccessLog


def _jpeg(shade: int) -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((40, 30, 3), shade, np.uint8))
    assert ok
    return data.tobytes()


def _page(shade: int) -> PageInput:
    return PageInput(original=_jpeg(shade), flat=_jpeg(shade + 1), flat_ext="jpg", thumb=_jpeg(shade + 2),
                     thumb_ext="jpg", text="房屋租赁合同 承租人", width_px=30, height_px=40, doc_type="lease")


def _customer(engine, *, owns: bool, loans=(), no_identity: bool = False) -> int:
    facts = {"identity": identity(), "property": owns_home(owns), "marriage": {"status": "unmarried"}}
    if no_identity:
        del facts["identity"]
    with session_scope(engine) as session:  # the counter works on today's data
        return add_customer(session, today=local_day(datetime.now(UTC)), facts=facts, loans=list(loans)).id


def _draft(engine, person_id: int, business: str = "TQ401", actor=CLERK):
    with session_scope(engine) as session:
        checklist = checklist_for(session, person_id, business)
    return open_draft(checklist=checklist, staff=actor, engine=engine)


def _count(engine, table) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_the_checklist_read_is_logged(engine):
    person_id = _customer(engine, owns=True)
    checklist = checklist_logged(person_id=person_id, business_code="TQ401", declared=(), staff=CLERK, engine=engine)
    assert {item.material: item.status for item in checklist.items}["M11"] == "missing"
    with session_scope(engine) as session:
        row = session.exec(select(AccessLog)).one()
    assert (row.staff, row.role, row.action, row.person_id, row.purpose) == \
        ("clerk1", "clerk", "checklist", person_id, "counter_service")


def test_a_capture_is_archived_into_the_case_and_a_stale_one_stores_nothing(engine):
    person_id = _customer(engine, owns=True)
    case = _draft(engine, person_id)
    assert case.blocking == ["M11"]
    captured = archive_capture(case_id=case.case_id, material="M11", pages=[_page(100), _page(120)],
                               source="camera", title="M11", staff=CLERK, expected_version=case.version,
                               engine=engine)
    assert captured.materials["M11"].status == "captured" and captured.blocking == []
    assert captured.version == case.version + 1
    with session_scope(engine) as session:
        document = session.get(ArchiveDocument, captured.materials["M11"].document_id)
        assert (document.person_id, document.case_no, document.material_code, document.source,
                document.page_count, document.captured_by) == (person_id, case.case_no, "M11", "camera", 2, "clerk1")
        assert document.retention_class == "withdrawal"  # the business's class, which the archive knows
    documents = _count(engine, ArchiveDocument)
    with pytest.raises(CaseConflict):  # someone changed the case since this version was read
        archive_capture(case_id=case.case_id, material="M11", pages=[_page(140)], source="upload", title="x.jpg",
                        staff=CLERK, expected_version=case.version, engine=engine)
    assert _count(engine, ArchiveDocument) == documents


def test_submit_pays_a_pay_first_case_at_once_and_leaves_a_decide_first_one_submitted(engine):
    rent = _draft(engine, _customer(engine, owns=False, no_identity=True))
    with pytest.raises(CaseError) as refused:
        submit_case(case_id=rent.case_id, staff=CLERK, expected_version=rent.version, engine=engine)
    assert refused.value.key == "cases.workflow.materials_missing"
    promised = local_day(datetime.now(UTC)) + timedelta(days=5)
    rent = defer_material(case_id=rent.case_id, material="M01", promised_on=promised, staff=CLERK,
                          expected_version=rent.version, engine=engine)
    paid = submit_case(case_id=rent.case_id, staff=CLERK, expected_version=rent.version, engine=engine)
    assert paid.state == "paid" and paid.sampled_for_review in (True, False) and paid.paid
    assert paid.amount_fen == 2_160_000  # no amount given: the most the rules allow (the urban rent cap)

    repay = _draft(engine, _customer(engine, owns=False, loans=[{}]), "TQ201")
    submitted = submit_case(case_id=repay.case_id, staff=CLERK, expected_version=repay.version, engine=engine)
    assert (submitted.state, submitted.sampled_for_review) == ("submitted", None)
    assert submitted.due_on is not None


def test_page_images_only_for_customers_opened_here_or_the_clerks_own_cases(engine):
    person_id = _customer(engine, owns=False)
    case = _draft(engine, person_id)
    captured = archive_capture(case_id=case.case_id, material="M11", pages=[_page(60)], source="upload",
                               title="no-home.jpg", staff=CLERK, expected_version=case.version, engine=engine)
    case = submit_case(case_id=case.case_id, staff=CLERK, expected_version=captured.version, engine=engine)
    with session_scope(engine) as session:
        page_id = session.exec(select(ArchivePage.id).where(
            ArchivePage.document_id == captured.materials["M11"].document_id)).one()
    assert page_image(page_id=page_id, kind="thumb", staff=CLERK, opened_people=(), engine=engine) == _jpeg(62)
    assert page_image(page_id=page_id, kind="flat", staff=CLERK2, opened_people={person_id}, engine=engine) \
        == _jpeg(61)
    assert page_image(page_id=page_id, kind="flat", staff=CLERK2, opened_people=(), engine=engine) is None
    assert page_image(page_id=page_id, kind="original", staff=CLERK, opened_people={person_id}, engine=engine) is None
    assert page_image(page_id=page_id + 999, kind="thumb", staff=CLERK, opened_people={person_id},
                      engine=engine) is None
    with session_scope(engine) as session:
        reads = session.exec(select(AccessLog.staff, AccessLog.case_no, AccessLog.fields)
                             .where(AccessLog.action == "view_document").order_by(AccessLog.id)).all()
    assert [tuple(row) for row in reads] == [("clerk1", case.case_no, f"archive_page:{page_id}"),
                                             ("clerk2", case.case_no, f"archive_page:{page_id}")]


def _submitted_with_promise(engine, actor=CLERK):
    draft = _draft(engine, _customer(engine, owns=False, no_identity=True), actor=actor)
    promised = local_day(datetime.now(UTC)) + timedelta(days=5)
    draft = defer_material(case_id=draft.case_id, material="M01", promised_on=promised, staff=actor,
                           expected_version=draft.version, engine=engine)
    return submit_case(case_id=draft.case_id, staff=actor, expected_version=draft.version, engine=engine)


def test_recent_cases_and_notices_belong_to_the_clerk(engine):
    mine = _submitted_with_promise(engine)
    theirs = _submitted_with_promise(engine, actor=CLERK2)
    _draft(engine, _customer(engine, owns=False))  # a draft is no case yet: not listed
    assert [case.case_no for case in recent_cases(staff=CLERK, engine=engine)] == [mine.case_no]
    notice = notice_for(case_no=mine.case_no, staff=CLERK, base_url="https://desk.example.cn/", engine=engine)
    assert notice.inquiry_url == f"https://desk.example.cn/inquiry?case={mine.case_no}"
    assert [item.material for item in notice.items] == ["M01"]
    with pytest.raises(CaseError):
        notice_for(case_no=theirs.case_no, staff=CLERK, base_url="https://desk.example.cn", engine=engine)
