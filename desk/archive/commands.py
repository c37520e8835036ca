"""`python -m desk search | archive | verify` — the archive's commands (argument handling only), and the
printing of an export's check report (`export` itself is desk.cases.case_export: it needs the case's checklist)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from desk.archive.errors import ArchiveRefused
from desk.archive.store_config import store_from_settings
from desk.archive.store_protocol import ArchiveStore
from desk.db import get_engine, init_db, session_scope
from desk.i18n import t, use_language
from desk.records.tables import Person
from desk.settings import get_settings


def archive_store() -> ArchiveStore:
    """The configured archive store (the data folder, or DESK_ARCHIVE_URL's object store)."""
    return store_from_settings()


def _print_json(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))


def resolve_customer(session: Session, value: str) -> int:
    """A person id from an ID number (15 or 18 characters) or a person id; ArchiveRefused otherwise."""
    value = value.strip().upper()
    person = session.exec(select(Person).where(col(Person.id_number) == value)).first()
    if person is None and value.isdigit() and len(value) < 15:
        person = session.get(Person, int(value))
    if person is None:
        raise ArchiveRefused("archive.intake.unknown_customer", customer=value)
    assert person.id is not None, "read from the database"
    return person.id


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArchiveRefused("archive.search.bad_date", value=value) from None


def _search(args: argparse.Namespace) -> int:
    from desk.archive.search import search
    from desk.archive.search_index import SearchFilters

    with session_scope() as session:
        filters = SearchFilters(
            doc_type=args.type,
            case_no=args.case,
            captured_by=args.staff,
            material_code=args.material,
            date_from=_date(args.date_from),
            date_to=_date(args.date_to),
            person_id=resolve_customer(session, args.customer) if args.customer else None,
        )
        result = search(session, args.query, filters, staff=args.by, purpose=args.purpose, limit=args.limit)
    notes = [t(note) for note in result.notes]
    if args.json:
        payload: dict = {"hits": [hit.to_json() for hit in result.hits], "more": result.more, "notes": notes}
        if result.problem:
            payload["problem"] = result.problem
            payload["message"] = t(result.problem)
        _print_json(payload)
    else:
        for note in notes:
            print(note, file=sys.stderr)
        if result.problem:
            print(t(result.problem), file=sys.stderr)
        elif not result.hits:
            print(t("archive.search.no_hits"))
        for hit in result.hits:
            print(
                t(
                    "archive.cli.hit",
                    score=f"{hit.score:.2f}",
                    document=hit.document_id,
                    page=hit.page,
                    type=hit.doc_type,
                    customer=hit.customer,
                    case=hit.case_no or "-",
                    snippet=hit.snippet,
                )
            )
    return 2 if result.problem else 0


def search_command(args: argparse.Namespace) -> int:
    """Print the pages matching a query; exit status 2 when the query has nothing to search for."""
    return run_archive_action(_search, args)


def _archive_file(path: Path, person_id: int, args: argparse.Namespace, store: ArchiveStore) -> int:
    from desk.archive.intake import DocumentInfo, archive_document, is_pdf, page_inputs_of_file
    from desk.capture.options import CaptureOptions

    received = path.read_bytes()
    pages = page_inputs_of_file(received, name=path.name, options=CaptureOptions.from_settings())
    info = DocumentInfo(
        person_id=person_id,
        captured_by=args.staff,
        source="pdf" if is_pdf(received) else "upload",
        material_code=args.material,
        case_no=args.case,
        title=path.name,
        retention_class=args.retention,
    )
    return archive_document(store, pages, info)


def _archive(args: argparse.Namespace) -> int:
    from desk.capture.errors import InputRefused

    with session_scope() as session:
        person_id = resolve_customer(session, args.customer)
    store, failed, archived = archive_store(), 0, []
    for name in args.files:
        path = Path(name)
        try:
            if not path.is_file():
                raise ArchiveRefused("archive.cli.no_file", file=name)
            document_id = _archive_file(path, person_id, args, store)
        except (InputRefused, ArchiveRefused) as refused:
            failed += 1
            print(t("archive.cli.file_refused", file=name, reason=refused.message()), file=sys.stderr)
            continue
        archived.append({"file": name, "document_id": document_id})
        if not args.json:
            print(t("archive.cli.archived", file=name, document=document_id))
    if args.json:
        _print_json({"archived": archived, "failed": failed})
    return 1 if failed else 0


def archive_command(args: argparse.Namespace) -> int:
    """Capture files through the pipeline into the archive; exit status 1 when any file was refused."""
    return run_archive_action(_archive, args)


def _sweep(store: ArchiveStore, args: argparse.Namespace) -> list[str]:
    """Remove the store's own leftovers (or list them with --dry-run), printing each; their paths."""
    from desk.archive.fixity import sweep_orphans

    paths = sweep_orphans(store, dry_run=args.dry_run)
    if not args.json:
        label = t("archive.cli.would_remove" if args.dry_run else "archive.cli.removed")
        for path in paths:
            print(f"  {label}: {path}")
        print(t("archive.cli.would_sweep" if args.dry_run else "archive.cli.swept", count=len(paths)))
    return paths


def _verify(args: argparse.Namespace) -> int:
    from desk.archive.fixity import verify_archive

    store = archive_store()
    # The sweep comes first, so the verification (and the run it records) shows what is left after it.
    swept = _sweep(store, args) if args.sweep or args.dry_run else None
    report = verify_archive(store)
    if args.json:
        payload = report.to_json()
        if swept is not None:
            payload.update(swept=swept, dry_run=bool(args.dry_run))
        _print_json(payload)
    else:
        print(
            t(
                "archive.cli.verify_summary",
                checked=report.checked,
                missing=len(report.missing),
                altered=len(report.altered),
                orphaned=len(report.orphaned),
            )
        )
        for kind in ("missing", "altered", "orphaned"):
            for item in getattr(report, kind):
                label = "leftover" if kind == "orphaned" and item in report.removable else kind
                print(f"  {t('archive.cli.' + label)}: {item}")
    return 0 if report.ok else 1


def verify_command(args: argparse.Namespace) -> int:
    """Re-hash every stored file; exit status 1 when anything is missing, altered or orphaned."""
    return run_archive_action(_verify, args)


def print_export(report: dict, out: Path, as_json: bool) -> int:
    """Print an export's check report (JSON or one line per property); 0 when every check passed, else 1."""
    from desk.archive.export_pdf import check_report_path

    if as_json:
        _print_json(report)
    else:
        print(t("archive.cli.exported", pdf=out, report=check_report_path(out), pages=report["pages"]))
        for part in ("authenticity", "integrity", "usability", "security"):
            state = t("archive.cli.check_ok") if report[part]["ok"] else t("archive.cli.check_failed")
            print(f"  {t('archive.check.' + part)}: {state}")
        for code, how in report["integrity"].get("materials", {}).items():
            print(f"    {code}: {t('archive.check.material_' + how)}")
    return 0 if report["ok"] else 1


def run_archive_action(action, args: argparse.Namespace) -> int:
    """Run a command's body in the configured language on a set-up database; a refusal prints and exits 2."""
    with use_language(get_settings().default_language):
        init_db(get_engine())
        try:
            return action(args)
        except ArchiveRefused as refused:
            print(refused.message(), file=sys.stderr)
            return 2
