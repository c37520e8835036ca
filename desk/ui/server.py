"""`python -m desk run` (what `make run` calls): prepare the data folder and serve the app.

Every start creates missing tables and loads the business catalog (a broken one stops it with exit
status 2 and a message naming each broken entry). On first start it seeds demo customers and
creates one demo account per role with a random password; every start prints those logins (kept
in a 0600 file in the data folder) and the address to open.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading

from desk.capture import engines, pool
from desk.cases.catalog import CatalogError, get_catalog
from desk.db import get_engine, init_db, session_scope
from desk.i18n import t, use_language
from desk.security.demo_staff import DemoLogin, ensure_demo_staff
from desk.settings import Settings, get_settings


def _seed_if_empty(settings: Settings) -> None:
    from desk.records.demo_data import database_is_empty, seed_database

    engine = get_engine()
    if database_is_empty(engine):
        print(t("ui.server.seeding", count=settings.demo_customers), flush=True)
        seed_database(engine, customers=settings.demo_customers, seed=1)


def _print_logins(logins: list[DemoLogin], url: str) -> None:
    if logins:
        print(t("ui.server.logins_header"))
        for login in logins:
            print(f"  {login.username:<12} {login.password:<16} {t('role.' + login.role)} ({login.display_name})")
    print(t("ui.server.open", url=url), flush=True)


async def _stop_capture_workers() -> None:
    # uvicorn ends a SIGTERM'd server by raising SIGTERM again once it has shut down, so atexit
    # handlers never run: without this the capture workers would outlive the server
    await asyncio.to_thread(pool.shutdown)


def run_command(args: argparse.Namespace) -> int:
    """Set up the database (and demo data on first start), print the logins, then serve until stopped."""
    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    data_dir = settings.resolved_data_dir
    with use_language(settings.default_language):
        init_db(get_engine())
        try:
            get_catalog()  # a broken business catalog stops the app here, naming each broken entry
        except CatalogError as error:
            print(error, file=sys.stderr, flush=True)
            return 2
        missing = engines.problems(settings.ocr_engine, settings.ocr_languages)
        if missing:  # name what is missing now, not on a clerk's first capture
            print(
                "\n  ".join([t("ui.server.ocr_missing", engine=settings.ocr_engine), *missing]),
                file=sys.stderr,
                flush=True,
            )
            return 2
        if not args.no_seed:
            _seed_if_empty(settings)
        with session_scope() as db:
            logins = ensure_demo_staff(db, data_dir)
        scheme = "https" if settings.ssl_certfile and settings.ssl_keyfile else "http"
        _print_logins(logins, f"{scheme}://{host}:{port}")

    # NiceGUI reads its storage folder at import time: keep sessions inside the data folder
    os.environ.setdefault("NICEGUI_STORAGE_PATH", str(data_dir / ".nicegui"))
    from nicegui import app, run, ui

    from desk.ui.app import build

    build()
    # the capture workers start (and load the OCR models) beside the server, not on the first capture
    threading.Thread(target=pool.prestart, name="desk-pool-prestart", daemon=True).start()
    app.on_shutdown(_stop_capture_workers)
    run.process_pool_start_method = "spawn"  # fork would copy the server's threads and sockets
    # None is uvicorn's own default (plain HTTP), passed on through ui.run's **kwargs
    https = scheme == "https"
    ssl_certfile = str(settings.ssl_certfile) if https else None
    ssl_keyfile = str(settings.ssl_keyfile) if https else None
    ui.run(
        host=host,
        port=port,
        title=t("ui.app_name"),
        reload=False,
        show=False,
        storage_secret=settings.storage_secret(),
        show_welcome_message=False,
        uvicorn_logging_level="warning",
        favicon="🏛",
        session_middleware_kwargs={"same_site": "lax", "https_only": https or settings.tls_at_proxy},
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    return 0
