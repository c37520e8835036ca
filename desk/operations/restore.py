"""`desk restore SRC`: a backup into an empty data folder (and an empty database), hashes checked first.

Order: the target is checked (empty data folder; no SQLite file yet, or a PostgreSQL database without
tables; the same kind of database as the backup's), then every file of the backup is re-hashed
against the manifest, and only then is anything written: the data folder's files, then the
database. Last, the rows of every table are counted and compared with the manifest.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from desk.operations.backup import FILES_DIR, FORMAT, MANIFEST, copy_hashed, hash_file
from desk.operations.snapshot import (
    DatabaseFacts,
    libpq_args,
    pg_tool,
    read_facts,
    read_sqlite_facts,
    run_tool,
    sqlite_path,
)


class RestoreRefused(Exception):
    """Nothing was restored (or, for `rows_differ`, the restore did not give the backup's rows);
    `key` names the message (operations.restore.*), `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@dataclass(frozen=True)
class RestoreResult:
    """What was restored: the manifest, the files written and the restored database's facts."""

    manifest: dict
    files: int
    facts: DatabaseFacts


def load_manifest(src: Path) -> dict:
    """The manifest of the backup folder `src`; RestoreRefused when it is missing or not ours."""
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise RestoreRefused("no_manifest", src=src)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise RestoreRefused("bad_manifest", src=src) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RestoreRefused("bad_manifest", src=src)
    return manifest


def _safe_relative(relative: str) -> Path:
    # A manifest is data: no entry may lead outside the backup or the data folder.
    path = Path(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise RestoreRefused("bad_manifest_entry", path=relative)
    return path


def check_backup(src: Path, manifest: dict) -> None:
    """Re-hash every file the manifest lists; RestoreRefused naming the first bad ones."""
    bad = []
    for entry in manifest.get("files", []):
        path = Path(src) / _safe_relative(entry["path"])
        if not path.is_file():
            bad.append(f"{entry['path']} (missing)")
        elif hash_file(path) != (entry["sha256"], entry["size"]):
            bad.append(f"{entry['path']} (altered)")
    if bad:
        raise RestoreRefused("backup_damaged", count=len(bad), files=", ".join(bad[:5]))


def _check_target(manifest: dict, engine: Engine, data_dir: Path) -> None:
    kind = manifest["database"]["kind"]
    if kind != engine.dialect.name:
        raise RestoreRefused("kind_mismatch", backup=kind, target=engine.dialect.name)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise RestoreRefused("target_not_empty", data_dir=data_dir)
    if kind == "sqlite":
        if sqlite_path(engine).exists():
            raise RestoreRefused("database_exists", database=sqlite_path(engine))
    else:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
        if tables:
            raise RestoreRefused("database_not_empty", tables=len(tables))


def _restore_sqlite(src: Path, database: str, engine: Engine) -> DatabaseFacts:
    target = sqlite_path(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".restoring")
    copy_hashed(src / database, tmp)
    os.replace(tmp, target)
    return read_sqlite_facts(target)


def _restore_postgresql(src: Path, database: str, engine: Engine) -> DatabaseFacts:
    pg_restore = pg_tool(engine, "pg_restore")
    dbname, env = libpq_args(engine)
    dump = src / database
    # COMMENT ON EXTENSION needs the extension's owner: left out so an ordinary owner can restore.
    listing = [
        line
        for line in run_tool([str(pg_restore), "--list", str(dump)], env).splitlines()
        if "COMMENT - EXTENSION" not in line
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as fh:
        fh.write("\n".join(listing) + "\n")
    try:
        run_tool(
            [
                str(pg_restore),
                *dbname,
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--use-list",
                fh.name,
                str(dump),
            ],
            env,
        )
    finally:
        os.unlink(fh.name)
    with engine.connect() as connection:
        return read_facts(connection)


def restore_backup(src: Path, *, engine: Engine, data_dir: Path) -> RestoreResult:
    """Restore the backup folder `src` into the empty `data_dir` and the empty database of `engine`."""
    src, data_dir = Path(src).resolve(), Path(data_dir).resolve()
    manifest = load_manifest(src)
    _check_target(manifest, engine, data_dir)
    check_backup(src, manifest)
    database = manifest["database"]["path"]
    written = 0
    data_dir.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        relative = _safe_relative(entry["path"])
        if relative.parts[0] != FILES_DIR:
            continue
        copy_hashed(src / relative, data_dir / Path(*relative.parts[1:]))
        written += 1
    if manifest["database"]["kind"] == "sqlite":
        facts = _restore_sqlite(src, database, engine)
    else:
        facts = _restore_postgresql(src, database, engine)
    if facts.rows != manifest["database"]["rows"]:
        differ = sorted(
            name
            for name in set(facts.rows) | set(manifest["database"]["rows"])
            if facts.rows.get(name) != manifest["database"]["rows"].get(name)
        )
        raise RestoreRefused("rows_differ", tables=", ".join(differ))
    return RestoreResult(manifest=manifest, files=written, facts=facts)
