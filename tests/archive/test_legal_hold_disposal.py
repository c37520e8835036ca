"""Legal holds, retention disposal and loan payoff (desk.archive.legal_hold, desk.archive.disposal) on
SQLite and PostgreSQL: archivists only, a reason each time, every change in the access log, and a
disposal that deletes all the chosen documents or none."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from helpers import add_person, info, page
from sqlmodel import Session, select

from desk.archive.disposal import dispose, due_for_disposal, record_payoff
from desk.archive.errors import ArchiveRefused
from desk.archive.intake import archive_document
from desk.archive.legal_hold import held_documents, place_hold, release_hold
from desk.archive.storage import FileStore
from desk.archive.tables import ArchiveDocument
from desk.security.access_log import AccessLog

ARCHIVIST = SimpleNamespace(username="archivist1", role="archivist")
CLERK = SimpleNamespace(username="clerk1", role="clerk")
SUPERVISOR = SimpleNamespace(username="sup1", role="supervisor")
OLD = datetime(1990, 3, 1, 9, 0)  # captured long ago: a withdrawal file's 30 years ended in 2020
TODAY = date(2026, 12, 7)


def _log(engine, action: str) -> list[AccessLog]:
    with Session(engine) as session:
        return list(session.exec(select(AccessLog).where(AccessLog.action == action).order_by(AccessLog.id)))


def _held(engine) -> dict[int, bool]:
    with Session(engine) as session:
        return {document.id: document.legal_hold for document in session.exec(select(ArchiveDocument))}


def test_an_archivist_holds_and_releases_a_document_with_a_logged_reason(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    doc = archive_document(store, [page("租赁合同")], info(person, case_no="TQ2026-000001"), engine=engine)
    other = archive_document(store, [page("申请表")], info(person), engine=engine)

    assert place_hold(str(doc), staff=ARCHIVIST, reason="  法院 协助冻结  ", engine=engine) == [doc]
    assert _held(engine) == {doc: True, other: False}
    [entry] = _log(engine, "archive_hold")
    assert (entry.staff, entry.role, entry.purpose, entry.fields, entry.person_id, entry.case_no) == (
        "archivist1",
        "archivist",
        "法院 协助冻结",
        f"document:{doc}",
        person,
        "TQ2026-000001",
    )
    with Session(engine) as session:
        [held] = held_documents(session)
    assert (held.document_id, held.reason, held.placed_by, held.customer) == (doc, "法院 协助冻结", "archivist1", "张*")

    with pytest.raises(ArchiveRefused) as refused:
        place_hold(str(doc), staff=ARCHIVIST, reason="again", engine=engine)
    assert refused.value.key == "archive.hold.already_held"
    assert release_hold(str(doc), staff=ARCHIVIST, reason="裁定解除", engine=engine) == [doc]
    assert _held(engine) == {doc: False, other: False}
    assert [e.purpose for e in _log(engine, "archive_release")] == ["裁定解除"]
    with pytest.raises(ArchiveRefused) as refused:
        release_hold(str(doc), staff=ARCHIVIST, reason="again", engine=engine)
    assert refused.value.key == "archive.hold.not_held"
    with Session(engine) as session:
        assert held_documents(session) == []


def test_a_case_hold_covers_every_document_of_the_case_and_no_other(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    first = archive_document(store, [page("租赁合同")], info(person, case_no="TQ2026-000002"), engine=engine)
    second = archive_document(store, [page("身份证")], info(person, case_no="TQ2026-000002"), engine=engine)
    elsewhere = archive_document(store, [page("申请表")], info(person, case_no="TQ2026-000003"), engine=engine)
    place_hold(str(second), staff=ARCHIVIST, reason="单份冻结", engine=engine)

    assert place_hold("tq2026-000002", staff=ARCHIVIST, reason="审计", engine=engine) == [first]  # second was held
    assert _held(engine) == {first: True, second: True, elsewhere: False}
    assert sorted(e.fields for e in _log(engine, "archive_hold") if e.purpose == "审计") == [f"document:{first}"]
    later = archive_document(store, [page("补正材料")], info(person, case_no="TQ2026-000002"), engine=engine)
    assert _held(engine)[later] is True  # archived into a held case: held from the start
    with Session(engine) as session:
        reasons = {held.document_id: held.reason for held in held_documents(session)}
    assert reasons == {first: "审计", second: "单份冻结", later: "审计"}  # the latest hold of the case
    assert release_hold("TQ2026-000002", staff=ARCHIVIST, reason="审计结束", engine=engine) == [first, second, later]
    assert _held(engine) == {first: False, second: False, elsewhere: False, later: False}


@pytest.mark.parametrize("staff", [CLERK, SUPERVISOR, "archivist1"])
def test_only_an_archivist_may_hold_release_dispose_or_record_a_payoff(engine, data_dir, staff):
    store = FileStore(data_dir)
    person = add_person(engine)
    doc = archive_document(
        store,
        [page("租赁合同")],
        info(person, captured_at=OLD, case_no="DK2026-000001", retention_class="loan"),
        engine=engine,
    )
    attempts = [
        lambda: place_hold(str(doc), staff=staff, reason="x", engine=engine),
        lambda: release_hold(str(doc), staff=staff, reason="x", engine=engine),
        lambda: dispose([doc], staff=staff, reason="x", store=store, engine=engine, today=TODAY),
        lambda: record_payoff("DK2026-000001", date(1995, 1, 1), staff=staff, engine=engine),
    ]
    for attempt in attempts:
        with pytest.raises(ArchiveRefused) as refused:
            attempt()
        assert refused.value.key == "archive.hold.archivists_only"
    assert _held(engine) == {doc: False}
    with Session(engine) as session:
        assert session.get(ArchiveDocument, doc).retention_until is None
        assert session.exec(select(AccessLog).where(AccessLog.action.like("archive_%"))).all() == []


def test_a_hold_needs_a_reason_and_a_known_document_or_case(engine, data_dir):
    person = add_person(engine)
    doc = archive_document(FileStore(data_dir), [page("租赁合同")], info(person), engine=engine)
    for target, reason, key in [
        (str(doc), "   ", "archive.hold.reason_required"),
        ("999999", "x", "archive.document.not_found"),
        ("99999999999999999999", "x", "archive.document.not_found"),
        ("TQ2026-999999", "x", "archive.hold.unknown_target"),
        ("", "x", "archive.hold.unknown_target"),
    ]:
        with pytest.raises(ArchiveRefused) as refused:
            place_hold(target, staff=ARCHIVIST, reason=reason, engine=engine)
        assert refused.value.key == key
    assert _held(engine) == {doc: False}


def test_due_list_has_ended_unheld_documents_only(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    ended = archive_document(store, [page("旧合同")], info(person, captured_at=OLD), engine=engine)
    held = archive_document(store, [page("冻结合同")], info(person, captured_at=OLD), engine=engine)
    recent = archive_document(store, [page("新合同")], info(person), engine=engine)
    loan = archive_document(
        store, [page("贷款合同")], info(person, captured_at=OLD, retention_class="loan"), engine=engine
    )
    place_hold(str(held), staff=ARCHIVIST, reason="诉讼", engine=engine)
    with Session(engine) as session:
        due = due_for_disposal(session, today=TODAY)
        assert [(item.document_id, item.retention_until, item.customer) for item in due] == [
            (ended, date(2020, 3, 1), "张*")
        ]
        assert due_for_disposal(session, today=date(2020, 2, 29)) == []
    assert {recent, loan}.isdisjoint(item.document_id for item in due)


def test_a_disposal_deletes_all_chosen_documents_or_none(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    first = archive_document(store, [page("旧合同 一")], info(person, captured_at=OLD), engine=engine)
    second = archive_document(
        store, [page("旧合同 二"), page("旧合同 三")], info(person, captured_at=OLD), engine=engine
    )
    files_before = sorted(store.iter_files())
    place_hold(str(second), staff=ARCHIVIST, reason="诉讼", engine=engine)  # after the list was shown

    with pytest.raises(ArchiveRefused) as refused:
        dispose([first, second], staff=ARCHIVIST, reason="到期", store=store, engine=engine, today=TODAY)
    assert (
        refused.value.key == "archive.dispose.legal_hold" and f"档案 {second} 处于法律保全" in refused.value.message()
    )
    assert _held(engine) == {first: False, second: True}  # the first one was not deleted either
    assert sorted(store.iter_files()) == files_before and _log(engine, "archive_delete") == []
    with pytest.raises(ArchiveRefused) as refused:
        dispose([first, 424242], staff=ARCHIVIST, reason="到期", store=store, engine=engine, today=TODAY)
    assert refused.value.key == "archive.document.not_found" and _held(engine) == {first: False, second: True}

    release_hold(str(second), staff=ARCHIVIST, reason="解除", engine=engine)
    done = dispose([second, first], staff=ARCHIVIST, reason="到期销毁", store=store, engine=engine, today=TODAY)
    assert (done.document_ids, done.pages, done.files_removed) == ((first, second), 3, 15)
    assert _held(engine) == {} and list(store.iter_files()) == []  # no journal left behind either
    assert sorted((e.fields, e.purpose, e.staff) for e in _log(engine, "archive_delete")) == [
        (f"document:{first}", "到期销毁", "archivist1"),
        (f"document:{second}", "到期销毁", "archivist1"),
    ]


def test_a_payoff_starts_the_clock_of_the_case_loan_files_only(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    loan = archive_document(
        store,
        [page("贷款合同")],
        info(person, case_no="DK2026-000009", retention_class="loan", captured_at=OLD),
        engine=engine,
    )
    form = archive_document(store, [page("申请表")], info(person, case_no="DK2026-000009"), engine=engine)
    with pytest.raises(ArchiveRefused) as refused:
        record_payoff("DK2026-000009", TODAY + timedelta(days=1), staff=ARCHIVIST, engine=engine, today=TODAY)
    assert refused.value.key == "archive.payoff.future"
    with pytest.raises(ArchiveRefused) as refused:
        record_payoff("TQ2026-000001", date(1995, 1, 1), staff=ARCHIVIST, engine=engine)
    assert refused.value.key == "archive.payoff.no_loan_files"

    assert record_payoff(" dk2026-000009 ", date(1995, 6, 30), staff=ARCHIVIST, engine=engine) == [loan]
    with Session(engine) as session:
        assert session.get(ArchiveDocument, loan).retention_until == date(2025, 6, 30)
        assert session.get(ArchiveDocument, form).retention_class == "withdrawal"
        assert [item.document_id for item in due_for_disposal(session, today=TODAY)] == [loan]
    [entry] = _log(engine, "archive_payoff")
    assert (entry.staff, entry.fields, entry.case_no) == ("archivist1", f"document:{loan}", "DK2026-000009")
