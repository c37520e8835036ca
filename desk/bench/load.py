"""`python -m desk bench load [--clients N …] [--captures K …] [--seconds S]`: do the clerks stay quick when the
public side is busy, or while other tabs capture?

Starts `python -m desk run` on loopback (127.0.0.1) with its own data folder, logs clerks in through the login
page, and measures in phases of S seconds each: first with no public clients (the baseline of this run), then
with each N. In every phase the clerks work the counter over the page's websocket (lookup; for a rent
customer: the business, a camera frame POSTed to the tab's route, 容缺, submit) while N anonymous clients
load /inquiry back to back, each from its own loopback address (127.0.0.x, as separate phones would).
Reported per phase: p50/p95 of lookup, capture, submit and served /inquiry, the /inquiry answers refused by
the public limit (429), errors, and the server's memory (RSS of the server and its worker processes).
A capture phase (--captures K) has no public clients: K counter tabs (the clerks' sessions in turn) each
shoot full-resolution camera frames back to back (open the capture dialog, POST the frame, let the dialog
show the result, Cancel), while one more tab only looks customers up; reported are that tab's lookup
p50/p95 (and its ratio to the baseline) and the captures that completed, with their p50/p95.
Ratios are against the baseline phase of the same run. Nothing leaves the machine; every phase is bounded
in time and in clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from desk.bench.counter_driver import (
    ACCEPT_LANGUAGE,
    capture_frame,
    clerk_session,
    defer_all,
    look_up,
    open_camera,
    pick_business,
    post_frame,
    show_and_cancel,
    submit,
)
from desk.bench.page_client import PageError, open_page
from desk.i18n import t, use_language
from desk.settings import get_settings

HOST = "127.0.0.1"
MAX_CLIENTS = 200  # loopback addresses 127.0.0.10 … and sockets: a bound on what one run may open
MAX_CAPTURES = 16  # capturing tabs: each holds a full-resolution frame in flight and a page in the pool's queue
RENT = "TQ401"
CLERKS = ("clerk1", "clerk2")
KINDS = ("lookup", "capture", "submit", "inquiry")


@dataclass
class Phase:
    """What one phase measured."""

    public_clients: int
    seconds: float
    captures: int = 0  # tabs capturing back to back (a capture phase); the lookups are then one other tab's
    times: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    refused: int = 0  # /inquiry answered 429 by the public limit
    errors: int = 0
    problems: Counter = field(default_factory=Counter)  # what the errors were, briefly
    rss_peak_mb: float = 0.0  # the server with its capture workers
    rss_end_mb: float = 0.0
    rss_server_peak_mb: float = 0.0  # the server process alone (pages, clients, sessions)

    def error(self, what: str) -> None:
        """Count one error (a request that failed, timed out or showed something unexpected)."""
        self.errors += 1
        self.problems[what[:80]] += 1

    def summary(self, kind: str) -> dict[str, float | int | None]:
        """n, p50 and p95 in seconds (None without samples)."""
        values = sorted(self.times[kind])
        if not values:
            return {"n": 0, "p50": None, "p95": None}
        return {
            "n": len(values),
            "p50": statistics.median(values),
            "p95": values[min(len(values) - 1, round(0.95 * (len(values) - 1)))],
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _rss_mb(pid: int, children: bool = True) -> float:
    """RSS of the process and (if `children`) its descendants (the capture pool's workers), from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir() if children else ():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def _frame_jpeg() -> bytes:
    """A camera frame: a white A4 sheet with lines of text, slightly rotated, on a grey desk."""
    import cv2
    import numpy as np

    desk = np.full((1800, 2400, 3), 95, np.uint8)
    page = np.full((1500, 1060, 3), 245, np.uint8)
    for row in range(12):
        cv2.putText(
            page,
            f"Lease agreement line {row + 1}  2026",
            (80, 140 + row * 100),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.2,
            (30, 30, 30),
            2,
        )
    turn = cv2.getRotationMatrix2D((530, 750), 4, 1.0)
    turn[:, 2] += (670, 150)
    warped = cv2.warpAffine(page, turn, (2400, 1800), borderValue=(0, 0, 0))
    mask = cv2.warpAffine(np.full(page.shape[:2], 255, np.uint8), turn, (2400, 1800))
    desk[mask > 0] = warped[mask > 0]
    return cv2.imencode(".jpg", desk, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def _customers(data: Path) -> tuple[list[str], list[str]]:
    """ID numbers of customers with an account, and of those whose rent withdrawal passes every rule."""
    from sqlalchemy import select
    from sqlmodel import Session, col

    from desk.cases.checklist import checklist_for
    from desk.db import make_engine
    from desk.records.tables import Person, PersonalAccount

    engine = make_engine(f"sqlite:///{data / 'desk.sqlite3'}")
    try:
        with Session(engine) as session:
            people = session.execute(
                select(col(Person.id), col(Person.id_number))
                .join(PersonalAccount, col(PersonalAccount.person_id) == Person.id)
                .order_by(col(Person.id))
            ).all()
            rent = [number for person_id, number in people if checklist_for(session, person_id, RENT).eligible]
        return [number for _, number in people], rent
    finally:
        engine.dispose()


class Server:
    """`python -m desk run` on loopback with the bench's data folder."""

    def __init__(self, data: Path, customers: int) -> None:
        self.port = _free_port()
        self.url = f"http://{HOST}:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DESK_", "NICEGUI_", "PYTEST_"))}
        env.update(DESK_DATA_DIR=str(data), DESK_DEMO_CUSTOMERS=str(customers), PYTHONUNBUFFERED="1")
        self.log = (data.parent / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "desk", "run", "--host", HOST, "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("desk run exited; see its server.log")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("desk run did not start listening")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


async def _clerk(
    http: aiohttp.ClientSession,
    url: str,
    people: list[str],
    rent: list[str],
    frame: bytes,
    phase: Phase,
    until: float,
    rng: random.Random,
) -> None:
    """Lookups, and every third visit a rent customer's capture and submission, until `until`."""
    visit = 0
    while time.monotonic() < until:
        try:
            page = await open_page(http, url, "/lookup")
        except (TimeoutError, PageError, aiohttp.ClientError) as problem:
            phase.error(repr(problem))
            await asyncio.sleep(0.5)
            continue
        try:
            while time.monotonic() < until:
                visit += 1
                paying = visit % 3 == 0 and rent
                id_number = rent.pop() if paying else rng.choice(people)
                started = time.monotonic()
                await look_up(page, id_number)
                phase.times["lookup"].append(time.monotonic() - started)
                if not paying:
                    continue
                await pick_business(page, RENT)
                started = time.monotonic()
                status = await capture_frame(page, http, url, frame)
                if status == 200:
                    phase.times["capture"].append(time.monotonic() - started)
                elif status is not None:
                    phase.error(f"capture: HTTP {status}")
                break  # a fresh page for the submission: the capture dialog stays behind on this one
        except (TimeoutError, PageError, aiohttp.ClientError, StopIteration) as problem:
            phase.error(repr(problem))
        finally:
            await page.close()
        if paying and time.monotonic() < until:
            await _submit_visit(http, url, id_number, phase)


async def _submit_visit(http: aiohttp.ClientSession, url: str, id_number: str, phase: Phase) -> None:
    try:
        page = await open_page(http, url, "/lookup")
    except (TimeoutError, PageError, aiohttp.ClientError) as problem:
        phase.error(repr(problem))
        return
    try:
        await look_up(page, id_number)
        await pick_business(page, RENT)
        if await defer_all(page):
            started = time.monotonic()
            if await submit(page) is not None:
                phase.times["submit"].append(time.monotonic() - started)
    except (TimeoutError, PageError, aiohttp.ClientError, StopIteration) as problem:
        phase.error(repr(problem))
    finally:
        await page.close()


async def _capturer(
    http: aiohttp.ClientSession, url: str, held: list[str], tab: int, frame: bytes, phase: Phase, until: float
) -> None:
    """One counter tab shooting camera frames of a held customer's first material back to back until `until`
    (a customer with nothing to capture is dropped from `held`, shared by the tabs, for the next)."""
    while time.monotonic() < until:
        if not held:
            phase.error("no held customer has a material to capture")
            return
        id_number = held[tab % len(held)]
        try:
            page = await open_page(http, url, "/lookup")
        except (TimeoutError, PageError, aiohttp.ClientError) as problem:
            phase.error(repr(problem))
            await asyncio.sleep(0.5)
            continue
        try:
            await look_up(page, id_number)
            await pick_business(page, RENT)
            while time.monotonic() < until:
                camera = await open_camera(page)
                if camera is None:  # every material proven by data and no rent declared to ask for the lease
                    if id_number in held:
                        held.remove(id_number)
                    break
                started = time.monotonic()
                status, reply = await post_frame(http, url + camera[1], frame)
                if status == 200:
                    phase.times["capture"].append(time.monotonic() - started)
                else:
                    phase.error(f"capture: HTTP {status}")
                await show_and_cancel(page, camera[0], status, reply)
        except (TimeoutError, PageError, aiohttp.ClientError, StopIteration) as problem:
            phase.error(repr(problem))
            await asyncio.sleep(0.5)  # a failing tab does not spin
        finally:
            await page.close()


async def _public(index: int, url: str, phase: Phase, until: float) -> None:
    """One anonymous client loading /inquiry back to back from its own loopback address."""
    connector = aiohttp.TCPConnector(local_addr=(f"127.0.0.{10 + index}", 0), limit=1)
    async with aiohttp.ClientSession(connector=connector, headers=ACCEPT_LANGUAGE) as http:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                async with http.get(
                    url + "/inquiry?case=DL2026-000001", timeout=aiohttp.ClientTimeout(total=30)
                ) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as problem:
                phase.error(repr(problem))
                continue
            http.cookie_jar.clear()  # every load a new phone: no session cookie carried over
            if status == 200:
                phase.times["inquiry"].append(time.monotonic() - started)
            elif status == 429:
                phase.refused += 1
                await asyncio.sleep(0.05)
            else:
                phase.error(f"inquiry: HTTP {status}")


async def _memory(pid: int, phase: Phase, until: float) -> None:
    while time.monotonic() < until:
        phase.rss_peak_mb = max(phase.rss_peak_mb, _rss_mb(pid))
        phase.rss_server_peak_mb = max(phase.rss_server_peak_mb, _rss_mb(pid, children=False))
        await asyncio.sleep(0.5)
    phase.rss_end_mb = _rss_mb(pid)


@dataclass
class Plan:
    """The phases of one run: the baseline, each level of public clients, each number of capturing tabs."""

    clients: list[int]
    captures: list[int]
    seconds: float


async def _run(
    server: Server, plan: Plan, people: list[str], rent: list[str], logins: dict[str, str], seed: int
) -> list[Phase]:
    rng = random.Random(seed)
    frame = _frame_jpeg()
    # the capturing tabs' customers are set apart: the clerks' submissions must not change their checklists
    # spares (some have nothing to capture), but at most half: the baseline's clerks capture and submit too
    held = rent[: min(3 * max(plan.captures, default=0), len(rent) // 2)]
    del rent[: len(held)]
    sessions = [await clerk_session(server.url, name, logins[name]) for name in CLERKS]
    phases = []
    try:
        for level in [0, *plan.clients]:
            phase = Phase(level, plan.seconds)
            until = time.monotonic() + plan.seconds
            tasks = [_clerk(http, server.url, people, rent, frame, phase, until, rng) for http in sessions]
            tasks += [_public(i, server.url, phase, until) for i in range(level)]
            await asyncio.gather(*tasks, _memory(server.process.pid, phase, until))
            phases.append(phase)
            await asyncio.sleep(2)  # the phase's open pages are let go before the next
        for count in plan.captures:
            phase = Phase(0, plan.seconds, captures=count)
            until = time.monotonic() + plan.seconds
            # no rent customers for the looking-up tab: it only looks up, never captures or submits
            tasks = [_clerk(sessions[0], server.url, people, [], frame, phase, until, rng)]
            tasks += [
                _capturer(sessions[(i + 1) % len(sessions)], server.url, held, i, frame, phase, until)
                for i in range(count)
            ]
            await asyncio.gather(*tasks, _memory(server.process.pid, phase, until))
            phases.append(phase)
            await asyncio.sleep(2)
    finally:
        for http in sessions:
            await http.close()
    return phases


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.0f}"


def report(phases: list[Phase]) -> list[dict]:
    """Rows of the table (and of --json): per phase, every kind's n/p50/p95, and the ratios to the baseline."""
    base = phases[0].summary("lookup")
    rows = []
    for phase in phases:
        row = {
            "public_clients": phase.public_clients,
            "captures": phase.captures,
            "seconds": phase.seconds,
            "refused": phase.refused,
            "errors": phase.errors,
            "problems": dict(phase.problems),
            "rss_peak_mb": round(phase.rss_peak_mb),
            "rss_end_mb": round(phase.rss_end_mb),
            "rss_server_peak_mb": round(phase.rss_server_peak_mb),
        }
        summaries = {kind: phase.summary(kind) for kind in KINDS}
        row.update(summaries)
        lookup = summaries["lookup"]
        row["lookup_p50_ratio"] = round(lookup["p50"] / base["p50"], 2) if lookup["p50"] and base["p50"] else None
        rows.append(row)
    return rows


def _print(rows: list[dict]) -> None:
    print(t("bench.load.header"))
    for row in rows:
        ratio = f"×{row['lookup_p50_ratio']}" if row["lookup_p50_ratio"] else ""
        cells = {kind: f"{_ms(row[kind]['p50'])}/{_ms(row[kind]['p95'])}" for kind in KINDS}
        print(
            f"{row['public_clients']:>6} {row['captures']:>6}  {cells['lookup']:>12} {ratio:<8} "
            f"{row['capture']['n']:>4} {cells['capture']:>12} {cells['submit']:>12}  {row['inquiry']['n']:>6} "
            f"{cells['inquiry']:>10}  {row['refused']:>5} {row['errors']:>6}  "
            f"{row['rss_server_peak_mb']:>5} / {row['rss_peak_mb']}"
        )
    for row in rows:
        if row["captures"]:
            print(_capture_line(row))


def _capture_line(row: dict) -> str:
    """The capture phase in one sentence: the looking-up tab's times against the baseline, and the captures."""
    lookup, capture = row["lookup"], row["capture"]
    return t(
        "bench.load.capture_line",
        tabs=row["captures"],
        seconds=f"{row['seconds']:g}",
        p50=_ms(lookup["p50"]),
        p95=_ms(lookup["p95"]),
        ratio=row["lookup_p50_ratio"] or "—",
        count=capture["n"],
        capture_p50=_ms(capture["p50"]),
        capture_p95=_ms(capture["p95"]),
        errors=row["errors"],
    )


def bench_command(args: argparse.Namespace) -> int:
    """Start the server, measure the baseline, every level of public clients and of capturing tabs, print the table."""
    with use_language(get_settings().default_language):
        return _bench(args)


def _bench(args: argparse.Namespace) -> int:
    levels, captures = sorted(set(args.clients or [])), sorted(set(args.captures or []))
    if (
        any(level < 0 or level > MAX_CLIENTS for level in levels)
        or any(count < 0 or count > MAX_CAPTURES for count in captures)
        or not 1 <= args.seconds <= 600
    ):
        print(t("bench.load.bad_args", clients=MAX_CLIENTS, captures=MAX_CAPTURES), file=sys.stderr)
        return 2
    plan = Plan([level for level in levels if level], [count for count in captures if count], args.seconds)
    with tempfile.TemporaryDirectory(prefix="desk-bench-load-") as tmp:
        data = Path(args.data_dir) if args.data_dir else Path(tmp) / "data"
        data.mkdir(parents=True, exist_ok=True)
        server = Server(data, args.customers)
        try:
            server.wait()
            people, rent = _customers(data)
            logins = {
                row["username"]: row["password"]
                for row in json.loads((data / "demo-staff-logins.json").read_text(encoding="utf-8"))
            }
            if plan.captures and len(rent) < 2:
                print(t("bench.load.no_rent_customer"), file=sys.stderr)
                return 2
            phases = asyncio.run(_run(server, plan, people, rent, logins, args.seed))
        finally:
            server.stop()
    rows = report(phases)
    if args.json:
        print(json.dumps({"phases": rows}, ensure_ascii=False, indent=2))
    else:
        _print(rows)
    return 0
