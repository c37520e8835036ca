"""`python -m desk hold | release | dispose | payoff` (argument parsing lives in desk.cli): the archivist's
legal holds, retention disposal and loan payoff, through the same services as the /archive/retention page.

`--staff` names the acting archivist (an active account), written to the access log with every change.
`dispose` only lists what would go unless given `--yes`. Exit status: 0 done (or nothing to do);
1 refused (the reason in the user's language; nothing changed); 2 malformed arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from desk.archive.disposal import DueDocument, dispose, due_for_disposal, record_payoff
from desk.archive.errors import ArchiveRefused
from desk.archive.legal_hold import place_hold, release_hold
from desk.archive.store_config import store_from_settings
from desk.db import get_engine, init_db, session_scope
from desk.i18n import t, use_language
from desk.security.staff import get_active_staff
from desk.settings import get_settings

REFUSED, BAD_ARGUMENTS = 1, 2
DISPOSE_REASON = "retention period ended"  # the access log's purpose when --reason is not given


@dataclass(frozen=True)
class ActingStaff:
    """The account named by --staff, as the services see it."""

    username: str
    role: str


def _print_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))


def _acting(username: str) -> ActingStaff:
    with session_scope() as session:
        account = get_active_staff(session, (username or "").strip())
    if account is None:
        raise ArchiveRefused("archive.cli.unknown_staff", staff=username)
    return ActingStaff(account.username, account.role)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArchiveRefused("archive.search.bad_date", value=text) from None


def _run(args: argparse.Namespace, body: Callable[[ActingStaff], dict[str, Any]]) -> int:
    """Run `body` for the acting archivist in the user's language; a refusal prints and exits 1."""
    with use_language(getattr(args, "lang", None) or get_settings().default_language):
        init_db(get_engine())
        try:
            payload = body(_acting(args.staff))
        except ArchiveRefused as refused:
            if args.json:
                _print_json({"ok": False, "refused": refused.message()})
            else:
                print(refused.message(), file=sys.stderr)
            return REFUSED
        if args.json:
            _print_json({"ok": True, **payload})
    return 0


def _hold(args: argparse.Namespace, hold: bool) -> int:
    def body(staff: ActingStaff) -> dict[str, Any]:
        action = place_hold if hold else release_hold
        changed = action(args.target, staff=staff, reason=args.reason, engine=get_engine())
        if not args.json:
            print(
                t(
                    "archive.cli.held" if hold else "archive.cli.released",
                    count=len(changed),
                    documents=", ".join(map(str, changed)),
                )
            )
        return {"documents": changed}

    return _run(args, body)


def hold_command(args: argparse.Namespace) -> int:
    """Put a document or every document of a case under legal hold."""
    return _hold(args, True)


def release_command(args: argparse.Namespace) -> int:
    """Lift the legal hold of a document or of every document of a case."""
    return _hold(args, False)


def due_json(item: DueDocument) -> dict[str, Any]:
    """One document due for disposal as `dispose --json` lists it (customer masked)."""
    return {
        "document_id": item.document_id,
        "title": item.title,
        "doc_type": item.doc_type,
        "case_no": item.case_no,
        "customer": item.customer,
        "retention_class": item.retention_class,
        "retention_until": item.retention_until.isoformat(),
        "pages": item.page_count,
    }


def _due_line(item: DueDocument) -> str:
    return t(
        "archive.cli.due_line",
        document=item.document_id,
        title=item.title or item.doc_type,
        case=item.case_no or "-",
        customer=item.customer,
        until=item.retention_until.isoformat(),
    )


def dispose_command(args: argparse.Namespace) -> int:
    """List the documents whose retention has ended (not on hold); delete them all with --yes."""

    def body(staff: ActingStaff) -> dict[str, Any]:
        today = _day(args.today) or date.today()
        with session_scope() as session:
            due = due_for_disposal(session, today=today)
        if not args.json:
            for item in due:
                print("  " + _due_line(item))
        if not args.yes or not due:
            if not args.json:
                print(t("archive.cli.would_dispose" if due else "archive.cli.nothing_due", count=len(due)))
            return {"dry_run": not args.yes, "due": [due_json(item) for item in due], "deleted": []}
        done = dispose(
            [item.document_id for item in due],
            staff=staff,
            reason=args.reason or DISPOSE_REASON,
            store=store_from_settings(),
            engine=get_engine(),
            today=today,
        )
        if not args.json:
            print(t("archive.cli.disposed", count=len(done.document_ids), pages=done.pages, files=done.files_removed))
        return {
            "dry_run": False,
            "due": [due_json(item) for item in due],
            "deleted": list(done.document_ids),
            "files_removed": done.files_removed,
        }

    return _run(args, body)


def payoff_command(args: argparse.Namespace) -> int:
    """Start the retention clock of a loan case's documents at the loan's payoff date."""

    def body(staff: ActingStaff) -> dict[str, Any]:
        payoff_on = _day(args.on)
        assert payoff_on is not None, "desk.cli makes --on required"
        changed = record_payoff(args.case_no, payoff_on, staff=staff, engine=get_engine())
        if not args.json:
            print(
                t(
                    "archive.cli.payoff_recorded",
                    case=args.case_no.strip().upper(),
                    count=len(changed),
                    date=payoff_on.isoformat(),
                )
            )
        return {"documents": changed, "payoff_on": payoff_on.isoformat()}

    return _run(args, body)
