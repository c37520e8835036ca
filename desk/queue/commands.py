"""`python -m desk worker`: exit 0 when stopped by SIGTERM or SIGINT, 1 when it cannot serve (with a message
in the user's language on stderr)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from desk.db import get_engine, init_db
from desk.i18n import t, use_language
from desk.settings import get_settings

REFUSED = 1


def worker_command(args: argparse.Namespace) -> int:
    """Serve capture jobs from the queue of the configured PostgreSQL database until stopped."""
    settings = get_settings()
    with use_language(getattr(args, "lang", None) or settings.default_language):
        url = settings.resolved_database_url
        if not url.startswith("postgresql"):
            print(t("capture.queue.needs_postgres"), file=sys.stderr)
            return REFUSED
        try:
            import pgqueuer  # noqa: F401 - the `halls` extra
        except ImportError:
            print(t("capture.queue.needs_pgqueuer"), file=sys.stderr)
            return REFUSED
        from desk.queue.task_store import worker_name
        from desk.queue.worker import prepare_process, serve

        engine = init_db(get_engine())  # a worker may start before any server: the schema is brought up to date
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        prepare_process()
        print(t("capture.queue.worker_ready", worker=worker_name()), flush=True)
        asyncio.run(serve(engine, url, heartbeat_s=settings.capture_heartbeat_s))
        print(t("capture.queue.worker_stopped"), flush=True)
    return 0
