"""`python -m desk hold | release | dispose | payoff` on both databases: the acting archivist is checked
and logged, messages come in the chosen language, and `dispose` deletes nothing without --yes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from helpers import add_person, info, page
from sqlmodel import Session, select

from desk.archive.intake import archive_document
from desk.archive.storage import FileStore
from desk.archive.tables import ArchiveDocument
from desk.cli import main
from desk.security.access_log import AccessLog
from desk.security.staff import Staff

ROOT = Path(__file__).resolve().parents[2]
OLD = datetime(1990, 3, 1, 9, 0)  # a withdrawal file captured then was kept until 2020-03-01


@pytest.fixture
def archive(engine, data_dir):
    """Staff (an archivist, a clerk, a deactivated archivist) and three documents: two past their retention
    (one of them in case TQ2026-000001) and one of a loan case not yet paid off."""
    with Session(engine) as session:
        for username, role, active in (
            ("arch1", "archivist", True),
            ("clerk1", "clerk", True),
            ("gone1", "archivist", False),
        ):
            session.add(Staff(username=username, display_name=username, role=role, password_hash="-", active=active))
        session.commit()
    store = FileStore(data_dir)
    person = add_person(engine)
    ended = archive_document(
        store, [page("旧合同")], info(person, captured_at=OLD, case_no="TQ2026-000001"), engine=engine
    )
    also_ended = archive_document(store, [page("旧申请表")], info(person, captured_at=OLD), engine=engine)
    loan = archive_document(
        store,
        [page("贷款合同")],
        info(person, captured_at=OLD, case_no="DK2026-000001", retention_class="loan"),
        engine=engine,
    )
    return {"ended": ended, "also_ended": also_ended, "loan": loan}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, out.out, out.err


def _documents(engine) -> dict[int, bool]:
    with Session(engine) as session:
        return {doc.id: doc.legal_hold for doc in session.exec(select(ArchiveDocument))}


def _log(engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        return [
            (row.action, row.staff, row.fields)
            for row in session.exec(select(AccessLog).where(AccessLog.action.like("archive_%")).order_by(AccessLog.id))
        ]


def test_hold_and_release_a_case_by_number(engine, archive, capsys):
    ended = archive["ended"]
    status, out, _ = _run(capsys, "hold", "TQ2026-000001", "--reason", "法院协助冻结", "--staff", "arch1")
    assert status == 0 and out.strip() == f"已对 1 份档案办理法律保全：{ended}"
    assert _documents(engine)[ended] is True
    status, out, err = _run(capsys, "hold", "TQ2026-000001", "--reason", "again", "--staff", "arch1", "--lang", "en")
    assert status == 1 and out == "" and "already under legal hold" in err
    status, out, _ = _run(capsys, "release", str(ended), "--reason", "解除", "--staff", "arch1", "--json")
    assert status == 0 and json.loads(out) == {"ok": True, "documents": [ended]}
    assert _log(engine) == [
        ("archive_hold", "arch1", f"document:{ended}"),
        ("archive_release", "arch1", f"document:{ended}"),
    ]


@pytest.mark.parametrize(
    ("staff", "message"), [("clerk1", "只有档案管理员"), ("gone1", "没有名为 gone1"), ("nobody", "没有名为 nobody")]
)
def test_only_an_active_archivist_may_act(engine, archive, capsys, staff, message):
    for argv in (
        ["hold", str(archive["ended"]), "--reason", "x"],
        ["dispose", "--yes"],
        ["payoff", "DK2026-000001", "--on", "2001-01-01"],
    ):
        status, _, err = _run(capsys, *argv, "--staff", staff)
        assert status == 1 and message in err
    assert not any(_documents(engine).values()) and len(_documents(engine)) == 3 and _log(engine) == []


def test_dispose_lists_without_yes_and_deletes_with_it(engine, archive, data_dir, capsys):
    ended, also_ended, loan = archive["ended"], archive["also_ended"], archive["loan"]
    _run(capsys, "hold", str(also_ended), "--reason", "审计", "--staff", "arch1")
    files = sorted(FileStore(data_dir).iter_files())

    status, out, _ = _run(capsys, "dispose", "--staff", "arch1")
    assert status == 0 and f"档案 {ended} · " in out and "保管至 2020-03-01" in out and "张*" in out
    assert "以上 1 份档案保管期满且未被保全；加 --yes 将全部销毁" in out
    assert len(_documents(engine)) == 3 and sorted(FileStore(data_dir).iter_files()) == files

    status, out, _ = _run(capsys, "dispose", "--staff", "arch1", "--yes", "--json")
    data = json.loads(out)
    assert status == 0 and data["deleted"] == [ended] and data["files_removed"] == 5
    assert [item["document_id"] for item in data["due"]] == [ended] and data["due"][0]["customer"] == "张*"
    assert set(_documents(engine)) == {also_ended, loan}
    assert ("archive_delete", "arch1", f"document:{ended}") in _log(engine)

    status, out, _ = _run(capsys, "dispose", "--staff", "arch1", "--yes", "--lang", "en")
    assert status == 0 and out.strip() == "No documents are due for disposal"


def test_payoff_starts_the_loan_files_clock_and_makes_them_due(engine, archive, capsys):
    loan = archive["loan"]
    status, _, err = _run(capsys, "payoff", "DK2026-000001", "--on", "2099-01-01", "--staff", "arch1")
    assert status == 1 and "尚未到来" in err
    status, _, err = _run(capsys, "payoff", "DK2026-000001", "--on", "1/1/2001", "--staff", "arch1")
    assert status == 1 and "日期格式不正确" in err
    status, out, _ = _run(capsys, "payoff", "dk2026-000001", "--on", "1995-06-30", "--staff", "arch1")
    assert status == 0 and out.strip() == "业务 DK2026-000001 的贷款于 1995-06-30 结清：1 份档案开始计算保管期限"
    status, out, _ = _run(capsys, "dispose", "--staff", "arch1", "--json")
    assert status == 0 and {item["document_id"] for item in json.loads(out)["due"]} == {
        archive["ended"],
        archive["also_ended"],
        loan,
    }
    assert ("archive_payoff", "arch1", f"document:{loan}") in _log(engine)


def test_python_m_desk_hold_runs_the_command(engine, archive):
    env = {**os.environ, "DESK_DEFAULT_LANGUAGE": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "desk", "hold", str(archive["loan"]), "--reason", "court order", "--staff", "arch1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"1 document(s) put under legal hold: {archive['loan']}"
    assert _documents(engine)[archive["loan"]] is True
