"""The options of `python -m desk bench scale` (light: the parser is built without loading the benchmark)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

DEFAULT_SCALES = ("1000000", "10000000")
# HOOKS: the other measurements of #14, each `run(args) -> dict` in its own module (written by
# other helpers). The lead wires them here; a module not present yet is reported as unavailable.
HOOKS: dict[str, str] = {
    "queue": "desk.bench.queue_bench:run_queue_bench",  # pages/minute with 1/2/4 workers, queue vs pool latency
    "storage": "desk.bench.storage_bench:run_storage_bench",  # object store vs local folder throughput
}
MEASUREMENTS = ("lookup", "search", *HOOKS)


@dataclass(frozen=True)
class Scale:
    """One benchmark database: this many customers and archived pages."""

    customers: int
    pages: int

    @property
    def database(self) -> str:
        """The database's name on the server."""
        return f"desk_scale_{self.customers}_{self.pages}"


def parse_scale(value: str) -> Scale:
    """An argparse type: CUSTOMERS or CUSTOMERS:PAGES (pages default to the customers)."""
    customers, _, pages = value.partition(":")
    try:
        scale = Scale(int(customers.replace("_", "")), int((pages or customers).replace("_", "")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not CUSTOMERS[:PAGES]: {value!r}") from None
    if scale.customers < 10 or scale.pages < 0:
        raise argparse.ArgumentTypeError(f"at least 10 customers and no negative pages: {value!r}")
    return scale


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `desk bench scale`."""
    parser.add_argument(
        "--url",
        help="PostgreSQL server, e.g. postgresql+psycopg://user@host/postgres "
        "(default DESK_DATABASE_URL when it is PostgreSQL)",
    )
    parser.add_argument(
        "--scale",
        action="append",
        type=parse_scale,
        help="CUSTOMERS[:PAGES] of one database (repeatable; default 1000000 and 10000000)",
    )
    parser.add_argument("--queries", type=int, default=400, help="timed queries per kind (default 400)")
    for name in MEASUREMENTS:
        parser.add_argument(f"--{name}", action="store_true", help=f"measure {name} (no flag given: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
