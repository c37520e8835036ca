"""The export of a whole case on both engines: integrity checked against the case's checklist (captured,
proven by data, accepted on promise, or missing), the PDF's text extractable, and the `export` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from case_people import CLERK, DEMO_TODAY, SUPERVISOR_PASSWORD, add_customer, add_staff, identity
from pypdf import PdfReader

from desk.archive.intake import PageInput
from desk.archive.storage import FileStore
from desk.cases.case_export import export_case
from desk.cases.checklist import checklist_for
from desk.cases.counter import archive_capture, defer_material, open_draft, override_rules, submit_case
from desk.cases.working_days import local_day
from desk.db import session_scope

ROOT = Path(__file__).resolve().parents[2]
LEASE_TEXT = "房屋租赁合同\n出租人李四承租人张三"


def _page() -> PageInput:
    ok, data = cv2.imencode(".jpg", np.full((400, 300, 3), 230, np.uint8))
    assert ok
    return PageInput(original=data.tobytes(), text=LEASE_TEXT, width_px=300, height_px=400, dpi=100.0, doc_type="lease")


def _rent_case(engine):
    """A submitted rent withdrawal (TQ401) declaring the actual rent, of a customer the real-estate
    registry holds no record of: M10 captured, M11 accepted on promise, the failed no-home rule
    overridden by a supervisor, M01 proven."""
    facts = {"identity": identity(), "marriage": {"status": "unmarried"}}
    with session_scope(engine) as session:
        person_id = add_customer(session, today=DEMO_TODAY, facts=facts).id
        add_staff(session, "sup9")
        checklist = checklist_for(session, person_id, "TQ401", declared=("actual_rent",))
    case = open_draft(checklist=checklist, staff=CLERK, declared=("actual_rent",), engine=engine)
    assert sorted(case.blocking) == ["M10", "M11"] and case.materials["M01"].status == "proven"
    case = archive_capture(
        case_id=case.case_id,
        material="M10",
        pages=[_page(), _page()],
        source="camera",
        title="M10",
        staff=CLERK,
        expected_version=case.version,
        engine=engine,
    )
    promised = local_day(datetime.now(UTC)) + timedelta(days=5)
    case = defer_material(
        case_id=case.case_id,
        material="M11",
        promised_on=promised,
        staff=CLERK,
        expected_version=case.version,
        engine=engine,
    )
    case = override_rules(
        case_id=case.case_id,
        supervisor="sup9",
        password=SUPERVISOR_PASSWORD,
        reason="不动产登记系统暂无记录，客户书面承诺",
        expected_version=case.version,
        engine=engine,
    )
    return submit_case(
        case_id=case.case_id, staff=CLERK, expected_version=case.version, amount_fen=100_000, engine=engine
    )


def test_a_submitted_case_exports_with_its_pages_and_a_material_accepted_on_promise(engine, data_dir, tmp_path):
    case = _rent_case(engine)
    assert case.state == "submitted" and case.review_mode == "decide_first"  # overridden: decided before paying
    store = FileStore(data_dir)
    complete = export_case(
        case.case_no.lower(), tmp_path / "complete.pdf", store=store, staff="archivist1", purpose="test", engine=engine
    )
    integrity = complete["integrity"]
    assert complete["ok"] and integrity["missing_materials"] == []
    assert integrity["materials"] == {"M01": "proven", "M10": "captured", "M11": "deferred"}
    assert integrity["checklist_supplied"] and integrity["documents_with_page_gaps"] == []
    pages = [page.extract_text() for page in PdfReader(str(tmp_path / "complete.pdf")).pages]
    assert len(pages) == 3 and case.case_no in pages[0]  # the draft's pages carry the number given at submission
    assert "1,000.00" in pages[0] and "壹仟元整" in pages[0]  # the amount on the cover, in capitals too
    assert complete["case"]["amount_fen"] == 100_000 and complete["case"]["payee_card"] == "621700*********0123"
    assert [page.splitlines() for page in pages[1:]] == [LEASE_TEXT.splitlines()] * 2


def test_the_export_command_checks_the_case_and_names_each_material(engine, data_dir, tmp_path):
    case = _rent_case(engine)
    env = {**os.environ, "DESK_DEFAULT_LANGUAGE": "zh-CN"}
    done = subprocess.run(
        [sys.executable, "-m", "desk", "export", case.case_no, "--out", str(tmp_path / "c.pdf")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "M11: 容缺受理" in done.stdout and "M01: 数据已证明" in done.stdout
    report = json.loads((tmp_path / "c.check.json").read_text(encoding="utf-8"))
    assert report["integrity"]["missing_materials"] == []
