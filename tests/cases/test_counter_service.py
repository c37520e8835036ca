"""The counter's service steps on both engines: the logged checklist, a capture archived into the case
(and nothing stored when the case changed meanwhile), submission with pay-first payment, which
archived pages a clerk may see (logged), the clerk's own cases and notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from case_people import CLERK, CLERK2, add_customer, identity, married_to, owns_home
from sqlmodel import func, select

from desk.archive.intake import PageInput
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.capture.pipeline import process_file
from desk.cases.checklist import checklist_for
from desk.cases.counter import (
    archive_capture,
    checklist_logged,
    defer_material,
    notice_for,
    open_draft,
    page_image,
    recent_cases,
    submit_case,
)
from desk.cases.document_fit import type_fit
from desk.cases.forms import declaration_pdf
from desk.cases.workflow import CaseConflict, CaseError
from desk.cases.working_days import local_day
from desk.db import session_scope
from desk.records.tables import Person
from desk.security.access_log import AccessLog


def _jpeg(shade: int) -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((40, 30, 3), shade, np.uint8))
    assert ok
    return data.tobytes()


def _page(shade: int, doc_type: str = "lease") -> PageInput:
    return PageInput(
        original=_jpeg(shade),
        flat=_jpeg(shade + 1),
        thumb=_jpeg(shade + 2),
        text="房屋租赁合同 承租人",
        width_px=30,
        height_px=40,
        doc_type=doc_type,
    )


def _customer(engine, *, owns: bool, loans=(), no_identity: bool = False, facts: dict | None = None) -> int:
    facts = (
        facts
        if facts is not None
        else {"identity": identity(), "property": owns_home(owns), "marriage": {"status": "unmarried"}}
    )
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
    assert (row.staff, row.role, row.action, row.person_id, row.purpose) == (
        "clerk1",
        "clerk",
        "checklist",
        person_id,
        "counter_service",
    )


def test_a_capture_is_archived_into_the_case_and_a_stale_one_stores_nothing(engine):
    person_id = _customer(engine, owns=True)
    case = _draft(engine, person_id)
    assert case.blocking == ["M11"]
    captured = archive_capture(
        case_id=case.case_id,
        material="M11",
        pages=[_page(100), _page(120)],
        source="camera",
        title="M11",
        staff=CLERK,
        expected_version=case.version,
        engine=engine,
    )
    assert captured.materials["M11"].status == "captured" and captured.blocking == []
    assert captured.version == case.version + 1
    with session_scope(engine) as session:
        document = session.get(ArchiveDocument, captured.materials["M11"].document_id)
        assert (
            document.person_id,
            document.case_no,
            document.material_code,
            document.source,
            document.page_count,
            document.captured_by,
        ) == (person_id, case.case_no, "M11", "camera", 2, "clerk1")
        assert document.retention_class == "withdrawal"  # the business's class, which the archive knows
    documents = _count(engine, ArchiveDocument)
    with pytest.raises(CaseConflict):  # someone changed the case since this version was read
        archive_capture(
            case_id=case.case_id,
            material="M11",
            pages=[_page(140)],
            source="upload",
            title="x.jpg",
            staff=CLERK,
            expected_version=case.version,
            engine=engine,
        )
    assert _count(engine, ArchiveDocument) == documents


def test_submit_pays_a_pay_first_case_at_once_and_leaves_a_decide_first_one_submitted(engine):
    rent = _draft(engine, _customer(engine, owns=False, no_identity=True))
    with pytest.raises(CaseError) as refused:
        submit_case(case_id=rent.case_id, staff=CLERK, expected_version=rent.version, engine=engine)
    assert refused.value.key == "cases.workflow.materials_missing"
    promised = local_day(datetime.now(UTC)) + timedelta(days=5)
    rent = defer_material(
        case_id=rent.case_id,
        material="M01",
        promised_on=promised,
        staff=CLERK,
        expected_version=rent.version,
        engine=engine,
    )
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
    captured = archive_capture(
        case_id=case.case_id,
        material="M11",
        pages=[_page(60)],
        source="upload",
        title="no-home.jpg",
        staff=CLERK,
        expected_version=case.version,
        engine=engine,
    )
    case = submit_case(case_id=case.case_id, staff=CLERK, expected_version=captured.version, engine=engine)
    with session_scope(engine) as session:
        page_id = session.exec(
            select(ArchivePage.id).where(ArchivePage.document_id == captured.materials["M11"].document_id)
        ).one()
    assert page_image(page_id=page_id, kind="thumb", staff=CLERK, opened_people=(), engine=engine) == _jpeg(62)
    assert page_image(page_id=page_id, kind="flat", staff=CLERK2, opened_people={person_id}, engine=engine) == _jpeg(61)
    assert page_image(page_id=page_id, kind="flat", staff=CLERK2, opened_people=(), engine=engine) is None
    assert page_image(page_id=page_id, kind="original", staff=CLERK, opened_people={person_id}, engine=engine) is None
    assert (
        page_image(page_id=page_id + 999, kind="thumb", staff=CLERK, opened_people={person_id}, engine=engine) is None
    )
    with session_scope(engine) as session:
        reads = session.exec(
            select(AccessLog.staff, AccessLog.case_no, AccessLog.fields)
            .where(AccessLog.action == "view_document")
            .order_by(AccessLog.id)
        ).all()
    assert [tuple(row) for row in reads] == [
        ("clerk1", case.case_no, f"archive_page:{page_id}"),
        ("clerk2", case.case_no, f"archive_page:{page_id}"),
    ]


def _submitted_with_promise(engine, actor=CLERK):
    draft = _draft(engine, _customer(engine, owns=False, no_identity=True), actor=actor)
    promised = local_day(datetime.now(UTC)) + timedelta(days=5)
    draft = defer_material(
        case_id=draft.case_id,
        material="M01",
        promised_on=promised,
        staff=actor,
        expected_version=draft.version,
        engine=engine,
    )
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


def test_one_side_of_the_id_card_is_refused_and_stores_nothing(engine):
    # no identity fact: M01 is to capture on paper, and its paper is both sides of the card
    person_id = _customer(engine, owns=False, facts={"property": owns_home(False), "marriage": {"status": "unmarried"}})
    case = _draft(engine, person_id)
    assert "M01" in case.blocking
    documents = _count(engine, ArchiveDocument)
    for pages, sides in (
        ([_page(80, "id_card_front")], ()),
        ([_page(80, "id_card_front"), _page(90, "id_card_front")], ()),
        # the clerk may name the side of a page the classifier could not type, not of a lease
        ([_page(80, "id_card_front"), _page(90, "lease")], (None, "id_card_back")),
    ):
        with pytest.raises(CaseError) as refused:
            archive_capture(
                case_id=case.case_id,
                material="M01",
                pages=pages,
                source="camera",
                title="M01",
                staff=CLERK,
                expected_version=case.version,
                engine=engine,
                sides=sides,
            )
        assert refused.value.key == "cases.counter.sides_missing"
        assert refused.value.message("zh-CN") == "材料 M01 还缺少：反面（国徽面），不能只归档一部分"
    assert _count(engine, ArchiveDocument) == documents and case.materials["M01"].status == "missing"

    captured = archive_capture(
        case_id=case.case_id,
        material="M01",
        pages=[_page(80, "id_card_front"), _page(90, "other")],
        source="camera",
        title="M01",
        staff=CLERK,
        expected_version=case.version,
        engine=engine,
        sides=[None, "id_card_back"],
        flag_reason=None,
    )
    assert captured.materials["M01"].status == "captured"
    with session_scope(engine) as session:
        assert session.get(ArchiveDocument, captured.materials["M01"].document_id).page_count == 2


def test_the_single_status_declaration_is_printed_for_the_unmarried_and_logged(engine):
    # the marriage registry holds no record of this customer: M03 is asked, M32 may stand for it
    single = _customer(engine, owns=False, facts={"identity": identity("曲晓东"), "property": owns_home(False)})
    case = _draft(engine, single)
    assert "M03" in case.blocking
    pdf = declaration_pdf(person_id=single, form_name="single_status", staff=CLERK, engine=engine)
    with session_scope(engine) as session:
        person = session.get(Person, single)
        row = session.exec(select(AccessLog).where(AccessLog.action == "print_form")).one()
    assert (row.staff, row.person_id, row.purpose, row.fields) == (
        "clerk1",
        single,
        "counter_service",
        "name,id_number,form:single_status",
    )
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range().replace("\r", "").replace("\n", "")
    assert person.name in text and person.id_number in text  # the customer's own, unmasked: they sign it

    # the signed printout goes through the real capture pipeline and fits M03 through its alternative
    results = process_file(pdf, name="declaration.pdf")
    assert [result.doc_type for result in results] == ["marital_status_declaration"]
    assert person.id_number in [found["value"] for found in results[0].fields["id_numbers"]]
    assert type_fit("M03", ("M32",), [results[0].doc_type]) == "fits"


def test_the_declaration_is_refused_for_a_married_customer(engine):
    married = _customer(
        engine,
        owns=False,
        facts={
            "identity": identity(),
            "property": owns_home(False),
            "marriage": married_to(None, "210202199001010028"),
        },
    )
    with pytest.raises(CaseError) as refused:
        declaration_pdf(person_id=married, form_name="single_status", staff=CLERK, engine=engine)
    assert refused.value.key == "cases.form.not_for_customer"
    with pytest.raises(CaseError):
        declaration_pdf(person_id=married, form_name="no_such_form", staff=CLERK, engine=engine)
    assert _count(engine, AccessLog) == 0  # nothing was read out for a refused print
