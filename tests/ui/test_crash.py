"""SIGKILL the server at random moments of real work, many times, and check nothing committed is lost or doubled.

Work, while the server lives: a clerk on the /lookup page over its websocket (lookup, rent withdrawal,
容缺, submit, the payment posted), and a second counter on the same data folder driving the same
services from a worker process (a lease scan through the capture pipeline, archived, submitted, paid),
killed at the same moment. Two servers take turns on two ports so the next is starting while the
current one works (the start, mostly imports, is most of a cycle on this machine).

Afterwards: every case whose submission returned is in the database, submitted; no case is paid twice
and `reconcile` agrees; after `verify --sweep` the archive verifies clean (no row without its file).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from desk_process import LOGIN_LABELS, ROOT, DeskServer, clerk_session, counter_visit, rent_customers, zh
from docgen.content import HolderFacts
from docgen.documents import TODAY as DOCGEN_TODAY
from docgen.documents import lease
from docgen.ids import Person as DocPerson

from desk.bench.page_client import PageError, log_in

pytestmark = [pytest.mark.slow]

KILLS = 20
TENANT_CALL = 2  # a lease names the landlord first, then the tenant
HERE = Path(__file__).resolve().parent


def _lease_scans(data: Path, id_numbers: list[str], folder: Path) -> list[str]:
    """`ID=path` of a generated lease (the customer as 承租人) for each customer."""
    folder.mkdir()
    pairs = []
    with sqlite3.connect(data / "desk.sqlite3") as db:
        for id_number in id_numbers:
            name, birth = db.execute("SELECT name, birth_date FROM person WHERE id_number = ?", (id_number,)).fetchone()
            tenant = DocPerson(
                name=name,
                sex="男",
                ethnicity="汉",
                birth=date.fromisoformat(str(birth)[:10]),
                district_code=id_number[:6],
                address="大连市中山区人民路 1 号",
                id_number=id_number,
            )
            path = folder / f"{id_number}.png"
            lease(HolderFacts(random.Random(7), DOCGEN_TODAY, tenant, TENANT_CALL)).image.save(path)
            pairs.append(f"{id_number}={path}")
    return pairs


class Worker:
    """crash_worker.py, started ahead and let loose with a server; its COMMITTED lines are kept."""

    def __init__(self, server: DeskServer, pairs: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "crash_worker.py"), *pairs],
            cwd=ROOT,
            env={**server.env, "PYTHONPATH": f"{ROOT}:{HERE.parent}"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(
            target=lambda: self.lines.extend(iter(self.process.stdout.readline, "")), daemon=True
        )
        self.reader.start()

    def wait_ready(self, timeout_s: float = 120) -> None:
        """Until the first visit is planned (the scan read through the pipeline)."""
        deadline = time.monotonic() + timeout_s
        while "READY\n" not in self.lines and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)

    def go(self) -> None:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def kill(self) -> list[str]:
        self.process.kill()
        self.process.wait(timeout=20)
        self.reader.join(timeout=5)
        return [line.split()[1] for line in self.lines if line.startswith("COMMITTED")]


async def _clerk(
    server: DeskServer,
    http,
    customers: list[str],
    committed: list[str],
    outstanding: list[float],
    logins: dict[str, str],
) -> None:
    """Counter visits until cancelled or the server dies; every case number shown goes to `committed`.

    The cookie of `http` outlives the server (the session is on disk): the clerk logs in again only when sent
    to the login page."""
    try:
        while True:
            id_number = customers[0]
            customers.append(customers.pop(0))  # a refused or paid customer comes round again, refused then
            try:
                case_no = await counter_visit(
                    http, server.url, id_number, on_submit_sent=lambda: outstanding.append(time.monotonic())
                )
            except PageError as error:
                if "/login" not in str(error):
                    raise
                await log_in(http, server.url, "clerk1", logins["clerk1"], {k: zh(v) for k, v in LOGIN_LABELS.items()})
                continue
            if outstanding:
                outstanding.pop()
            if case_no is not None:
                committed.append(case_no)
    except Exception:  # the server died under the clerk: connection refused, reset, closed
        return


def test_sigkill_at_random_moments_loses_no_committed_case_and_leaves_no_row_without_its_file(tmp_path):
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    data = tmp_path / "data"
    servers = [DeskServer(data, customers=300), None]
    servers[0].start()
    servers[1] = DeskServer(data, customers=300)
    customers = rent_customers(data)
    assert len(customers) >= 8, "the demo data should have customers who may withdraw for rent"
    clerk_customers, worker_customers = customers[0::2], customers[1::2]
    pairs = _lease_scans(data, worker_customers, tmp_path / "scans")
    logins = servers[0].logins()
    committed_ui: list[str] = []
    committed_worker: list[str] = []
    kills_during_submit = 0
    started = time.monotonic()
    current, worker = 0, Worker(servers[0], pairs)
    loop = asyncio.new_event_loop()
    http = loop.run_until_complete(clerk_session(servers[0].url, "clerk1", logins["clerk1"]))
    try:
        for kill in range(KILLS):
            standby = servers[1 - current]
            starting = threading.Thread(target=standby.start)
            starting.start()
            turn = (kill + 1) % len(pairs)  # each worker starts at another customer
            next_worker = Worker(standby, pairs[turn:] + pairs[:turn])
            if kill % 10 == 0:  # now and then the second counter's scan is read before the server is let loose,
                worker.wait_ready()  # so its archive and submit writes are what the kill lands in
            worker.go()
            outstanding: list[float] = []
            window = rng.uniform(0.3, 3.0)

            async def work_then_kill() -> None:
                clerk = asyncio.create_task(
                    _clerk(servers[current], http, clerk_customers, committed_ui, outstanding, logins)
                )
                await asyncio.sleep(window)
                servers[current].kill()  # the clerk's page and the second counter die in the middle of whatever
                committed_worker.extend(worker.kill())
                clerk.cancel()
                await asyncio.gather(clerk, return_exceptions=True)

            loop.run_until_complete(work_then_kill())
            kills_during_submit += bool(outstanding)
            starting.join()
            current, worker = 1 - current, next_worker
        worker.kill()
        servers[current].kill()
        elapsed = time.monotonic() - started

        committed = committed_ui + committed_worker
        print(
            f"seed {seed}: {KILLS} kills in {elapsed:.0f} s, {kills_during_submit} during a submit; "
            f"cases committed: {len(committed_ui)} at the counter page, {len(committed_worker)} by the worker"
        )
        assert committed_ui, "the clerk should have submitted some cases between the kills"
        with sqlite3.connect(data / "desk.sqlite3") as db:
            states = dict(db.execute("SELECT case_no, state FROM case_file WHERE case_no IS NOT NULL"))
            paid_twice = db.execute(
                "SELECT case_no, count(*) FROM withdrawal WHERE case_no IS NOT NULL "
                "GROUP BY case_no, kind HAVING count(*) > 1"
            ).fetchall()
            paid_without_posting = db.execute(
                "SELECT c.case_no FROM case_file c LEFT JOIN withdrawal w ON w.case_no = c.case_no "
                "WHERE c.paid_at IS NOT NULL AND w.id IS NULL"
            ).fetchall()
        lost = [case_no for case_no in committed if case_no not in states]
        assert lost == [], f"committed cases missing after the kills (seed {seed})"
        assert not {states[case_no] for case_no in committed} & {"draft", "discarded"}
        assert paid_twice == [] and paid_without_posting == []
        servers[current].command("verify", "--sweep")
        verified = servers[current].command("verify", "--json")
        report = json.loads(verified.stdout)
        # a file without its row (a write killed before its row committed) is a leftover the sweep removes once
        # old enough; a row without its file, or an altered file, would be damage
        assert report["checked"] > 0 and report["missing"] == [] and report["altered"] == [], report
        reconciled = servers[current].command("reconcile")
        assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
    finally:
        loop.run_until_complete(http.close())
        loop.close()
        for server in servers:
            server.stop()
        worker.process.kill()
