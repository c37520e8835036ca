"""The archive on S3-compatible object storage (desk.archive.object_store), against a real SeaweedFS
server started by the test run: content addressing, the SHA-256 checked on write and by fixity,
write-once, Object Lock retention and legal hold as the server enforces them, intake -> viewer ->
fixity, and `python -m desk archive migrate-storage` (verified, resumable)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from helpers import add_person, info, page, png_bytes
from sqlmodel import Session, select

from desk.archive.disposal import dispose, record_payoff
from desk.archive.fixity import sweep_orphans, verify_archive
from desk.archive.intake import archive_document
from desk.archive.legal_hold import place_hold, release_hold
from desk.archive.migrate_storage import migrate_storage
from desk.archive.object_store import ObjectStore, StoreIntegrityError, parse_archive_url
from desk.archive.storage import FileStore, StoredFile, sha256_of
from desk.archive.store_config import store_from_settings
from desk.archive.store_protocol import ArchiveStore, ObjectLock
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.archive.viewer import page_image
from desk.operations.backup import make_backup

ROOT = Path(__file__).resolve().parents[2]
ARCHIVIST = SimpleNamespace(username="archivist1", role="archivist")


def _store(s3_bucket, *, locked: bool = True, mode: str = "COMPLIANCE") -> ObjectStore:
    client, bucket, prefix = s3_bucket(locked)
    return ObjectStore(client, bucket, prefix, lock_mode=mode)


def _versions(store: ObjectStore, key: str) -> list[dict]:
    name = store.object_key(key)
    listing = store.client.list_object_versions(Bucket=store.bucket, Prefix=name)
    return [version for version in listing.get("Versions", []) if version["Key"] == name]


def _error_code(call) -> str:
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.response["Error"]["Code"]


def _keys(engine, document_id: int) -> set[str]:
    with Session(engine) as session:
        pages = session.exec(select(ArchivePage).where(ArchivePage.document_id == document_id)).all()
        return {key for row in pages for key in row.file_keys()}


def test_put_read_and_the_same_bytes_stored_once(s3_bucket):
    store = _store(s3_bucket, locked=False)
    assert isinstance(store, ArchiveStore)
    data = png_bytes("one page")
    stored, new = store.put(data)
    again, new_again = store.put(data)
    assert (new, new_again, again) == (True, False, stored)
    assert stored.key == f"{sha256_of(data)}.png" and store.read(stored.key) == data
    assert store.exists(stored.key) and store.sha256_of_key(stored.key) == stored.sha256
    assert [entry.name for entry in store.entries()] == [f"objects/{stored.key[:2]}/{stored.key[2:4]}/{stored.key}"]
    assert store.object_key(stored.key).startswith(store.prefix + "objects/") and store.prefix
    missing = f"{'0' * 64}.png"
    assert not store.exists(missing) and store.sha256_of_key(missing) is None
    with pytest.raises(FileNotFoundError):
        store.read(missing)


def test_bytes_that_do_not_have_their_keys_sha256_are_refused_by_the_server(s3_bucket):
    store = _store(s3_bucket, locked=False)
    data, other = png_bytes("the real page"), png_bytes("another page")
    wrong = StoredFile(sha256_of(other), "png", len(data))  # the key names other bytes
    with pytest.raises(StoreIntegrityError):
        store.write(wrong, data)
    assert not store.exists(wrong.key) and list(store.entries()) == []


def test_an_object_under_retention_cannot_be_deleted_overwritten_or_shortened(s3_bucket):
    store = _store(s3_bucket)
    assert store.lock_enabled and store.versioned
    data = png_bytes("locked page")
    until = date.today() + timedelta(days=365)
    stored, _ = store.put(data, lock=ObjectLock(retain_until=until))
    name = store.object_key(stored.key)
    retention = store.client.get_object_retention(Bucket=store.bucket, Key=name)["Retention"]
    assert retention["Mode"] == "COMPLIANCE" and retention["RetainUntilDate"].date() == until
    [version] = _versions(store, stored.key)

    # the server refuses to delete the locked version, and to shorten its retention
    delete = lambda: store.client.delete_object(Bucket=store.bucket, Key=name, VersionId=version["VersionId"])  # noqa: E731
    assert _error_code(delete) == "AccessDenied"
    shorter = datetime.now(UTC) + timedelta(days=1)
    shorten = lambda: store.client.put_object_retention(  # noqa: E731
        Bucket=store.bucket,
        Key=name,
        VersionId=version["VersionId"],
        Retention={"Mode": "COMPLIANCE", "RetainUntilDate": shorter},
    )
    assert _error_code(shorten) == "AccessDenied"
    # write-once: a second write of the key is refused by If-None-Match, the store never overwrites
    overwrite = lambda: store.client.put_object(Bucket=store.bucket, Key=name, Body=b"forged", IfNoneMatch="*")  # noqa: E731
    assert _error_code(overwrite) == "PreconditionFailed"
    assert store.write(stored, data, lock=ObjectLock(retain_until=until + timedelta(days=30))) is False
    later = store.client.get_object_retention(Bucket=store.bucket, Key=name)["Retention"]["RetainUntilDate"]
    assert later.date() == until + timedelta(days=30)  # the same bytes kept for a later document: extended
    # still the one version with the same bytes (its LastModified may move: the retention is metadata)
    same = [(v["VersionId"], v["ETag"]) for v in _versions(store, stored.key)]
    assert same == [(version["VersionId"], version["ETag"])] and store.read(stored.key) == data


def test_a_legal_hold_keeps_a_version_whose_retention_allows_deletion(s3_bucket):
    store = _store(s3_bucket, mode="GOVERNANCE")
    stored, _ = store.put(png_bytes("held page"), lock=ObjectLock(retain_until=None, legal_hold=True))
    name = store.object_key(stored.key)
    assert store.client.get_object_legal_hold(Bucket=store.bucket, Key=name)["LegalHold"]["Status"] == "ON"
    [version] = _versions(store, stored.key)
    delete = lambda: store.client.delete_object(Bucket=store.bucket, Key=name, VersionId=version["VersionId"])  # noqa: E731
    assert _error_code(delete) == "AccessDenied"
    store.set_legal_hold([stored.key], False)
    store.client.delete_object(Bucket=store.bucket, Key=name, VersionId=version["VersionId"])  # no lock left: it goes
    assert _versions(store, stored.key) == []


def test_intake_viewer_fixity_and_legal_hold_on_the_object_store(engine, data_dir, s3_bucket):
    store = _store(s3_bucket)
    person = add_person(engine)
    captured = datetime(2026, 3, 1, 9, 0)
    lease = archive_document(
        store,
        [page("租赁合同 第一页"), page("第二页")],
        info(person, case_no="TQ2026-000001", captured_at=captured),
        engine=engine,
    )
    other = archive_document(store, [page("租赁合同 第一页")], info(person, retention_class="service"), engine=engine)
    keys, other_keys = _keys(engine, lease), _keys(engine, other)
    assert keys & other_keys  # the same first page: its files are shared

    # each file is locked until its document's retention end; a file shared with the 10-year document
    # keeps the lease's later end (a lock is extended, never shortened)
    def locked_until(key: str) -> date:
        answer = store.client.get_object_retention(Bucket=store.bucket, Key=store.object_key(key))
        return answer["Retention"]["RetainUntilDate"].date()

    service_end = date.today().replace(year=date.today().year + 10)
    assert {key: locked_until(key) for key in keys | other_keys} == {
        key: date(2056, 3, 1) if key in keys else service_end for key in keys | other_keys
    }
    with Session(engine) as session:
        first = session.exec(
            select(ArchivePage).where(ArchivePage.document_id == lease, ArchivePage.page_no == 1)
        ).one()
        flat_key = first.flat_key
        content, media_type = page_image(session, store, first.id, "flat", staff="arch1")
        session.commit()
    assert content == store.read(flat_key) and sha256_of(content) == flat_key[:64] and media_type == "image/png"

    report = verify_archive(store, engine=engine, record=False, in_flight_s=0)
    assert report.ok and report.checked == len(keys | other_keys)

    # legal hold on the lease: S3 legal hold on each of its files; released, the shared files stay held
    # only while another held document shares them
    place_hold(str(other), staff=ARCHIVIST, reason="法院冻结", engine=engine, store=store)
    place_hold("TQ2026-000001", staff=ARCHIVIST, reason="法院冻结", engine=engine, store=store)

    def hold(key: str) -> str:
        answer = store.client.get_object_legal_hold(Bucket=store.bucket, Key=store.object_key(key))
        return answer["LegalHold"]["Status"]

    assert {hold(key) for key in keys | other_keys} == {"ON"}
    release_hold("TQ2026-000001", staff=ARCHIVIST, reason="解除冻结", engine=engine, store=store)
    assert {key: hold(key) for key in keys} == {key: "ON" if key in other_keys else "OFF" for key in keys}


def test_fixity_finds_an_altered_and_a_missing_object(engine, data_dir, s3_bucket):
    store = _store(s3_bucket, locked=False)  # without a lock someone with the keys can change an object
    person = add_person(engine)
    document = archive_document(store, [page("申请表"), page("身份证")], info(person), engine=engine)
    with Session(engine) as session:
        first, second = session.exec(
            select(ArchivePage).where(ArchivePage.document_id == document).order_by(ArchivePage.page_no)
        ).all()
    store.client.put_object(Bucket=store.bucket, Key=store.object_key(first.text_key), Body="改动过的文字".encode())
    store.client.delete_object(Bucket=store.bucket, Key=store.object_key(second.thumb_key))
    report = verify_archive(store, engine=engine, record=False, in_flight_s=0)
    assert report.altered == [first.text_key] and report.missing == [second.thumb_key]
    assert report.checked == len(_keys(engine, document)) - 1 and not report.ok


def test_a_locked_object_replaced_through_a_new_version_is_reported_altered_and_its_bytes_are_kept(
    engine, data_dir, s3_bucket
):
    store = _store(s3_bucket)
    person = add_person(engine)
    document = archive_document(store, [page("借款合同")], info(person), engine=engine)
    with Session(engine) as session:
        [row] = session.exec(select(ArchivePage).where(ArchivePage.document_id == document)).all()
    name = store.object_key(row.original_key)
    store.client.put_object(Bucket=store.bucket, Key=name, Body=b"forged")  # S3 keeps the locked version behind it
    report = verify_archive(store, engine=engine, record=False, in_flight_s=0)
    assert report.altered == [row.original_key]
    kept = [v for v in _versions(store, row.original_key) if not v["IsLatest"]]
    old = store.client.get_object(Bucket=store.bucket, Key=name, VersionId=kept[0]["VersionId"])["Body"].read()
    assert sha256_of(old) == row.original_key.partition(".")[0]


def test_the_sweep_removes_a_crashed_intakes_leftovers_from_the_object_store(engine, data_dir, s3_bucket):
    store = _store(s3_bucket, locked=False)
    person = add_person(engine)
    kept = archive_document(store, [page("保留的页面")], info(person), engine=engine)
    data = png_bytes("crashed intake")
    stored = store.describe(data)
    store.begin_intake([stored.key])  # an intake that died after writing its file, before its rows
    store.write(stored, data)
    assert sweep_orphans(store, engine=engine) == []  # younger than the grace period: maybe in flight
    report = verify_archive(store, engine=engine, record=False, in_flight_s=0)
    assert len(report.orphaned) == 2 and sorted(report.removable) == sorted(report.orphaned)
    swept = sweep_orphans(store, engine=engine, older_than_s=0)
    assert swept[0] == store.entry_name(stored.key) and len(swept) == 2
    assert not store.exists(stored.key)
    after = verify_archive(store, engine=engine, record=False, in_flight_s=0)
    assert after.ok and after.checked == len(_keys(engine, kept))


def _desk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desk", *args],
        cwd=ROOT,
        env={**os.environ, "DESK_DEFAULT_LANGUAGE": "en", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_migrate_storage_copies_verifies_and_a_second_run_skips_everything(engine, data_dir, s3_bucket, seaweed):
    folder = FileStore(data_dir)
    person = add_person(engine)
    held = archive_document(folder, [page("租赁合同")], info(person, case_no="TQ2026-000002"), engine=engine)
    archive_document(folder, [page("申请表"), page("银行卡")], info(person), engine=engine)
    place_hold(str(held), staff=ARCHIVIST, reason="法院冻结", engine=engine)  # no object store yet: the flag only
    _, bucket, prefix = s3_bucket(True)
    env = {"DESK_ARCHIVE_URL": f"s3://{bucket}/{prefix}?endpoint={seaweed.endpoint}"}
    with Session(engine) as session:
        total = len({key for row in session.exec(select(ArchivePage)).all() for key in row.file_keys()})

    first = _desk("archive", "migrate-storage", "--every", "5", env=env)
    assert first.returncode == 0, first.stderr
    assert f"{total} files: {total} copied" in first.stdout and f"{total}/{total} files done" in first.stdout
    second = _desk("archive", "migrate-storage", "--json", env=env)
    assert second.returncode == 0, second.stderr
    assert '"copied": 0' in second.stdout and f'"skipped": {total}' in second.stdout

    store = ObjectStore(seaweed.client(), bucket, prefix)
    report = verify_archive(store, engine=engine, record=False, in_flight_s=0)
    assert report.ok and report.checked == total
    for key in _keys(engine, held):  # the hold and the retention came along
        name = store.object_key(key)
        assert store.client.get_object_legal_hold(Bucket=bucket, Key=name)["LegalHold"]["Status"] == "ON"
        assert store.client.get_object_retention(Bucket=bucket, Key=name)["Retention"]["Mode"] == "COMPLIANCE"
    viewed = _desk("verify", "--json", env=env)  # the desk now reads the archive from the object store
    assert viewed.returncode == 0, viewed.stdout + viewed.stderr
    assert f'"checked": {total}' in viewed.stdout


def test_an_interrupted_migration_resumes_where_it_stopped(engine, data_dir, s3_bucket):
    folder = FileStore(data_dir)
    person = add_person(engine)
    archive_document(folder, [page("第一份"), page("第二份")], info(person), engine=engine)
    store = _store(s3_bucket)

    def stop_after_three(step) -> None:
        if step.done == 3:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or a lost connection

    with pytest.raises(KeyboardInterrupt):
        migrate_storage(folder, store, engine=engine, on_step=stop_after_three)
    assert len(list(store.entries())) == 3
    report = migrate_storage(folder, store, engine=engine)
    assert (report.skipped, report.copied, report.ok) == (3, report.total - 3, True)
    assert verify_archive(store, engine=engine, record=False, in_flight_s=0).ok


def test_migrate_storage_reports_a_file_altered_in_the_folder_and_copies_the_rest(engine, data_dir, s3_bucket):
    folder = FileStore(data_dir)
    person = add_person(engine)
    document = archive_document(folder, [page("收入证明")], info(person), engine=engine)
    with Session(engine) as session:
        [row] = session.exec(select(ArchivePage).where(ArchivePage.document_id == document)).all()
    folder.path_of_key(row.text_key).write_text("altered")
    store = _store(s3_bucket)
    report = migrate_storage(folder, store, engine=engine)
    assert report.altered == [row.text_key] and report.copied == report.total - 1 and not report.ok
    assert not store.exists(row.text_key)


def test_the_settings_choose_the_store(data_dir, monkeypatch, seaweed):
    from desk.settings import get_settings

    assert isinstance(store_from_settings(), FileStore)  # the default: the data folder
    monkeypatch.setenv("DESK_ARCHIVE_URL", f"s3://archive/centre/dalian?endpoint={seaweed.endpoint}")
    get_settings.cache_clear()
    store = store_from_settings()
    assert isinstance(store, ObjectStore) and store.location() == "s3://archive/centre/dalian/"
    assert store_from_settings() is store  # one kept client per process
    with pytest.raises(ValueError):
        parse_archive_url("https://archive.example.cn/bucket")
    with pytest.raises(ValueError):
        parse_archive_url("s3://archive?endpont=http://x")
    assert ArchiveDocument.__tablename__  # the tables module loads alongside (no import cycle)


def test_payoff_extends_the_lock_and_disposal_removes_every_version(engine, data_dir, s3_bucket):
    store = _store(s3_bucket)
    person = add_person(engine)
    loan = archive_document(
        store,
        [page("借款合同")],
        info(person, case_no="DK2026-000001", retention_class="loan", captured_at=datetime(2026, 1, 5, 9, 0)),
        engine=engine,
    )
    old = archive_document(
        store, [page("旧提取申请")], info(person, captured_at=datetime(1990, 3, 1, 9, 0)), engine=engine
    )

    def locked_until(key: str) -> date | None:
        answer = store.client.head_object(Bucket=store.bucket, Key=store.object_key(key))
        until = answer.get("ObjectLockRetainUntilDate")
        return until.date() if until else None

    assert {locked_until(key) for key in _keys(engine, loan)} == {date(2056, 1, 5)}  # the earliest end it can have
    record_payoff("DK2026-000001", date(2026, 6, 30), staff=ARCHIVIST, engine=engine, store=store)
    assert {locked_until(key) for key in _keys(engine, loan)} == {date(2056, 6, 30)}  # payoff + 30 years

    old_keys = _keys(engine, old)
    assert {locked_until(key) for key in old_keys} == {None}  # its 30 years ended in 2020: nothing to lock
    dispose([old], staff=ARCHIVIST, reason="保管期满", store=store, engine=engine)
    assert all(_versions(store, key) == [] for key in old_keys)  # destroyed, not hidden behind a marker
    assert verify_archive(store, engine=engine, record=False, in_flight_s=0).ok


def test_a_backup_copies_the_archive_from_the_object_store(engine, data_dir, s3_bucket, tmp_path):
    store = _store(s3_bucket)
    person = add_person(engine)
    document = archive_document(store, [page("租赁合同"), page("第二页")], info(person), engine=engine)
    result = make_backup(tmp_path / "backup", engine=engine, data_dir=data_dir, store=store)
    assert result.ok
    for key in _keys(engine, document):
        copied = tmp_path / "backup" / "files" / store.entry_name(key)
        assert sha256_of(copied.read_bytes()) == key.partition(".")[0]


def test_the_sweep_keeps_a_file_that_a_younger_intake_or_a_new_row_took_up(s3_bucket):
    store = _store(s3_bucket, locked=False)
    data = png_bytes("shared by a crashed and a running intake")
    stored = store.describe(data)
    crashed = store.begin_intake([stored.key])  # died after writing its file
    store.write(stored, data)
    time.sleep(2.5)  # S3's LastModified counts whole seconds
    running = store.begin_intake([stored.key])  # stores the same bytes again, its rows not committed yet
    assert store.write(stored, data) is False
    swept = store.sweep_names(set(), older_than_s=1.2)
    assert swept == [crashed[len(store.prefix) :]] and store.exists(stored.key)  # only the dead journal went
    store.end_intake(running)
    # no journal left, but a row committed after the sweep looked at the rows: asked again, it keeps the file
    again = store.begin_intake([stored.key])
    time.sleep(1.2)
    assert store.sweep_names(set(), older_than_s=0, recheck=lambda keys: keys) == [again[len(store.prefix) :]]
    assert store.exists(stored.key)
    assert store.sweep_names(set(), older_than_s=0) == []  # nothing left that the sweep may remove
