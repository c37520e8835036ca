"""Backup and restore (#10) on SQLite and PostgreSQL: `desk backup` copies a running desk (a paid case,
its postings and log rows, archived pages), `desk restore` puts it into an empty data folder and an
empty database where `verify` is clean and every row is there; a non-empty target and a damaged
backup are refused before anything is written; a backup taken while another thread writes cases
and archives pages is one consistent moment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from archive.helpers import add_person, info, page
from cases.case_people import add_customer, add_staff, identity, owns_home
from sqlalchemy import select, text
from sqlmodel import Session

from desk.archive.fixity import verify_archive
from desk.archive.intake import archive_document
from desk.archive.search import search
from desk.archive.storage import FileStore
from desk.cases.case_commands import submit_command
from desk.cases.postings import reconcile
from desk.cases.tables import Case, CaseTransition
from desk.cases.working_days import local_day
from desk.cli import build_parser
from desk.db import make_engine, session_scope
from desk.migrations import head_revision
from desk.operations.commands import backup_command, restore_command
from desk.security.access_log import AccessLog, log_access
from desk.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
TABLES = (
    "case_file",
    "case_transition",
    "case_material",
    "archive_document",
    "archive_page",
    "withdrawal",
    "access_log",
    "personal_account",
    "person",
    "staff",
)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    args = build_parser().parse_args(list(argv))
    status = {"backup": backup_command, "restore": restore_command}[args.command](args)
    out = capsys.readouterr()
    return status, out.out, out.err


def _ids(engine) -> dict[str, list]:
    """Every row of the tables that matter, by id (or whole row where there is no id)."""
    with engine.connect() as conn:
        return {name: sorted(tuple(row) for row in conn.execute(text(f"SELECT * FROM {name}"))) for name in TABLES}


@pytest.fixture
def running_desk(engine, data_dir, capsys):
    """A desk with data: staff, a customer whose rent withdrawal was submitted and paid, archived pages."""
    with session_scope(engine) as session:
        add_staff(session, "clerk1", "clerk")
        facts = {"identity": identity(), "property": owns_home(False), "marriage": {"status": "unmarried"}}
        customer = add_customer(session, today=local_day(datetime.now(UTC)), facts=facts)
    args = build_parser().parse_args(["case", "submit", customer.id_number, "TQ401", "--staff", "clerk1", "--json"])
    assert submit_command(args) == 0
    case_no = json.loads(capsys.readouterr().out)["case_no"]
    store = FileStore(data_dir)
    archive_document(
        store,
        [page("房屋租赁合同 月租金 叁仟元"), page("第二页 承租人 签字")],
        info(customer.id, case_no=case_no),
        engine=engine,
    )
    get_settings().storage_secret()  # the data folder's own file
    return engine, case_no


def _restore_target(monkeypatch, tmp_path, db_url, request, name: str) -> tuple[Path, str]:
    """An empty data folder (not created) and an empty database, set as the desk's settings."""
    folder = tmp_path / name
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{folder / 'desk.sqlite3'}"
        monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    else:
        url = request.getfixturevalue("pg_cluster").create_database(f"{name}{os.getpid()}_{abs(hash(db_url)) % 10**6}")
        monkeypatch.setenv("DESK_DATABASE_URL", url)
    monkeypatch.setenv("DESK_DATA_DIR", str(folder))
    get_settings.cache_clear()
    return folder, url


def test_round_trip_restores_every_row_and_file_and_verify_is_clean(
    running_desk, db_url, tmp_path, monkeypatch, request, capsys
):
    engine, case_no = running_desk
    before = _ids(engine)
    assert before["withdrawal"] and before["archive_page"] and before["access_log"] and before["case_transition"]
    dest = tmp_path / "backup"
    status, out, err = _run(capsys, "backup", str(dest))
    assert status == 0, err
    assert out.startswith(f"备份完成：{dest}") and "Traceback" not in err
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["kind"] == engine.dialect.name and manifest["database"]["revision"] == head_revision()
    assert manifest["database"]["rows"]["case_file"] == len(before["case_file"])
    assert manifest["archive_files"] > 0 and manifest["problems"] == {"missing": [], "altered": []}
    listed = {entry["path"] for entry in manifest["files"]}
    assert "files/.storage_secret" in listed and not any(".nicegui" in path for path in listed)

    folder, url = _restore_target(monkeypatch, tmp_path, db_url, request, "restored")
    status, out, err = _run(capsys, "restore", str(dest), "--lang", "en")
    assert status == 0, err
    assert out.startswith(f"Restored {len(manifest['files']) - 1} files into {folder}")
    restored = make_engine(url)
    assert _ids(restored) == before
    report = verify_archive(FileStore(folder), engine=restored, record=False, in_flight_s=0)
    assert report.ok and report.checked == manifest["archive_files"]
    with Session(restored) as session:
        assert reconcile(session) == []
        hits = search(session, "租赁合同", staff="archivist1", purpose="restore drill").hits
        assert [hit.case_no for hit in hits] == [case_no]
        session.commit()
    assert (folder / ".storage_secret").read_text() == (
        Path(os.environ["DESK_DATA_DIR"]) / ".storage_secret"
    ).read_text()
    restored.dispose()

    status, out, err = _run(capsys, "restore", str(dest))  # the folder now holds a desk: refused
    assert status == 1 and "不是空目录" in err and "Traceback" not in err


def test_a_damaged_backup_and_a_used_folder_are_refused_before_anything_is_written(
    running_desk, db_url, tmp_path, monkeypatch, request, capsys
):
    dest = tmp_path / "backup"
    assert _run(capsys, "backup", str(dest))[0] == 0
    assert _run(capsys, "backup", str(dest))[0] == 1  # a backup never writes into a used folder
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    archived = next(entry["path"] for entry in manifest["files"] if entry["path"].startswith("files/objects/"))
    damaged = dest / archived
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"\x00")

    folder, url = _restore_target(monkeypatch, tmp_path, db_url, request, "target")
    status, _out, err = _run(capsys, "restore", str(dest), "--lang", "en")
    assert status == 1 and "The backup is damaged, nothing was restored" in err and archived in err
    assert not folder.exists() or not any(folder.iterdir())
    if url.startswith("postgresql"):
        with make_engine(url).connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one() == 0

    folder.mkdir(exist_ok=True)
    (folder / "desk.sqlite3").write_bytes(b"")  # someone's desk lives here
    status, _out, err = _run(capsys, "restore", str(tmp_path / "nowhere"))
    assert status == 1 and "没有 manifest.json" in err
    status, _out, err = _run(capsys, "restore", str(dest))
    assert status == 1 and f"数据目录 {folder} 不是空目录" in err and "Traceback" not in err


def test_a_backup_taken_while_cases_are_written_is_one_consistent_moment(
    engine, data_dir, db_url, tmp_path, monkeypatch, request, capsys
):
    """A writer thread archives a page, then opens a case with its transition and log row in one
    transaction, over and over; the backup in between must hold whole cases and their files."""
    person = add_person(engine)
    store, stop, written, errors = FileStore(data_dir), threading.Event(), [0], []

    def writer() -> None:
        try:
            while not stop.is_set() or written[0] < 5:
                n = written[0]
                archive_document(store, [page(f"合同 第{n}份")], info(person, case_no=f"BK-{n}"), engine=engine)
                with session_scope(engine) as session:
                    case = Case(
                        case_no=f"BK-{n}",
                        person_id=person,
                        business_code="TQ401",
                        review_mode="pay_first",
                        state="submitted",
                        opened_by="clerk1",
                        opened_at=datetime.now(UTC),
                    )
                    session.add(case)
                    session.flush()
                    session.add(
                        CaseTransition(
                            case_id=case.id,
                            action="submit",
                            to_state="submitted",
                            actor="clerk1",
                            actor_role="clerk",
                            at=datetime.now(UTC),
                        )
                    )
                    log_access(
                        session,
                        staff="clerk1",
                        action="open_case",
                        person_id=person,
                        purpose="test",
                        case_no=case.case_no,
                    )
                written[0] += 1
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=writer)
    thread.start()
    while written[0] < 5 and thread.is_alive():
        threading.Event().wait(0.02)
    dest = tmp_path / "backup"
    status, _out, err = _run(capsys, "backup", str(dest))
    at_backup_end = written[0]
    threading.Event().wait(0.3)
    stop.set()
    thread.join(timeout=120)
    assert not errors and status == 0, (errors, err)
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    in_backup = manifest["database"]["rows"]["case_file"]
    assert in_backup >= 5 and written[0] > in_backup  # taken while the writer ran

    folder, url = _restore_target(monkeypatch, tmp_path, db_url, request, "restored")
    status, _out, err = _run(capsys, "restore", str(dest))
    assert status == 0, err
    restored = make_engine(url)
    with Session(restored) as session:
        cases = session.exec(select(Case.case_no)).scalars().all()
        transitions = session.exec(select(CaseTransition.case_id)).scalars().all()
        logged = session.exec(select(AccessLog.case_no)).scalars().all()
    assert sorted(cases) == sorted(f"BK-{n}" for n in range(in_backup))  # whole cases, in order, no gap
    assert len(transitions) == len(set(transitions)) == len(cases) == len(logged)
    report = verify_archive(FileStore(folder), engine=restored, record=False, in_flight_s=0)
    assert report.ok and report.checked >= 3 * in_backup  # every page's files, none missing or left over
    restored.dispose()
    assert at_backup_end >= in_backup


def test_backup_and_restore_as_commands_of_a_sqlite_data_folder(tmp_path):
    folder, target, dest = tmp_path / "desk-data", tmp_path / "restored", tmp_path / "nightly"
    env = {**os.environ, "DESK_DATA_DIR": str(folder), "DESK_DEFAULT_LANGUAGE": "zh-CN"}
    env.pop("DESK_DATABASE_URL", None)

    def desk(*args: str, data: Path = folder) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "desk", *args],
            cwd=ROOT,
            env={**env, "DESK_DATA_DIR": str(data)},
            capture_output=True,
            text=True,
            timeout=300,
        )

    result = desk("backup", str(dest))  # nothing to back up yet: said, and no empty database made
    assert result.returncode == 1 and "没有数据库文件" in result.stderr and not (folder / "desk.sqlite3").exists()
    assert desk("seed", "--customers", "20").returncode == 0
    result = desk("backup", str(dest), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] and summary["database"]["rows"]["person"] == 20
    result = desk("restore", str(dest), data=target)
    assert result.returncode == 0, result.stderr
    assert f"结构版本 {head_revision()}" in result.stdout
    result = desk("restore", str(dest), data=target)
    assert result.returncode == 1 and "不是空目录" in result.stderr and "Traceback" not in result.stderr
    assert desk("reconcile", data=target).returncode == 0
    assert desk("verify", data=target).returncode == 0
