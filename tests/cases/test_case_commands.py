"""`python -m desk case submit | show | decide` and `reconcile` on SQLite and PostgreSQL: the handlers
are called with the Namespaces the real parser builds, on real customers, staff accounts, files
and the capture pipeline; one test runs the command as a user does (a subprocess on SQLite)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from case_people import add_customer, add_staff, identity, owns_home
from docgen.content import HolderFacts
from docgen.documents import TODAY as DOCGEN_TODAY
from docgen.documents import lease
from docgen.ids import Person as DocPerson
from sqlalchemy import func, select, update

from desk.archive.fixity import verify_archive
from desk.archive.storage import FileStore
from desk.archive.tables import ArchiveDocument
from desk.cases.case_commands import decide_command, reconcile_command, show_command, submit_command
from desk.cases.submission import SubmissionRefused, SubmitRequest, carry_out, plan_submission
from desk.cases.tables import Case, CaseMaterial, CaseTransition
from desk.cases.working_days import local_day
from desk.cli import build_parser
from desk.db import session_scope
from desk.records.tables import Person, PersonalAccount, Withdrawal
from desk.security.access_log import AccessLog
from desk.security.staff import Staff

ROOT = Path(__file__).resolve().parents[2]
RENT_CAP_FEN = 2_160_000  # TQ401's yearly cap in the urban core (catalog.toml)
HANDLERS = {"submit": submit_command, "show": show_command, "decide": decide_command}
COUNTED = (Case, CaseMaterial, CaseTransition, Withdrawal, ArchiveDocument)

TENANT_CALL = 2  # a lease names the landlord first, then the tenant


def _today():
    return local_day(datetime.now(UTC))


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    """Parse `argv` with the real parser and call its handler; (exit status, stdout, stderr)."""
    args = build_parser().parse_args(list(argv))
    handler = reconcile_command if args.command == "reconcile" else HANDLERS[args.case]
    status = handler(args)
    out = capsys.readouterr()
    return status, out.out, out.err


def _json(capsys, *argv: str) -> tuple[int, dict]:
    status, out, err = _run(capsys, *argv, "--json")
    assert "Traceback" not in err
    return status, json.loads(out)


@pytest.fixture
def people(engine):
    """Staff accounts: two clerks, two supervisors, an archivist and a deactivated clerk."""
    with session_scope(engine) as session:
        for name, role in (
            ("clerk1", "clerk"),
            ("clerk2", "clerk"),
            ("sup1", "supervisor"),
            ("sup2", "supervisor"),
            ("arch1", "archivist"),
            ("gone1", "clerk"),
        ):
            add_staff(session, name, role)
        session.execute(update(Staff).where(Staff.username == "gone1").values(active=False))
    return engine


def _customer(engine, *, owns: bool = False, balance_yuan: int = 50_000, loans=(), name: str = "于海洋") -> Person:
    facts = {"identity": identity(name), "property": owns_home(owns), "marriage": {"status": "unmarried"}}
    with session_scope(engine) as session:
        return add_customer(
            session, today=_today(), facts=facts, balance_yuan=balance_yuan, loans=list(loans), name=name
        )


def _counts(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in COUNTED
        }


def _postings(engine, person_id: int) -> list[tuple[str, int, str | None]]:
    with session_scope(engine) as session:
        return [
            tuple(row)
            for row in session.execute(
                select(Withdrawal.kind, Withdrawal.amount_fen, Withdrawal.case_no)
                .join(PersonalAccount, PersonalAccount.id == Withdrawal.account_id)
                .where(PersonalAccount.person_id == person_id)
                .order_by(Withdrawal.id)
            ).all()
        ]


def _balance(engine, person_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(
            select(PersonalAccount.balance_fen).where(PersonalAccount.person_id == person_id)
        ).scalar_one()


def lease_scan(customer: Person, folder: Path) -> Path:
    """A flat scan (PNG) of a generated 房屋租赁合同 with the customer as 承租人 (their name and ID number)."""
    tenant = DocPerson(
        name=customer.name,
        sex="男",
        ethnicity="汉",
        birth=customer.birth_date,
        district_code=customer.id_number[:6],
        address="大连市中山区人民路 1 号",
        id_number=customer.id_number,
    )
    document = lease(HolderFacts(random.Random(7), DOCGEN_TODAY, tenant, TENANT_CALL))
    path = folder / "lease.png"
    document.image.save(path)
    return path


# --- submit --------------------------------------------------------------------------------------


def test_submit_pays_a_rent_case_with_its_amount_and_posts_it(people, capsys):
    customer = _customer(people)
    status, data = _json(
        capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "clerk1", "--amount", "12,000.50"
    )
    assert status == 0, data
    assert (data["state"], data["paid"], data["amount"], data["amount_fen"]) == ("paid", True, "12000.50", 1_200_050)
    assert data["case_no"].startswith("DL") and data["refused"] == [] and data["payee_card"].endswith("0123")
    assert _postings(people, customer.id) == [("withdrawal", 1_200_050, data["case_no"])]
    assert _balance(people, customer.id) == 5_000_000 - 1_200_050
    with session_scope(people) as session:  # the checklist read is logged like the counter's
        logged = session.execute(
            select(AccessLog.staff, AccessLog.action).where(AccessLog.person_id == customer.id)
        ).all()
    assert ("clerk1", "checklist") in [tuple(row) for row in logged]


def test_an_ineligible_customer_is_refused_with_every_reason_in_chinese_and_nothing_is_written(
    people, capsys, tmp_path
):
    customer = _customer(people, owns=True)  # the registry shows a home: rent is not paid
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image", encoding="utf-8")
    before = _counts(people)
    status, out, err = _run(
        capsys,
        "case",
        "submit",
        customer.id_number,
        "TQ401",
        "--staff",
        "clerk1",
        "--amount",
        "12x",
        "--declare",
        "actual_rent",
        "--defer",
        f"M11={(_today() + timedelta(days=5)).isoformat()}",
        "--attach",
        f"M10={notes}",
    )
    assert status == 1 and out == "" and "Traceback" not in err
    assert "未办理" in err
    assert "不符合办理条件" in err and "无自有住房" in err  # the failed rule, named
    assert "“12x”不是有效的金额" in err  # the malformed amount
    assert "M11 与登记系统数据矛盾" in err  # no 容缺 against the registry
    assert "未归档 " + str(notes) in err  # the file the pipeline refused
    assert _counts(people) == before
    assert _postings(people, customer.id) == [] and _balance(people, customer.id) == 5_000_000


def test_staff_business_and_customer_are_checked_and_every_reason_is_listed(people, capsys):
    customer = _customer(people)
    before = _counts(people)
    status, data = _json(
        capsys,
        "case",
        "submit",
        customer.id_number,
        "TQ999",
        "--staff",
        "nobody",
        "--defer",
        "M11=2026-13-40",
        "--lang",
        "en",
    )
    assert status == 1 and data["case_no"] is None and data["paid"] is False
    business, date_reason, staff_reason = data["refused"]
    assert business.startswith("There is no business TQ999 (known: ") and " TQ401 " in business
    assert date_reason == "The promised date '2026-13-40' of M11 is not a date (YYYY-MM-DD)"
    assert staff_reason == "There is no staff account nobody"
    status, data = _json(capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "arch1", "--lang", "en")
    assert (status, data["refused"]) == (1, ["A Archivist may not open"])
    status, data = _json(capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "gone1")
    assert (status, data["refused"]) == (1, ["工作人员账号 gone1 已停用"])
    status, data = _json(
        capsys, "case", "submit", "210202198805170000", "TQ401", "--staff", "clerk1", "--amount", "999999"
    )
    assert status == 1 and len(data["refused"]) == 1 and "校验" in data["refused"][0]  # a wrong check character
    status, data = _json(
        capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "clerk1", "--amount", "999999"
    )
    assert status == 1 and data["refused"] == ["申请金额 999,999.00 元超过本次最多可提取的 21,600.00 元"]
    assert _counts(people) == before
    status, _out, err = _run(
        capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "clerk1", "--defer", "M11"
    )
    assert status == 2 and "材料代码=YYYY-MM-DD" in err


def test_a_second_submission_the_same_day_is_refused(people, capsys):
    customer = _customer(people)
    status, first = _json(capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "clerk1")
    assert status == 0 and first["amount"] == "21600.00" and first["paid"]
    before = _counts(people)
    status, second = _json(capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "clerk2")
    assert status == 1 and second["case_no"] is None
    assert any("不符合办理条件" in reason and "12" in reason for reason in second["refused"])
    assert _counts(people) == before
    assert _postings(people, customer.id) == [("withdrawal", RENT_CAP_FEN, first["case_no"])]


def test_attach_a_generated_lease_for_m10_declared_actual_rent(people, capsys, tmp_path):
    other = _customer(people, name="曲丽")
    scan = lease_scan(other, tmp_path)
    before = _counts(people)
    status, data = _json(
        capsys, "case", "submit", other.id_number, "TQ401", "--staff", "clerk1", "--declare", "actual_rent"
    )  # declaring the actual rent asks for the lease
    assert status == 1 and data["refused"] == ["以下材料尚缺，不能提交（可办理容缺受理）：M10"]
    assert _counts(people) == before
    status, data = _json(
        capsys,
        "case",
        "submit",
        other.id_number,
        "TQ401",
        "--staff",
        "clerk1",
        "--declare",
        "actual_rent",
        "--attach",
        f"m10={scan}",
    )
    assert status == 0, data
    assert data["paid"] and data["amount_fen"] == RENT_CAP_FEN
    with session_scope(people) as session:
        document = session.execute(select(ArchiveDocument).where(ArchiveDocument.person_id == other.id)).scalar_one()
        material = session.execute(
            select(CaseMaterial)
            .join(Case, Case.id == CaseMaterial.case_id)
            .where(Case.case_no == data["case_no"], CaseMaterial.material == "M10")
        ).scalar_one()
    assert (document.doc_type, document.material_code, document.case_no) == ("lease", "M10", data["case_no"])
    assert (material.status, material.document_id) == ("captured", document.id)


def test_a_submission_refused_after_archiving_leaves_no_draft_and_no_document(people, tmp_path):
    customer = _customer(people)
    request = SubmitRequest(
        query=customer.id_number,
        business="TQ401",
        staff="clerk1",
        declared=("actual_rent",),
        attach=(("M10", str(lease_scan(customer, tmp_path))),),
    )
    plan = plan_submission(request, engine=people)
    paid = carry_out(plan, engine=people)  # the same checked plan carried out twice, as two racing clerks would
    assert paid.paid
    before = _counts(people)
    with pytest.raises(SubmissionRefused) as refused:
        carry_out(plan, engine=people)
    assert [reason.key for reason in refused.value.reasons] == ["cases.workflow.rules_fail"]
    after = _counts(people)
    assert after["archive_document"] == before["archive_document"] == 1  # the second copy was taken back
    assert after["withdrawal"] == before["withdrawal"] == 1
    with session_scope(people) as session:
        states = session.execute(select(Case.state, Case.case_no).order_by(Case.id)).all()
    assert [tuple(row) for row in states] == [("paid", paid.case_no), ("discarded", None)]
    report = verify_archive(FileStore(Path(os.environ["DESK_DATA_DIR"])), engine=people, record=False)
    assert report.ok and report.orphaned == []


# --- decide, show ----------------------------------------------------------------------------------


def test_decide_approve_pays_a_decide_first_repayment_case(people, capsys):
    customer = _customer(people, loans=[{}])  # an open provident fund loan
    status, data = _json(capsys, "case", "submit", customer.id_number, "TQ201", "--staff", "sup1", "--amount", "8000")
    assert status == 0 and (data["state"], data["paid"], data["review_mode"]) == ("submitted", False, "decide_first")
    assert _postings(people, customer.id) == []
    case_no = data["case_no"]
    status, refused = _json(capsys, "case", "decide", case_no, "approve", "--staff", "clerk1")
    assert status == 1 and refused["refused"] == ["柜员无权核准"]
    status, refused = _json(capsys, "case", "decide", case_no, "approve", "--staff", "sup1", "--lang", "en")
    assert status == 1 and refused["refused"] == [
        f"You opened or submitted case {case_no}; another supervisor must decide it"
    ]  # four eyes
    status, refused = _json(capsys, "case", "decide", case_no, "return", "--staff", "sup2")
    assert status == 1 and refused["refused"] == ["请填写理由"]
    assert _postings(people, customer.id) == []
    status, out, err = _run(capsys, "case", "decide", case_no, "approve", "--staff", "sup2", "--comment", "核对无误")
    assert status == 0 and case_no in out and "已支付" in out, err
    assert _postings(people, customer.id) == [("withdrawal", 800_000, case_no)]
    assert _balance(people, customer.id) == 5_000_000 - 800_000
    status, refused = _json(capsys, "case", "decide", case_no, "approve", "--staff", "sup2")
    assert status == 1 and "不能" in refused["refused"][0]  # decided already: nothing paid twice
    assert len(_postings(people, customer.id)) == 1
    status, refused = _json(capsys, "case", "decide", "DL2026-999999", "approve", "--staff", "sup2")
    assert status == 1 and refused["refused"] == ["没有编号为 DL2026-999999 的业务"]


def test_show_prints_the_case_masked_with_materials_and_history_and_logs_the_read(people, capsys):
    customer = _customer(people)
    status, data = _json(capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "clerk1", "--amount", "3000")
    status, shown = _json(capsys, "case", "show", data["case_no"].lower(), "--staff", "sup1")
    assert status == 0
    assert (shown["case_no"], shown["state"], shown["business"], shown["amount"], shown["paid"]) == (
        data["case_no"],
        "paid",
        "TQ401",
        "3000.00",
        True,
    )
    assert shown["customer"]["id_number"] == f"{customer.id_number[:4]}**********{customer.id_number[-4:]}"
    assert customer.name not in json.dumps(shown, ensure_ascii=False)
    assert shown["payee_card"] == "621700*********0123" and shown["due_on"]
    assert {row["material"]: row["status"] for row in shown["materials"]}["M11"] == "proven"
    assert [(step["action"], step["actor"]) for step in shown["history"]] == [
        ("open", "clerk1"),
        ("submit", "clerk1"),
        ("pay", "clerk1"),
    ]
    status, out, err = _run(capsys, "case", "show", data["case_no"], "--lang", "en")
    assert status == 0 and "Amount: ¥3,000.00" in out and "Paid: Yes" in out and customer.id_number not in out
    with session_scope(people) as session:
        reads = (
            session.execute(
                select(AccessLog.staff).where(AccessLog.action == "view_case", AccessLog.case_no == data["case_no"])
            )
            .scalars()
            .all()
        )
    assert sorted(reads) == ["cli", "sup1"]
    status, out, err = _run(capsys, "case", "show", "DL2026-000999")
    assert status == 1 and "没有编号为 DL2026-000999 的业务" in err and "Traceback" not in err


# --- reconcile -------------------------------------------------------------------------------------


def test_reconcile_agrees_then_reports_a_tampered_balance(people, capsys):
    customer = _customer(people)
    _json(capsys, "case", "submit", customer.id_number, "TQ401", "--staff", "clerk1")
    status, out, _err = _run(capsys, "reconcile")
    assert (status, out.strip()) == (0, "账目相符：1 个账户，1 笔记账")
    with session_scope(people) as session:
        account_no = session.execute(select(PersonalAccount.account_no)).scalar_one()
        session.execute(update(PersonalAccount).values(balance_fen=PersonalAccount.balance_fen + 100))
    status, data = _json(capsys, "reconcile")
    assert status == 1 and data["agree"] is False
    expected = f"{(5_000_000 - RENT_CAP_FEN) / 100:.2f}"
    assert data["differences"] == [
        {
            "kind": "balance_differs",
            "label": "账户余额与明细不符",
            "subject": account_no,
            "expected": expected,
            "found": f"{(5_000_000 - RENT_CAP_FEN + 100) / 100:.2f}",
            "unit": "yuan",
        }
    ]
    status, out, _err = _run(capsys, "reconcile", "--lang", "en")
    assert status == 1 and "balance differs from the ledger" in out and "¥28,401.00" in out


# --- as a user runs it ------------------------------------------------------------------------------


def test_the_command_runs_as_a_subprocess_against_a_sqlite_data_folder(tmp_path):
    from desk.db import init_db, make_engine

    folder = tmp_path / "desk-data"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder / 'desk.sqlite3'}")
    init_db(engine)
    with session_scope(engine) as session:
        add_staff(session, "clerk1", "clerk")
    customer = _customer(engine)
    engine.dispose()
    env = {**os.environ, "DESK_DATA_DIR": str(folder), "DESK_DEFAULT_LANGUAGE": "zh-CN"}
    env.pop("DESK_DATABASE_URL", None)

    def desk(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "desk", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    result = desk("case", "submit", customer.id_number, "TQ401", "--staff", "clerk1", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["state"], data["amount"], data["amount_fen"], data["paid"]) == ("paid", "21600.00", RENT_CAP_FEN, True)
    result = desk("case", "submit", customer.id_number, "TQ401", "--staff", "clerk1")
    assert result.returncode == 1 and "不符合办理条件" in result.stderr and "Traceback" not in result.stderr
    result = desk("reconcile")
    assert result.returncode == 0 and result.stdout.strip() == "账目相符：1 个账户，1 笔记账"
    result = desk("case", "submit", customer.id_number, "TQ401")
    assert result.returncode == 2  # --staff is required
