"""Files and rows: atomic intake, deduplication, crash leftovers, retention, fixity."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from helpers import add_person, info, page, png_bytes
from sqlmodel import Session, func, select

from desk.archive.disposal import dispose, record_payoff
from desk.archive.errors import ArchiveRefused
from desk.archive.fixity import last_run, sweep_orphans, verify_archive
from desk.archive.intake import archive_document
from desk.archive.legal_hold import place_hold
from desk.archive.retention import retention_until
from desk.archive.search import search
from desk.archive.storage import FileStore, sha256_of
from desk.archive.tables import ArchiveDocument, ArchivePage, FixityRun
from desk.security.access_log import AccessLog

ARCHIVIST = SimpleNamespace(username="archivist1", role="archivist")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _count(engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _files(store: FileStore) -> list:
    return list(store.iter_files())


def test_put_is_content_addressed_and_write_once(data_dir):
    store = FileStore(data_dir)
    data = png_bytes("a")
    stored, new = store.put(data)  # the extension comes from the bytes
    again, new_again = store.put(data, "png")
    assert new and not new_again and stored == again and stored.ext == "png"
    with pytest.raises(ValueError):
        store.put(data, "PNG")  # only the store's own extensions, never a caller's file name
    path = store.path_for(sha256_of(data), "png")
    assert path.read_bytes() == data and stored.key == path.name
    assert [p.name for p in _files(store)] == [path.name]  # no temporary file left


def test_intake_writes_files_rows_and_index(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    doc_id = archive_document(store, [page("房屋租赁合同 第一页"), page("第二页 租金")], info(person), engine=engine)
    with Session(engine) as session:
        document = session.get(ArchiveDocument, doc_id)
        pages = session.exec(select(ArchivePage).order_by(ArchivePage.page_no)).all()
        assert document.page_count == 2 and [p.page_no for p in pages] == [1, 2]
        assert document.retention_class == "withdrawal"
        assert document.retention_until == retention_until("withdrawal", document.captured_at.date())
        assert document.retention_until.year == document.captured_at.year + 30
        for row in pages:
            for key in row.file_keys():
                assert store.path_of_key(key).exists()
        assert store.read(pages[0].text_key).decode() == "房屋租赁合同第一页"  # OCR spaces between CJK dropped
        assert [hit.page for hit in search(session, "租金", staff="archivist1", purpose="test").hits] == [2]


def test_same_image_captured_twice_is_stored_once(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    first = archive_document(store, [page("租赁合同", label="same")], info(person), engine=engine)
    files_after_first = _files(store)
    second = archive_document(store, [page("租赁合同", label="same")], info(person), engine=engine)
    assert first != second
    assert _files(store) == files_after_first  # nothing new on disk
    with Session(engine) as session:
        keys = session.exec(select(ArchivePage.original_key)).all()
    assert len(keys) == 2 and keys[0] == keys[1]


def test_failure_between_files_and_rows_leaves_nothing(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)

    def fail() -> None:
        raise OSError("disk full while committing")

    with pytest.raises(OSError):
        archive_document(
            store, [page("租赁合同 甲"), page("租赁合同 乙")], info(person), engine=engine, before_commit=fail
        )
    assert _count(engine, ArchiveDocument) == 0 and _count(engine, ArchivePage) == 0
    assert _files(store) == []
    with Session(engine) as session:
        assert search(session, "租赁", staff="archivist1", purpose="test").hits == []


def test_failure_keeps_files_another_document_uses(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    kept = archive_document(store, [page("租赁合同", label="shared")], info(person), engine=engine)
    before = _files(store)

    def fail() -> None:
        raise RuntimeError("injected")

    with pytest.raises(RuntimeError):
        archive_document(
            store,
            [page("租赁合同", label="shared"), page("另一页", label="new")],
            info(person),
            engine=engine,
            before_commit=fail,
        )
    assert _files(store) == before
    assert verify_archive(store, engine=engine, in_flight_s=0).ok
    assert kept


def test_crash_between_files_and_rows_leaves_only_orphans_the_sweep_removes(engine, data_dir, db_url):
    store = FileStore(data_dir)
    person = add_person(engine)
    script = (
        "import os, sys; sys.path.insert(0, 'tests/archive')\n"
        "from desk.db import make_engine\n"
        "from desk.archive.intake import archive_document\n"
        "from desk.archive.storage import FileStore\n"
        "from helpers import info, page\n"
        f"archive_document(FileStore({str(data_dir)!r}), [page('崩溃前的页面')], info({person}),"
        f" engine=make_engine({db_url!r}), before_commit=lambda: os._exit(3))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert _count(engine, ArchiveDocument) == 0 and _count(engine, ArchivePage) == 0
    leftovers = _files(store)
    assert len(leftovers) == 6  # the process died before it could clean up: five files and the intake's journal
    report = verify_archive(store, engine=engine, in_flight_s=0)
    assert len(report.orphaned) == len(leftovers) and not report.missing
    assert report.removable == report.orphaned  # the journal proves them the store's own
    assert sweep_orphans(store, engine=engine, older_than_s=3600) == []  # too young: maybe still in flight
    assert sorted(sweep_orphans(store, engine=engine, older_than_s=0)) == sorted(
        str(path.relative_to(data_dir)) for path in leftovers
    )
    assert _files(store) == []


def test_unknown_customer_and_empty_document_are_refused(engine, data_dir):
    store = FileStore(data_dir)
    with pytest.raises(ArchiveRefused) as refused:
        archive_document(store, [page("租赁")], info(999), engine=engine)
    assert refused.value.key == "archive.intake.unknown_customer"
    person = add_person(engine)
    with pytest.raises(ArchiveRefused) as refused:
        archive_document(store, [], info(person), engine=engine)
    assert refused.value.key == "archive.intake.no_pages"
    with pytest.raises(ArchiveRefused) as refused:
        archive_document(store, [page("x")], info(person, retention_class="forever-ish"), engine=engine)
    assert "forever-ish" in refused.value.message("zh-CN")
    assert _files(store) == []


def test_deletion_is_refused_before_retention_end_and_under_hold(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    doc_id = archive_document(store, [page("租赁合同")], info(person), engine=engine)
    with Session(engine) as session:
        until = session.get(ArchiveDocument, doc_id).retention_until
    with pytest.raises(ArchiveRefused) as refused:
        dispose([doc_id], staff=ARCHIVIST, reason="test", store=store, engine=engine, today=until - timedelta(days=1))
    assert refused.value.key == "archive.dispose.not_yet" and until.isoformat() in refused.value.message("en")
    place_hold(str(doc_id), staff=ARCHIVIST, reason="court order", engine=engine)
    with pytest.raises(ArchiveRefused) as refused:
        dispose([doc_id], staff=ARCHIVIST, reason="test", store=store, engine=engine, today=until)
    assert refused.value.key == "archive.dispose.legal_hold" and f"Document {doc_id} is" in refused.value.message("en")
    assert _count(engine, ArchivePage) == 1 and len(_files(store)) == 5


def test_loan_files_have_no_end_until_payoff(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    doc_id = archive_document(store, [page("贷款合同")], info(person, retention_class="loan"), engine=engine)
    with pytest.raises(ArchiveRefused) as refused:
        dispose([doc_id], staff=ARCHIVIST, reason="test", store=store, engine=engine, today=date(2200, 1, 1))
    assert refused.value.key == "archive.dispose.no_end" and "loan is not paid off" in refused.value.message("en")
    assert retention_until("loan", date(2026, 1, 1), payoff_on=date(2040, 2, 29)) == date(2070, 2, 28)
    other = archive_document(store, [page("申请表")], info(person, case_no="DK1"), engine=engine)
    with Session(engine) as session:
        session.get(ArchiveDocument, doc_id).case_no = "DK1"
        session.commit()
    assert record_payoff("DK1", date(2030, 5, 1), staff=ARCHIVIST, engine=engine, today=date(2030, 5, 2)) == [
        doc_id
    ]  # only the loan-class document
    with Session(engine) as session:
        assert session.get(ArchiveDocument, doc_id).retention_until == date(2060, 5, 1)
        assert session.get(ArchiveDocument, other).retention_class == "withdrawal"


def test_allowed_deletion_is_logged_and_keeps_shared_files(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    old = archive_document(
        store, [page("租赁合同", label="shared"), page("旧页", label="old")], info(person), engine=engine
    )
    keep = archive_document(store, [page("租赁合同", label="shared")], info(person), engine=engine)
    with Session(engine) as session:
        until = session.get(ArchiveDocument, old).retention_until
    removed = dispose(
        [old], staff=ARCHIVIST, reason="retention ended", store=store, engine=engine, today=until
    ).files_removed
    assert removed == 5  # the "old" page's five files; the shared page's five stay for the other document
    with Session(engine) as session:
        assert session.get(ArchiveDocument, old) is None
        assert [hit.document_id for hit in search(session, "租赁", staff="archivist1", purpose="test").hits] == [keep]
        assert search(session, "旧页", staff="archivist1", purpose="test").hits == []
        entry = session.exec(select(AccessLog).where(AccessLog.action == "archive_delete")).one()
        assert entry.staff == "archivist1" and entry.person_id == person and f"document:{old}" in entry.fields
    assert verify_archive(store, engine=engine, in_flight_s=0).ok


def test_fixity_finds_a_flipped_byte_and_a_deleted_file(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    archive_document(store, [page("租赁合同 一"), page("租赁合同 二")], info(person), engine=engine)
    clean = verify_archive(store, engine=engine, in_flight_s=0)
    assert clean.ok and clean.checked == 10
    with Session(engine) as session:
        first, second = session.exec(select(ArchivePage).order_by(ArchivePage.page_no)).all()
    flipped = store.path_of_key(first.original_key)
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    store.path_of_key(second.thumb_key).unlink()
    report = verify_archive(store, engine=engine, in_flight_s=0)
    assert report.altered == [first.original_key]
    assert report.missing == [second.thumb_key]
    assert not report.ok and report.checked == 9
    with Session(engine) as session:
        run = last_run(session)
        assert (run.altered, run.missing, run.ok) == (1, 1, False)


def test_scheduled_verification_runs_only_when_due(engine, data_dir):
    from datetime import timedelta

    from desk.archive.fixity import verify_if_due

    store = FileStore(data_dir)
    assert verify_if_due(store, every=timedelta(hours=24), engine=engine).ok
    assert verify_if_due(store, every=timedelta(hours=24), engine=engine) is None  # ran a moment ago
    assert verify_if_due(store, every=timedelta(0), engine=engine) is not None
    with Session(engine) as session:
        assert _count(engine, FixityRun) == 2 and last_run(session).ok
