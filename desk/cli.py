"""`python -m desk COMMAND …` — the command line.

This module only parses arguments; each command is a function `run(args) -> int` in the
module of the domain it belongs to, imported when the command runs (so `desk capture`
never loads the database code and `desk lookup` never loads OpenCV).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from desk.money import Money, MoneyError

# command name -> "module:function"
_HANDLERS = {
    "run": "desk.ui.server:run_command",
    "seed": "desk.records.commands:seed_command",
    "lookup": "desk.records.commands:lookup_command",
    "checklist": "desk.cases.commands:checklist_command",
    "loan-trial": "desk.cases.commands:loan_trial_command",
    "staff": "desk.security.commands:staff_command",
    "capture": "desk.capture.commands:capture_command",
    "bench lookup": "desk.bench.lookup:bench_command",
    "bench capture": "desk.bench.capture:bench_command",
    "search": "desk.archive.commands:search_command",
    "archive": "desk.archive.commands:archive_command",
    "archive-migrate-storage": "desk.archive.migrate_storage:migrate_storage_command",
    "verify": "desk.archive.commands:verify_command",
    "hold": "desk.archive.retention_commands:hold_command",
    "release": "desk.archive.retention_commands:release_command",
    "dispose": "desk.archive.retention_commands:dispose_command",
    "payoff": "desk.archive.retention_commands:payoff_command",
    "export": "desk.cases.case_export:export_command",
    "bench search": "desk.bench.search:bench_command",
    "bench storage": "desk.bench.storage_bench:bench_command",
    "bench load": "desk.bench.load:bench_command",
    "bench scale": "desk.bench.scale:bench_command",
    "case submit": "desk.cases.case_commands:submit_command",
    "case show": "desk.cases.case_commands:show_command",
    "case decide": "desk.cases.case_commands:decide_command",
    "reconcile": "desk.cases.case_commands:reconcile_command",
    "migrate": "desk.operations.commands:migrate_command",
    "backup": "desk.operations.commands:backup_command",
    "restore": "desk.operations.commands:restore_command",
    "worker": "desk.queue.commands:worker_command",
}
# commands with sub-commands: `desk bench lookup`, `desk case submit` …
_GROUPS = ("bench", "case")
# `desk archive FILE…` takes file names, so its one sub-command is spelt as a command of its own
_SPELLINGS = {("archive", "migrate-storage"): "archive-migrate-storage"}
DECISIONS = ("approve", "return", "reject", "review", "recourse")


def yuan_amount(text: str) -> Money:
    """An argparse type: an exact amount of yuan."""
    try:
        return Money.parse(text)
    except MoneyError:
        raise argparse.ArgumentTypeError(f"not an amount of yuan: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="desk", description="Provident fund counter desk.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="set up the database, seed demo data on first start, serve the app")
    run.add_argument("--host", help="interface to listen on (default DESK_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default DESK_PORT or 8080)")
    run.add_argument("--no-seed", action="store_true", help="do not seed demo data on first start")

    seed = sub.add_parser("seed", help="fill the database with deterministic demo data")
    seed.add_argument("--customers", type=int, default=2000, help="how many customers (default 2000)")
    seed.add_argument("--seed", type=int, default=1, help="random seed (same seed and --as-of, same data)")
    seed.add_argument("--as-of", dest="as_of", help="reference date YYYY-MM-DD the data describe (default today)")

    lookup = sub.add_parser("lookup", help="look a customer up by ID number, account number or name")
    lookup.add_argument("query", help="ID number, personal account number, or name (optionally 'name phone')")
    lookup.add_argument("--json", action="store_true", help="print JSON")
    lookup.add_argument("--staff", default="cli", help="staff member written to the access log")
    lookup.add_argument("--purpose", default="command-line lookup", help="purpose written to the access log")

    checklist = sub.add_parser("checklist", help="materials and eligibility of a customer for a business")
    checklist.add_argument("id_number", help="the customer's ID number (or personal account number)")
    checklist.add_argument("business", help="business code of the catalog, e.g. TQ401")
    checklist.add_argument("--json", action="store_true", help="print one JSON object")
    checklist.add_argument("--declare", action="append", help="a declaration of the business (repeatable)")
    checklist.add_argument("--amount", type=yuan_amount, help="requested amount in yuan")
    checklist.add_argument("--term", type=int, help="requested loan term in months")
    checklist.add_argument("--lang", choices=["zh-CN", "en"], help="language (default DESK_DEFAULT_LANGUAGE)")
    checklist.add_argument("--staff", default="cli", help="staff member written to the access log")
    checklist.add_argument("--purpose", default="command-line checklist", help="purpose written to the access log")

    trial = sub.add_parser("loan-trial", help="loan amount trial: each limit, the binding one, term and instalment")
    trial.add_argument("id_number", help="the customer's ID number (or personal account number)")
    trial.add_argument("--business", default="DK101", help="loan business code of the catalog (default DK101)")
    # price and term stay text here: the command refuses them in the user's language, argparse would not
    trial.add_argument("--price", help="the home's price in yuan (default: the filed purchase contract's)")
    trial.add_argument("--term", help="loan term in months (default: the longest allowed)")
    trial.add_argument("--declare", action="append", help="a declaration raising the ceiling (repeatable)")
    trial.add_argument("--json", action="store_true", help="print one JSON object")
    trial.add_argument("--lang", choices=["zh-CN", "en"], help="language (default DESK_DEFAULT_LANGUAGE)")
    trial.add_argument("--staff", default="cli", help="staff member written to the access log")
    trial.add_argument("--purpose", default="command-line loan trial", help="purpose written to the access log")

    staff = sub.add_parser("staff", help="list staff accounts or reset a password")
    staff.add_argument("action", choices=["list", "add", "reset-password", "set-hall"])
    staff.add_argument("username", nargs="?")
    staff.add_argument("--role", choices=["clerk", "supervisor", "archivist", "admin"])
    staff.add_argument("--name", help="display name")
    staff.add_argument("--hall", help="hall code (desk/security/halls.toml) or 'centre' (default: the head office)")

    capture = sub.add_parser("capture", help="run files through the capture pipeline")
    capture.add_argument("files", nargs="+", help="images (JPEG, PNG, WebP, BMP, TIFF) or PDFs")
    capture.add_argument("--json", action="store_true", help="print one JSON object {'pages': [...]}")
    capture.add_argument("--lang", help="Tesseract languages (default DESK_OCR_LANGUAGES)")
    capture.add_argument("--out", help="folder to write the flattened pages and thumbnails into")

    search = sub.add_parser("search", help="full-text search of the archive (Chinese words, phrases, ID numbers)")
    search.add_argument("query", help='words must all occur; "quoted phrase"; -word excludes; 2102* is a prefix')
    search.add_argument("--type", help="document type, e.g. lease")
    search.add_argument("--customer", help="customer ID number or person id")
    search.add_argument("--case", help="case number")
    search.add_argument("--material", help="material code, e.g. M10")
    search.add_argument("--staff", help="captured by this staff member")
    search.add_argument("--from", dest="date_from", help="captured on or after (YYYY-MM-DD)")
    search.add_argument("--to", dest="date_to", help="captured on or before (YYYY-MM-DD)")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--by", default="cli", help="staff member written to the access log")
    search.add_argument("--purpose", default="command-line search", help="purpose written to the access log")
    search.add_argument("--json", action="store_true", help="print one JSON object {'hits': [...]}")

    archive = sub.add_parser("archive", help="capture files through the pipeline into the archive")
    archive.add_argument("files", nargs="+", help="images or PDFs; each file becomes one document")
    archive.add_argument("--customer", required=True, help="customer ID number or person id")
    archive.add_argument("--material", help="material code, e.g. M10")
    archive.add_argument("--case", help="case number to link the documents to")
    archive.add_argument("--retention", help="retention class (default: desk/archive/retention.toml)")
    archive.add_argument("--staff", default="cli", help="recorded as the capturing staff member")
    archive.add_argument("--json", action="store_true")

    migrate_storage = sub.add_parser(
        "archive-migrate-storage",
        help="`archive migrate-storage`: copy the data folder's archive files to DESK_ARCHIVE_URL, verified, resumable",
    )
    migrate_storage.add_argument("--every", type=int, default=100, help="print progress every N files")
    migrate_storage.add_argument("--json", action="store_true")
    verify = sub.add_parser("verify", help="re-hash every archived file; exit 1 if any is missing, altered or orphaned")
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--sweep",
        action="store_true",
        help="first delete the store's own leftovers older than ten minutes (other orphans are only reported)",
    )
    verify.add_argument(
        "--dry-run", action="store_true", help="with --sweep: list what it would delete, delete nothing"
    )

    export = sub.add_parser("export", help="export a case or document as a searchable PDF with a check report")
    export.add_argument("target", help="case number or document id")
    export.add_argument("--out", required=True, help="PDF file to write (the check report goes beside it)")
    export.add_argument("--staff", default="cli", help="staff member written to the access log")
    export.add_argument("--purpose", default="command-line export", help="purpose written to the access log")
    export.add_argument("--json", action="store_true", help="print the check report as JSON")

    worker = sub.add_parser(
        "worker", help="take capture jobs off the PostgreSQL queue (DESK_CAPTURE_QUEUE=postgres); one per core"
    )
    worker.add_argument("--lang", choices=["zh-CN", "en"], help="language of messages (default DESK_DEFAULT_LANGUAGE)")

    bench = sub.add_parser("bench", help="benchmarks (ratios against a baseline measured in the same run)")
    bench_sub = bench.add_subparsers(dest="bench", required=True)
    bl = bench_sub.add_parser("lookup", help="lookup latency on a large database")
    bl.add_argument("--customers", type=int, default=1_000_000)
    bl.add_argument("--queries", type=int, default=2000, help="queries per kind")
    bl.add_argument("--data-dir", help="data folder for the benchmark database (default ./bench-data/lookup-N)")
    bc = bench_sub.add_parser("capture", help="capture quality and speed against tesseract, rapidocr and ocrmypdf")
    bc.add_argument("--corpus", help="corpus folder (default DESK_CORPUS or ../shared/corpus)")
    bc.add_argument("--no-corpus", action="store_true", help="generated material only (no corpus needed)")
    bc.add_argument(
        "--generated",
        type=int,
        default=12,
        help="how many generated camera photos of the tuning templates (every type in turn)",
    )
    bc.add_argument(
        "--held-out",
        type=int,
        default=24,
        help="how many generated camera photos of the held-out templates (held-out seeds)",
    )
    bc.add_argument("--no-ocrmypdf", action="store_true", help="skip the OCRmyPDF baseline")
    bc.add_argument("--scans", type=int, default=8, help="how many generated flat scans (exact skew angles)")
    bc.add_argument("--batch", type=int, default=20, help="pages of the pool-vs-one-worker batch (0: skip)")
    bc.add_argument("--only", help="comma-separated parts of item names: run just those items")
    bc.add_argument("--json", action="store_true")
    bs = bench_sub.add_parser("search", help="archive search latency on a large index against a LIKE scan")
    bs.add_argument("--pages", type=int, default=1_000_000)
    bs.add_argument("--queries", type=int, default=200, help="queries per kind")
    bs.add_argument("--data-dir", help="data folder for the benchmark archive (default ./bench-data/search-N)")
    bs.add_argument("--json", action="store_true")
    bst = bench_sub.add_parser("storage", help="object-store write/read throughput against the local folder")
    bst.add_argument("--seaweed", action="store_true", help="start a throwaway SeaweedFS on loopback to measure")
    bst.add_argument("--files", type=int, default=100)
    bst.add_argument("--size-kb", type=int, default=400)
    bst.add_argument("--threads", type=int, default=4)
    bst.add_argument("--json", action="store_true")
    bd = bench_sub.add_parser(
        "load", help="clerks' latency while public clients flood /inquiry or other tabs capture (loopback only)"
    )
    bd.add_argument(
        "--clients",
        type=int,
        nargs="+",
        default=[],
        help="public clients per phase, e.g. 10 30 60 (a phase with none comes first: the baseline)",
    )
    bd.add_argument(
        "--captures",
        type=int,
        nargs="+",
        default=[],
        help="tabs capturing camera frames back to back per phase, e.g. 4, while one more tab looks up",
    )
    bd.add_argument("--seconds", type=float, default=20, help="length of each phase (default 20)")
    bd.add_argument("--customers", type=int, default=200, help="demo customers of the server's data folder")
    bd.add_argument("--data-dir", help="data folder for the server (default a temporary folder)")
    bd.add_argument("--seed", type=int, default=1)
    bd.add_argument("--json", action="store_true")
    _add_scale_bench(bench_sub)
    _add_case_commands(sub)
    _add_retention_commands(sub)
    _add_operations_commands(sub)
    return parser


def _scale_spec(value: str) -> str:
    """An argparse type: CUSTOMERS or CUSTOMERS:PAGES of `bench scale`."""
    customers, _, pages = value.replace("_", "").partition(":")
    if not customers.isdigit() or int(customers) < 10 or (pages and not pages.isdigit()):
        raise argparse.ArgumentTypeError(f"not CUSTOMERS[:PAGES] with at least 10 customers: {value!r}")
    return value.replace("_", "")


def _add_scale_bench(bench_sub: argparse._SubParsersAction) -> None:
    """`bench scale`: lookup and search at ten million rows on PostgreSQL, and the hooks of #14's other parts."""
    scale = bench_sub.add_parser("scale", help="lookup and search at 10 million rows on PostgreSQL (issue #14)")
    scale.add_argument(
        "--url",
        help="PostgreSQL server, e.g. postgresql+psycopg://user@host/postgres (default DESK_DATABASE_URL)",
    )
    scale.add_argument(
        "--scale",
        action="append",
        type=_scale_spec,
        help="CUSTOMERS[:PAGES] of one database (repeatable; default 1000000 and 10000000)",
    )
    scale.add_argument("--queries", type=int, default=400, help="timed queries per kind (default 400)")
    scale.add_argument("--lookup", action="store_true", help="measure lookup (no measurement flag given: all)")
    scale.add_argument("--search", action="store_true", help="measure archive search")
    scale.add_argument("--queue", action="store_true", help="measure the OCR queue (desk/bench/queue_bench.py)")
    scale.add_argument("--storage", action="store_true", help="measure object storage (desk/bench/storage_bench.py)")
    scale.add_argument("--json", action="store_true", help="print one JSON object")


def _add_retention_commands(sub: argparse._SubParsersAction) -> None:
    """`hold | release TARGET`, `dispose` and `payoff CASE_NO`: an archivist's legal holds and retention."""
    hold = sub.add_parser("hold", help="put a document (id) or every document of a case (number) under legal hold")
    release = sub.add_parser("release", help="lift the legal hold of a document (id) or of a case's documents")
    for parser in (hold, release):
        parser.add_argument("target", help="a document id, e.g. 42, or a case number, e.g. DL2026-000123")
        parser.add_argument("--reason", required=True, help="why (written to the access log)")
    dispose = sub.add_parser(
        "dispose", help="list the documents whose retention has ended and are not on hold; delete them all with --yes"
    )
    dispose.add_argument("--yes", action="store_true", help="delete them (all or none); without it only list them")
    dispose.add_argument("--reason", help="written to the access log (default: retention period ended)")
    dispose.add_argument("--today", help="the day to judge retention by, YYYY-MM-DD (default today)")
    payoff = sub.add_parser("payoff", help="a loan was paid off: start the retention clock of its case's loan files")
    payoff.add_argument("case_no", help="the loan case's number")
    payoff.add_argument("--on", required=True, help="the payoff date, YYYY-MM-DD")
    for parser in (hold, release, dispose, payoff):
        parser.add_argument("--staff", required=True, help="the acting archivist (an active account; logged)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--lang", choices=["zh-CN", "en"], help="language (default DESK_DEFAULT_LANGUAGE)")


def _add_operations_commands(sub: argparse._SubParsersAction) -> None:
    """`migrate`, `backup DEST` and `restore SRC` (docs/operations.md)."""
    migrate = sub.add_parser("migrate", help="upgrade the database in place to this release's schema")
    backup = sub.add_parser("backup", help="copy the database and the data folder into DEST while the desk runs")
    backup.add_argument("dest", help="a new or empty folder (best on another disk)")
    restore = sub.add_parser("restore", help="restore a backup into the empty data folder and database")
    restore.add_argument("src", help="the backup folder (with its manifest.json)")
    for parser in (migrate, backup, restore):
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--lang", choices=["zh-CN", "en"], help="language (default DESK_DEFAULT_LANGUAGE)")


def _add_case_commands(sub: argparse._SubParsersAction) -> None:
    """`case submit | show | decide` and `reconcile`: the counter's and the review page's services."""
    case = sub.add_parser("case", help="open, submit, show and decide cases through the counter's services")
    case_sub = case.add_subparsers(dest="case", required=True)
    submit = case_sub.add_parser(
        "submit",
        help="open a case with its checklist, defer and attach materials, "
        "submit it (paying where the business pays first)",
    )
    submit.add_argument("id_number", help="the customer's ID number (or personal account number)")
    submit.add_argument("business", help="business code of the catalog, e.g. TQ401")
    submit.add_argument("--staff", required=True, help="an active staff account that may open cases")
    # amount, dates and files stay text: the command refuses them in the user's language, all at once
    submit.add_argument("--amount", help="amount in yuan (default: the most the rules allow)")
    submit.add_argument("--card", help="payee bank card (default: the joint card on file)")
    submit.add_argument("--declare", action="append", default=[], help="a declaration of the business (repeatable)")
    submit.add_argument(
        "--defer",
        action="append",
        default=[],
        metavar="MATERIAL=YYYY-MM-DD",
        help="容缺: accept a missing material on the customer's promise (repeatable)",
    )
    submit.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="MATERIAL=FILE",
        help="capture a file through the pipeline as the material's paper (repeatable)",
    )
    show = case_sub.add_parser("show", help="a case: state, amount, payee, materials and history (logged)")
    show.add_argument("case_no", help="the case number, e.g. DL2026-000123")
    show.add_argument("--staff", default="cli", help="staff member written to the access log")
    decide = case_sub.add_parser("decide", help="a supervisor's decision (approval of a withdrawal pays it)")
    decide.add_argument("case_no", help="the case number")
    decide.add_argument("decision", choices=DECISIONS)
    decide.add_argument("--staff", required=True, help="the deciding staff account (a supervisor)")
    decide.add_argument("--comment", default="", help="the reason (needed to return, reject or claw back)")
    decide.add_argument("--clawback", help="amount in yuan to claw back (recourse)")
    reconcile = sub.add_parser("reconcile", help="check cases, postings and balances agree; exit 1 on any difference")
    for parser in (submit, show, decide, reconcile):
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--lang", choices=["zh-CN", "en"], help="language (default DESK_DEFAULT_LANGUAGE)")


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` and run the command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if tuple(argv[:2]) in _SPELLINGS:
        argv = [_SPELLINGS[(argv[0], argv[1])], *argv[2:]]
    args = build_parser().parse_args(argv)
    name = f"{args.command} {getattr(args, args.command)}" if args.command in _GROUPS else args.command
    module_name, func_name = _HANDLERS[name].split(":")
    handler = getattr(importlib.import_module(module_name), func_name)
    return int(handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
