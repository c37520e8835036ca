"""`python -m desk export CASE_NO --out FILE.pdf`: the archive export of a case, checked against its checklist.

The archive knows no businesses, so this module (which may import both) reads the case's business
and material records and hands the archive the checklist: every material of the business that is
not "not applicable" to this customer is required; one proven by data or accepted on the
customer's promise (容缺) is accounted for without a document; any other must be captured in the
export. A target that is no case number (a document id, or a case archived without a case record)
is exported as the archive alone exports it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import cast

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from desk.archive.commands import archive_store, print_export, run_archive_action
from desk.archive.export_pdf import export_archive
from desk.archive.store_protocol import ArchiveStore
from desk.cases.catalog import get_catalog
from desk.cases.checklist import NOT_APPLICABLE
from desk.cases.tables import Case, CaseMaterial
from desk.db import session_scope
from desk.i18n import t
from desk.money import Money
from desk.security.masking import mask_card

ACCOUNTED = ("proven", "deferred")  # material statuses that stand without a captured document


def case_checklist(session: Session, case: Case) -> tuple[list[str], dict[str, str]]:
    """(required material codes, {code: "proven" | "deferred"}) of `case`, from its business and records."""
    rows = {row.material: row for row in session.exec(select(CaseMaterial).where(col(CaseMaterial.case_id) == case.id))}
    business = get_catalog().get_business(case.business_code)
    # The business's list is the checklist; a record of a material the catalog no longer lists still counts.
    codes = [need.code for need in business.materials] if business else []
    codes += [code for code in rows if code not in codes]
    required = [code for code in codes if code not in rows or rows[code].status != NOT_APPLICABLE]
    accounted = {code: rows[code].status for code in required if code in rows and rows[code].status in ACCOUNTED}
    return required, accounted


def export_case(
    target: str, out: Path, *, store: ArchiveStore, staff: object, purpose: str, engine: Engine | None = None
) -> dict:
    """Export case `target` (or a document id) to `out` with its check report; returns the report."""
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(col(Case.case_no) == target.strip().upper())).first()
        required, accounted = case_checklist(session, case) if case else (None, None)
    facts = case_facts(case) if case else None
    return export_archive(
        case.case_no if case and case.case_no else target,
        out,
        store=store,
        staff=staff,
        purpose=purpose,
        engine=engine,
        required_materials=required,
        accounted_materials=accounted,
        case_lines=_case_lines(facts) if facts else (),
        case_facts=facts,
    )


def case_facts(case: Case) -> dict[str, object]:
    """What the case is about, for the dossier's cover and report (the payee card masked)."""
    return {
        "case_no": case.case_no,
        "business": case.business_code,
        "state": case.state,
        "amount_fen": case.amount_fen,
        "payee_card": mask_card(case.payee_card),
        "paid_at": case.paid_at.isoformat() if case.paid_at else None,
        "override_by": case.override_by,
        "clawback_fen": case.clawback_fen,
    }


def _case_lines(facts: dict[str, object]) -> list[str]:
    lines = [t("cases.export.state", business=facts["business"], state=t(f"cases.state.{facts['state']}"))]
    if facts["amount_fen"] is not None:
        amount = Money(cast(int, facts["amount_fen"]))
        lines.append(
            t(
                "cases.export.amount",
                amount=amount.format(),
                capital=amount.capital(),
                card=facts["payee_card"] or "-",
                paid=t("cases.export.paid" if facts["paid_at"] else "cases.export.unpaid"),
            )
        )
    return lines


def _export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    report = export_case(args.target, out, store=archive_store(), staff=args.staff, purpose=args.purpose)
    return print_export(report, out, args.json)


def export_command(args: argparse.Namespace) -> int:
    """Export a case (checked against its checklist) or a document as a searchable PDF; exit 1 when a check fails."""
    return run_archive_action(_export, args)
