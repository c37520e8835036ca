"""The scheduled fixity check runs once across app servers that share a PostgreSQL database.

Each "server" here is an engine of its own (its own connection pool), as each `python -m desk run`
process has; the lock is PostgreSQL's (pg_try_advisory_lock), taken by `desk.db.run_alone`.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from helpers import add_person, info, page
from sqlmodel import Session, func, select

from desk.archive.fixity import FIXITY_JOB, verify_if_due
from desk.archive.intake import archive_document
from desk.archive.storage import FileStore
from desk.archive.tables import FixityRun
from desk.db import make_engine, run_alone

DAY = timedelta(hours=24)


def _runs(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(FixityRun)).one()


def _archive_some_pages(engine, store: FileStore, count: int) -> None:
    person_id = add_person(engine)
    archive_document(store, [page(f"第{n}页", label=f"page-{n}") for n in range(count)], info(person_id), engine=engine)


def test_a_second_server_skips_the_job_while_the_first_holds_it(engine, db_url, data_dir):
    other_server = make_engine(db_url)
    try:
        with run_alone(FIXITY_JOB, other_server) as first:
            assert first  # nobody held it
            with run_alone(FIXITY_JOB, engine) as second:
                held_twice = second
            # the due check is skipped, not queued: nothing ran and nothing was recorded
            skipped = verify_if_due(FileStore(data_dir), every=DAY, engine=engine)
        if engine.dialect.name == "postgresql":
            assert not held_twice and skipped is None and _runs(engine) == 0
        else:  # SQLite is one machine's database: one server, nothing to share the job with
            assert held_twice and skipped is not None and _runs(engine) == 1
        with run_alone(FIXITY_JOB, engine) as after_release:
            assert after_release  # the lock went with the first server's block
    finally:
        other_server.dispose()


def test_servers_asking_at_the_same_moment_verify_once(engine, db_url, data_dir):
    store = FileStore(data_dir)
    _archive_some_pages(engine, store, 12)
    servers = [make_engine(db_url) for _ in range(3)]
    start = threading.Barrier(len(servers))
    reports: list[object] = [None] * len(servers)

    def server(index: int) -> None:
        start.wait()
        reports[index] = verify_if_due(store, every=DAY, engine=servers[index])

    threads = [threading.Thread(target=server, args=(i,)) for i in range(len(servers))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for server_engine in servers:
            server_engine.dispose()
    ran = [report for report in reports if report is not None]
    if engine.dialect.name == "postgresql":
        assert len(ran) == 1 and _runs(engine) == 1
        assert ran[0].ok and ran[0].checked == len(list(store.iter_files()))  # every file hashed, by one server
    else:
        assert len(ran) >= 1 and _runs(engine) == len(ran)  # one machine: the schedule runs in one process
