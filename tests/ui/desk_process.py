"""`python -m desk run` as a child process that a test may start, SIGKILL and start again on the same data folder,
and a clerk's counter visit driven over the page's websocket (desk.bench.page_client)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from desk.bench.counter_driver import LOGIN_LABELS, clerk_session, defer_all, look_up, pick_business, submit, zh
from desk.bench.page_client import open_page

__all__ = ["LOGIN_LABELS", "DeskServer", "clerk_session", "counter_visit", "rent_customers", "zh"]

ROOT = Path(__file__).resolve().parents[2]
RENT = "TQ401"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DeskServer:
    """One data folder served by successive `python -m desk run` processes on one port."""

    def __init__(self, data: Path, *, customers: int = 30, extra_env: dict[str, str] | None = None) -> None:
        self.data, self.port = data, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NICEGUI_", "DESK_"))
        }  # it must not think it runs under pytest
        self.env.update(
            DESK_DATA_DIR=str(data), DESK_DEMO_CUSTOMERS=str(customers), PYTHONUNBUFFERED="1", **(extra_env or {})
        )
        self.process: subprocess.Popen | None = None
        self.log = data.parent / "server.log"

    def start(self, timeout_s: float = 120) -> None:
        """Start the server and wait until it listens."""
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "desk", "run", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"desk run exited early:\n{self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"desk run did not listen on {self.port}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, as a power cut of the process."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=20)

    def pause(self) -> None:
        """SIGSTOP: the process holds its sockets but answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        """A clean stop (SIGTERM)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def logins(self) -> dict[str, str]:
        """username -> password of the demo staff the first start created."""
        rows = json.loads((self.data / "demo-staff-logins.json").read_text(encoding="utf-8"))
        return {row["username"]: row["password"] for row in rows}

    def command(self, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
        """`python -m desk ARGS` on the same data folder (the server need not run)."""
        return subprocess.run(
            [sys.executable, "-m", "desk", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )


async def counter_visit(
    http: aiohttp.ClientSession, url: str, id_number: str, on_submit_sent=None, timeout_s: float = 30
) -> str | None:
    """Look the customer up, pick rent withdrawal, 容缺 every missing material and submit.

    Returns the case number the page showed, or None if the counter refused (the refusal is on screen).
    `on_submit_sent()` is called the moment the submit click has gone out.
    """
    page = await open_page(http, url, "/lookup", timeout_s)
    try:
        await look_up(page, id_number, timeout_s)
        await pick_business(page, RENT, timeout_s)
        if not await defer_all(page, timeout_s):
            return None
        return await submit(page, on_submit_sent, timeout_s)
    finally:
        await page.close()


def rent_customers(data: Path) -> list[str]:
    """ID numbers of the customers whose rent withdrawal passes every rule (so 容缺 covers what is missing)."""
    from sqlalchemy import select
    from sqlmodel import Session

    from desk.cases.checklist import checklist_for
    from desk.db import make_engine
    from desk.records.tables import Person, PersonalAccount

    engine = make_engine(f"sqlite:///{data / 'desk.sqlite3'}")
    try:
        with Session(engine) as session:
            people = session.execute(
                select(Person.id, Person.id_number)
                .join(PersonalAccount, PersonalAccount.person_id == Person.id)
                .order_by(Person.id)
            ).all()
            return [number for person_id, number in people if checklist_for(session, person_id, RENT).eligible]
    finally:
        engine.dispose()
