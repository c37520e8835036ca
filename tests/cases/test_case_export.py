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
from case_people import CLERK, DEMO_TODAY, add_customer, identity, owns_home
from pypdf import PdfReader

from desk.archive.intake import PageInput
from desk.archive.storage import FileStore
from desk.cases.case_export import export_case
from desk.cases.checklist import checklist_for
from desk.cases.counter import archive_capture, defer_material, open_draft
from desk.cases.working_days import local_day
from desk.db import session_scope

ROOT = Path(__file__).resolve().parents[2]
LEASE_TEXT = "房屋租赁合同\n出租人李四承租人张三"


def _page() -> PageInput:
    ok, data = cv2.imencode(".jpg", np.full((400, 300, 3), 230, np.uint8))
    assert ok
    return PageInput(original=data.tobytes(), text=LEASE_TEXT, width_px=300, height_px=400, dpi=100.0,
                     doc_type="lease")


def _rent_case(engine):
    """A draft rent withdrawal (TQ401) that declares the actual rent: M10 and M11 to capture, M01 proven."""
    facts = {"identity": identity(), "property": owns_home(True), "marriage": {"status": "unmarried"}}
    with session_scope(engine) as session:
        person_id = add_customer(session, today=DEMO_TODAY, facts=facts).id
        checklist = checklist_for(session, person_id, "TQ401", declared=("actual_rent",))
    case = open_draft(checklist=checklist, staff=CLERK, engine=engine)
    assert sorted(case.blocking) == ["M10", "M11"] and case.materials["M01"].status == "proven"
    return archive_capture(case_id=case.case_id, material="M10", pages=[_page(), _page()], source="camera",
                           title="M10", staff=CLERK, expected_version=case.version, engine=engine)


def test_a_case_missing_a_material_fails_integrity_and_passes_once_it_is_accepted_on_promise(engine, data_dir,
                                                                                           tmp_path):
    case = _rent_case(engine)
    store = FileStore(data_dir)
    report = export_case(case.case_no.lower(), tmp_path / "case.pdf", store=store, staff="archivist1",
                         purpose="test", engine=engine)
    integrity = report["integrity"]
    assert not report["ok"] and not integrity["ok"] and integrity["missing_materials"] == ["M11"]
    assert integrity["materials"] == {"M01": "proven", "M10": "captured", "M11": "missing"}
    assert integrity["checklist_supplied"] and integrity["documents_with_page_gaps"] == []
    pages = [page.extract_text() for page in PdfReader(str(tmp_path / "case.pdf")).pages]
    assert len(pages) == 3 and case.case_no in pages[0]
    assert [page.splitlines() for page in pages[1:]] == [LEASE_TEXT.splitlines()] * 2

    promised = local_day(datetime.now(UTC)) + timedelta(days=5)
    defer_material(case_id=case.case_id, material="M11", promised_on=promised, staff=CLERK,
                   expected_version=case.version, engine=engine)
    complete = export_case(case.case_no, tmp_path / "complete.pdf", store=store, staff="archivist1",
                           purpose="test", engine=engine)
    assert complete["ok"] and complete["integrity"]["missing_materials"] == []
    assert complete["integrity"]["materials"] == {"M01": "proven", "M10": "captured", "M11": "deferred"}


def test_the_export_command_checks_the_case_and_names_the_missing_material(engine, data_dir, tmp_path):
    case = _rent_case(engine)
    env = {**os.environ, "DESK_DEFAULT_LANGUAGE": "zh-CN"}
    done = subprocess.run([sys.executable, "-m", "desk", "export", case.case_no, "--out", str(tmp_path / "c.pdf")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "完整性: 未通过" in done.stdout and "M11: 缺失" in done.stdout and "M01: 数据已证明" in done.stdout
    report = json.loads((tmp_path / "c.check.json").read_text(encoding="utf-8"))
    assert report["integrity"]["missing_materials"] == ["M11"]
