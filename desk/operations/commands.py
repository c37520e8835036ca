"""`python -m desk migrate`, `backup DEST` and `restore SRC`: exit 0 when done, 1 when refused or failed
(with a message in the user's language on stderr), 2 for bad arguments (argparse)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from desk.db import get_engine
from desk.i18n import t, use_language
from desk.settings import get_settings

REFUSED = 1


def _language(args: argparse.Namespace) -> str:
    return getattr(args, "lang", None) or get_settings().default_language


def _print_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def _refuse(key: str, as_json: bool, **params: object) -> int:
    message = t(key, None, **params)
    if as_json:
        _print_json({"ok": False, "error": message})
    else:
        print(message, file=sys.stderr)
    return REFUSED


def _size(count: int) -> str:
    n = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def migrate_command(args: argparse.Namespace) -> int:
    """Upgrade the database in place to this release's schema; say which revision it is at."""
    from desk.migrations import SchemaError, schema_differences, upgrade

    with use_language(_language(args)):
        engine = get_engine()
        try:
            result = upgrade(engine)
        except SchemaError as error:
            return _refuse("operations.migrate.failed", args.json, detail=str(error))
        differences = schema_differences(engine)
        if args.json:
            _print_json(
                {
                    "ok": not differences,
                    "before": result.before,
                    "revision": result.after,
                    "created": result.created,
                    "previous_release": result.adopted,
                    "differences": [repr(d) for d in differences],
                }
            )
        elif result.created:
            print(t("operations.migrate.created", revision=result.after))
        elif result.before == result.after:
            print(t("operations.migrate.current", revision=result.after))
        else:
            before = result.before or t("operations.migrate.previous_release")
            print(t("operations.migrate.upgraded", before=before, after=result.after))
        if differences and not args.json:
            print(t("operations.migrate.differs", count=len(differences)), file=sys.stderr)
            for difference in differences:
                print(f"  {difference!r}", file=sys.stderr)
    return REFUSED if differences else 0


def backup_command(args: argparse.Namespace) -> int:
    """Back up the database and the data folder into DEST while the desk runs."""
    from desk.archive.store_config import store_from_settings
    from desk.operations.backup import BackupRefused, make_backup
    from desk.operations.snapshot import ToolError

    with use_language(_language(args)):
        settings = get_settings()
        began = time.monotonic()
        try:
            result = make_backup(
                args.dest, engine=get_engine(), data_dir=settings.resolved_data_dir, store=store_from_settings()
            )
        except BackupRefused as refused:
            return _refuse(f"operations.backup.{refused.key}", args.json, **refused.params)
        except ToolError as error:
            key = "operations.tool_missing" if error.key == "tool_missing" else "operations.backup.failed"
            return _refuse(key, args.json, detail=error.detail)
        manifest, database = result.manifest, result.manifest["database"]
        if args.json:
            _print_json(
                {
                    "ok": result.ok,
                    "dest": str(result.dest),
                    **{k: v for k, v in manifest.items() if k != "files"},
                    "files": len(manifest["files"]),
                }
            )
        else:
            print(
                t(
                    "operations.backup.done",
                    dest=result.dest,
                    kind=database["kind"],
                    revision=database["revision"],
                    tables=len(database["rows"]),
                    rows=sum(database["rows"].values()),
                    archive_files=manifest["archive_files"],
                    files=len(manifest["files"]),
                    size=_size(sum(entry["size"] for entry in manifest["files"])),
                    seconds=f"{time.monotonic() - began:.1f}",
                )
            )
        if not result.ok:
            print(
                t("operations.backup.problems", missing=len(result.missing), altered=len(result.altered)),
                file=sys.stderr,
            )
    return 0 if result.ok else REFUSED


def restore_command(args: argparse.Namespace) -> int:
    """Restore the backup folder SRC into the (empty) configured data folder and database."""
    from desk.migrations import head_revision
    from desk.operations.restore import RestoreRefused, restore_backup
    from desk.operations.snapshot import ToolError

    with use_language(_language(args)):
        settings = get_settings()
        data_dir = settings.data_dir.expanduser().resolve()  # not created before it is checked
        try:
            result = restore_backup(args.src, engine=get_engine(), data_dir=data_dir)
        except RestoreRefused as refused:
            return _refuse(f"operations.restore.{refused.key}", args.json, **refused.params)
        except ToolError as error:
            key = "operations.tool_missing" if error.key == "tool_missing" else "operations.restore.failed"
            return _refuse(key, args.json, detail=error.detail)
        facts, head = result.facts, head_revision()
        if args.json:
            _print_json(
                {
                    "ok": True,
                    "data_dir": str(data_dir),
                    "files": result.files,
                    "revision": facts.revision,
                    "head": head,
                    "rows": facts.rows,
                    "taken": result.manifest["finished_at"],
                }
            )
        else:
            print(
                t(
                    "operations.restore.done",
                    files=result.files,
                    data_dir=data_dir,
                    kind=result.manifest["database"]["kind"],
                    revision=facts.revision,
                    tables=len(facts.rows),
                    rows=sum(facts.rows.values()),
                    taken=result.manifest["finished_at"],
                )
            )
            if facts.revision != head:
                print(t("operations.restore.older", revision=facts.revision, head=head))
    return 0
