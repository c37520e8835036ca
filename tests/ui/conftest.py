"""UI tests: a fresh data folder with demo customers and two staff per test, and fresh `desk.ui` modules.

NiceGUI's User fixture re-runs tests/ui/app_main.py per test but drops only the modules that
define pages (and their parent packages) from `sys.modules`, leaving the rest of `desk.ui` stale.
Dropping every `desk.ui*` module makes each test build the app from one consistent set of modules.
The domain modules stay loaded: re-importing a SQLModel table module would define its table twice
on the shared metadata.
"""

from __future__ import annotations

import re
import sys

import pytest

# username, display name, role, password, hall (None: centre-wide)
CLERK = ("clerk7", "王丽", "clerk", "Counter2026a", "head")
ADMIN = ("admin7", "陈静", "admin", "Admin2026bb", None)
DEMO_CUSTOMERS = 40


@pytest.fixture(autouse=True)
def fresh_desk_ui_modules():
    for name in [m for m in sys.modules if m == "desk.ui" or m.startswith("desk.ui.")]:
        del sys.modules[name]
    yield


@pytest.fixture(scope="session")
def staff_hashes() -> dict[str, str]:
    """argon2 is slow on purpose: hash each test password once per run."""
    from desk.security.passwords import hash_password

    return {username: hash_password(password) for username, _, _, password, _ in (CLERK, ADMIN)}


@pytest.fixture
def desk_db(data_dir, staff_hashes):
    """The test's SQLite database: deterministic demo customers, one clerk and one admin."""
    from desk.db import get_engine, init_db, session_scope
    from desk.records.demo_data import seed_database
    from desk.security.staff import Staff

    engine = init_db(get_engine())
    seed_database(engine, customers=DEMO_CUSTOMERS, seed=1)
    with session_scope(engine) as db:
        for username, name, role, _, hall in (CLERK, ADMIN):
            db.add(
                Staff(username=username, display_name=name, role=role, password_hash=staff_hashes[username], hall=hall)
            )
    yield engine
    engine.dispose()


@pytest.fixture
async def user(desk_db, user):
    """NiceGUI's User, started only after the database and staff exist; it answers the counter's
    "answer shown" script as a browser would (the simulated page has every update at once)."""
    user.javascript_rules[re.compile(r".*'answer shown'")] = lambda _: "answer shown"
    yield user


@pytest.fixture
def log_in(user):
    """Drive the login form like a person: type the name and password, press Enter, wait for the header."""

    async def log_in_as(username: str, password: str, path: str = "/login", wait: bool = True) -> None:
        await user.open(path)
        user.find(marker="username").type(username)
        user.find(marker="password").type(password).trigger("keydown.enter")
        if wait:
            await user.should_see(marker="who", retries=100)
            # the browser's history holds where /login/complete redirected to; the User records the
            # path it asked for, which a reload would replay with a spent ticket
            landed = user.client.request.url
            user.back_history[-1] = landed.path + (f"?{landed.query}" if landed.query else "")
            # the login gave the browser a new session id: a request from the test itself makes
            # `app.storage.user` in the test body the new session's (NiceGUI keys it by the last request)
            await user.http_client.get("/")

    return log_in_as
