"""`python -m desk case submit | show | decide` and `python -m desk reconcile` (argument parsing lives in
desk.cli): scripts and tests drive the same services as the counter and review pages.

Exit status: 0 done; 1 refused (every reason printed in the user's language; nothing written but
the access log of what was read); 2 malformed arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from desk.cases.catalog import get_catalog
from desk.cases.counter import CaseState
from desk.cases.postings import Difference, reconcile
from desk.cases.submission import (
    CLI_PURPOSE,
    Reason,
    StaffActor,
    SubmissionRefused,
    SubmitRequest,
    carry_out,
    plan_submission,
)
from desk.cases.tables import Case
from desk.cases.workflow import CaseError, history, materials, perform
from desk.db import get_engine, init_db, session_scope
from desk.i18n import t, use_language
from desk.money import FEN_PER_YUAN, Money, MoneyError, format_money
from desk.records.tables import Person, PersonalAccount, Withdrawal
from desk.security.access_log import log_access
from desk.security.masking import mask_card, mask_id_number, mask_name
from desk.security.staff import get_active_staff
from desk.settings import get_settings

REFUSED, BAD_ARGUMENTS = 1, 2


class BadArgument(ValueError):
    """An argument that is malformed (exit 2), with its message key and parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.reason = Reason(key, params)


def yuan_text(fen: int | None) -> str | None:
    """Fen as a plain yuan string with two decimals ('21600.00'), None for no amount."""
    return None if fen is None else f"{Decimal(fen) / FEN_PER_YUAN:.2f}"


def _utc(at: datetime) -> datetime:
    """A stored time as aware UTC (SQLite gives it back without its zone)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _print_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))


def _language(args: argparse.Namespace) -> str:
    return getattr(args, "lang", None) or get_settings().default_language


def _refuse(reasons: list[Reason], as_json: bool, extra: dict[str, Any] | None = None) -> int:
    """Print the reasons (JSON on stdout, or one per line on stderr); the refused exit status."""
    messages = [reason.message() for reason in reasons]
    if as_json:
        _print_json({**(extra or {}), "refused": messages})
    else:
        print(t("case_cli.refused"), file=sys.stderr)
        for message in messages:
            print(f"  - {message}", file=sys.stderr)
    return REFUSED


# --- case submit ------------------------------------------------------------------------------------


def _pairs(option: str, values: list[str], what: str) -> tuple[tuple[str, str], ...]:
    """MATERIAL=VALUE items of a repeatable option; BadArgument for one without '='."""
    out = []
    for value in values:
        material, sep, rest = value.partition("=")
        if not sep or not material.strip() or not rest.strip():
            raise BadArgument("case_cli.bad_pair", option=option, what=what, value=value)
        out.append((material.strip().upper(), rest.strip()))
    return tuple(out)


def submit_request(args: argparse.Namespace) -> SubmitRequest:
    """The request of `case submit`; BadArgument for a malformed --defer or --attach."""
    return SubmitRequest(
        query=args.id_number,
        business=args.business,
        staff=args.staff,
        amount=args.amount,
        card=args.card,
        declared=tuple(args.declare or ()),
        defer=_pairs("defer", args.defer or [], "YYYY-MM-DD"),
        attach=_pairs("attach", args.attach or [], "FILE"),
    )


def submitted_json(state: CaseState) -> dict[str, Any]:
    """What `case submit --json` prints for a submitted case."""
    return {
        "case_no": state.case_no,
        "state": state.state,
        "business": state.business_code,
        "review_mode": state.review_mode,
        "amount": yuan_text(state.amount_fen),
        "amount_fen": state.amount_fen,
        "paid": state.paid,
        "payee_card": state.payee_card,
        "due_on": state.due_on.isoformat() if state.due_on else None,
        "refused": [],
    }


_NOTHING = {"case_no": None, "state": None, "amount": None, "amount_fen": None, "paid": False}


def submit_command(args: argparse.Namespace) -> int:
    """Open, defer, attach and submit a case in one go; exit 1 with every reason when refused (nothing kept)."""
    with use_language(_language(args)):
        try:
            request = submit_request(args)
        except BadArgument as bad:
            print(bad.reason.message(), file=sys.stderr)
            return BAD_ARGUMENTS
        engine = init_db(get_engine())
        try:
            state = carry_out(plan_submission(request, engine=engine), engine=engine)
        except SubmissionRefused as refused:
            return _refuse(refused.reasons, args.json, _NOTHING)
        if args.json:
            _print_json(submitted_json(state))
        else:
            paid = t("case_cli.paid" if state.paid else "case_cli.not_paid")
            print(
                t(
                    "case_cli.submitted",
                    case_no=state.case_no,
                    business=state.business_code,
                    state=t(f"cases.state.{state.state}"),
                    amount=format_money(state.amount_fen),
                    paid=paid,
                )
            )
    return 0


# --- case show --------------------------------------------------------------------------------------


def _find_case(session: Session, case_no: str) -> Case | None:
    """The numbered case `case_no` (case-insensitive), or None."""
    return session.execute(select(Case).where(col(Case.case_no) == case_no.strip().upper())).scalar_one_or_none()


def case_json(session: Session, case: Case) -> dict[str, Any]:
    """A case as `case show --json` prints it (customer, card masked), labels in the current language."""
    catalog = get_catalog()
    business = catalog.get_business(case.business_code)
    person = session.get(Person, case.person_id)
    assert person is not None and case.id is not None, "a case's customer is on file"
    return {
        "case_no": case.case_no,
        "state": case.state,
        "state_label": t(f"cases.state.{case.state}"),
        "business": case.business_code,
        "business_name": business.name() if business else case.business_code,
        "review_mode": case.review_mode,
        "customer": {"name": mask_name(person.name), "id_number": mask_id_number(person.id_number)},
        "amount": yuan_text(case.amount_fen),
        "amount_fen": case.amount_fen,
        "payee_card": mask_card(case.payee_card),
        "paid": case.paid_at is not None,
        "paid_at": _utc(case.paid_at).isoformat() if case.paid_at else None,
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "clawback": yuan_text(case.clawback_fen),
        "clawback_fen": case.clawback_fen,
        "materials": [
            {
                "material": row.material,
                "name": catalog.materials[row.material].name() if row.material in catalog.materials else row.material,
                "status": row.status,
                "status_label": t(f"cases.status.{row.status}"),
                "promised_on": row.promised_on.isoformat() if row.promised_on else None,
                "document_id": row.document_id,
            }
            for row in materials(session, case.id)
        ],
        "history": [
            {
                "action": step.action,
                "action_label": t(f"cases.action.{step.action}"),
                "actor": step.actor,
                "role": step.actor_role,
                "at": _utc(step.at).isoformat(),
                "from": step.from_state,
                "to": step.to_state,
                "comment": step.comment,
            }
            for step in history(session, case.id)
        ],
    }


def _field(label: str, value: object) -> str:
    return t("case_cli.show.field", label=t(f"case_cli.show.{label}"), value="—" if value in (None, "") else value)


def _heading(label: str) -> str:
    return t("case_cli.show.field", label=t(f"case_cli.show.{label}"), value="").rstrip()


def render_case(data: dict[str, Any]) -> str:
    """Plain text of `case_json` for the terminal."""
    customer = data["customer"]
    lines = [
        _field("case_no", data["case_no"]),
        _field("state", data["state_label"]),
        _field("business", f"{data['business']} {data['business_name']}"),
        _field("customer", f"{customer['name']} {customer['id_number']}"),
        _field("amount", format_money(data["amount_fen"])),
        _field("payee", data["payee_card"]),
        _field("paid", t("common.yes" if data["paid"] else "common.no")),
        _field("due_on", data["due_on"]),
        _heading("materials"),
    ]
    for row in data["materials"]:
        notes = [t("case_cli.show.promised", date=row["promised_on"])] if row["promised_on"] else []
        notes += [t("case_cli.show.document", document=row["document_id"])] if row["document_id"] else []
        lines.append("  " + " · ".join([f"{row['material']} {row['name']}", row["status_label"], *notes]))
    lines.append(_heading("history"))
    for step in data["history"]:
        comment = f" · {step['comment']}" if step["comment"] else ""
        at = datetime.fromisoformat(step["at"]).astimezone()  # the counter's local time
        lines.append(f"  {at:%Y-%m-%d %H:%M} {step['action_label']} · {step['actor']}{comment}")
    return "\n".join(lines)


def show_command(args: argparse.Namespace) -> int:
    """Print a case (the read is logged with --staff); exit 1 when there is no such case."""
    with use_language(_language(args)):
        with session_scope(init_db(get_engine())) as session:
            case = _find_case(session, args.case_no)
            if case is None:
                return _refuse([Reason("cases.workflow.not_found", {"case_id": args.case_no})], args.json)
            data = case_json(session, case)
            log_access(
                session,
                staff=args.staff,
                action="view_case",
                person_id=case.person_id,
                purpose=CLI_PURPOSE,
                case_no=case.case_no,
            )
        if args.json:
            _print_json(data)
        else:
            print(render_case(data))
    return 0


# --- case decide ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A supervisor's decision as the command line gives it."""

    case_no: str
    action: str
    staff: str
    comment: str
    clawback: str | None


def _clawback_fen(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return Money.parse(text).fen
    except MoneyError:
        raise CaseError("case_cli.bad_clawback", value=text) from None


def decide(decision: Decision, *, engine: Engine | None = None) -> dict[str, Any]:
    """Perform the decision through the workflow in one transaction (an approval of a withdrawal pays and
    posts it); returns the case as `case show` sees it. Raises CaseError for any refusal."""
    clawback_fen = _clawback_fen(decision.clawback)
    with session_scope(engine) as session:
        account = get_active_staff(session, decision.staff)
        if account is None:
            raise CaseError("case_cli.unknown_staff", staff=decision.staff)
        actor = StaffActor(account.username, account.role)
        case = _find_case(session, decision.case_no)
        if case is None:
            raise CaseError("cases.workflow.not_found", case_id=decision.case_no)
        assert case.id is not None, "read from the database"
        case = perform(
            session,
            case_id=case.id,
            action=decision.action,
            actor=actor,
            expected_version=case.version,
            comment=decision.comment,
            clawback_fen=clawback_fen,
        )
        log_access(
            session,
            staff=actor,
            action="decide_case",
            person_id=case.person_id,
            purpose=CLI_PURPOSE,
            case_no=case.case_no,
        )
        return case_json(session, case)


def decide_command(args: argparse.Namespace) -> int:
    """A supervisor's decision on a case; exit 1 with the reason when the workflow refuses it."""
    with use_language(_language(args)):
        decision = Decision(args.case_no, args.decision, args.staff, args.comment or "", args.clawback)
        try:
            data = decide(decision, engine=init_db(get_engine()))
        except CaseError as refused:
            return _refuse([Reason(refused.key, dict(refused.params))], args.json)
        if args.json:
            _print_json({**data, "refused": []})
        else:
            paid = t("case_cli.paid" if data["paid"] else "case_cli.not_paid")
            print(
                t(
                    "case_cli.decided",
                    case_no=data["case_no"],
                    action=t(f"cases.action.{args.decision}"),
                    state=data["state_label"],
                    paid=paid,
                )
            )
    return 0


# --- reconcile --------------------------------------------------------------------------------------


def _is_count(difference: Difference) -> bool:
    """A '…_twice' difference compares numbers of postings, not amounts."""
    return difference.kind.endswith("_twice")


def difference_json(difference: Difference) -> dict[str, Any]:
    """One difference with its label and yuan amounts (numbers of postings for '…_twice')."""
    as_value: Callable[[int | None], Any] = (lambda n: n) if _is_count(difference) else yuan_text
    return {
        "kind": difference.kind,
        "label": t(f"case_cli.difference.{difference.kind}"),
        "subject": difference.subject,
        "expected": as_value(difference.expected),
        "found": as_value(difference.found),
        "unit": "postings" if _is_count(difference) else "yuan",
    }


def _difference_line(difference: Difference) -> str:
    if _is_count(difference):
        shown = [t("case_cli.reconcile.times", count=n) for n in (difference.expected, difference.found)]
    else:
        shown = [format_money(n) for n in (difference.expected, difference.found)]
    return t(
        "case_cli.reconcile.line",
        kind=t(f"case_cli.difference.{difference.kind}"),
        subject=difference.subject,
        expected=shown[0],
        found=shown[1],
    )


def book_counts(session: Session) -> tuple[int, int]:
    """(personal accounts, postings the desk made for cases) that reconcile checked."""
    accounts = session.execute(select(func.count()).select_from(PersonalAccount)).scalar_one()
    postings = session.execute(
        select(func.count()).select_from(Withdrawal).where(col(Withdrawal.case_no).is_not(None))
    ).scalar_one()
    return int(accounts), int(postings)


def reconcile_command(args: argparse.Namespace) -> int:
    """Print every difference between cases, postings and balances; exit 1 when there is any."""
    with use_language(_language(args)):
        with session_scope(init_db(get_engine())) as session:
            differences = reconcile(session)
            accounts, postings = book_counts(session)
        if args.json:
            _print_json(
                {
                    "agree": not differences,
                    "accounts": accounts,
                    "postings": postings,
                    "differences": [difference_json(d) for d in differences],
                }
            )
        elif differences:
            print(t("case_cli.reconcile.differ", count=len(differences)))
            for difference in differences:
                print("  " + _difference_line(difference))
        else:
            print(t("case_cli.reconcile.agree", accounts=accounts, postings=postings))
    return REFUSED if differences else 0
