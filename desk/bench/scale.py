"""`python -m desk bench scale` — how desk holds up when a centre grows past one machine (issue #14).

Sub-measurements, chosen by flags (none given: all):

- `--lookup`: one-click lookup (`desk.records.lookup.find_customer`) p50/p95/p99 on PostgreSQL for
  each `--scale` (default 1M and 10M customers), so the 10M figures read against the 1M ones of
  the same run; goal p95 ≤ LOOKUP_GOAL_MS.
- `--search`: archive search (`desk.archive.search.search`) p50/p95/p99 per query kind on each
  scale's archived pages; goal p95 ≤ SEARCH_GOAL_MS.
- `--queue`, `--storage`: the OCR queue and the object store, measured by their own modules (HOOKS).

Each scale is a database `desk_scale_<customers>_<pages>` on the PostgreSQL server of `--url`,
built once in bulk (desk.bench.scale_data) and reused afterwards; the build's seconds and the
database's, tables' and indexes' sizes are reported with the timings. Timings are server-side:
the query function's wall time in the process that runs it (`ms`), and the time of its SQL
statements alone (`sql_ms`, from the driver's cursor events).
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from desk.archive.search import search
from desk.archive.search_index import SearchFilters
from desk.bench.scale_data import BUILD_TABLE_DDL, DOC_TYPES, FIRST_DAY, STAFF, TABLES, YEARS, build
from desk.db import init_db, make_engine
from desk.i18n import t, use_language
from desk.records.lookup import CANDIDATES, FOUND, find_customer
from desk.settings import get_settings

DEFAULT_SCALES = ("1000000", "10000000")
# HOOKS: the other measurements of #14, each `run(args) -> dict` in its own module (written by
# other helpers). The lead wires them here; a module not present yet is reported as unavailable.
HOOKS: dict[str, str] = {
    "queue": "desk.bench.queue_bench:run_for_scale",  # pages/minute with 1/2/4 workers, queue vs pool latency
    "storage": "desk.bench.storage_bench:run_for_scale",  # object store vs local folder throughput
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
    """CUSTOMERS or CUSTOMERS:PAGES (checked by the command line; pages default to the customers)."""
    customers, _, pages = value.partition(":")
    return Scale(int(customers), int(pages or customers))


LOOKUP_GOAL_MS = 5.0
SEARCH_GOAL_MS = 50.0
WARMUP = 30
LOOKUP_KINDS = ("id_number", "account_no", "name_phone", "name_only")
TWO_CHAR = ["租房", "诊断", "合同", "贷款", "住院", "发票", "退休", "备案"]
FOUR_CHAR = ["租赁合同", "诊断证明", "还款计划", "不动产权", "住房公积", "完税证明"]
ENGLISH_WORDS = ["repayment", "lease", "diagnosis", "invoice", "tenant", "certificate"]
SEARCH_KINDS = ("two_char", "four_char", "english", "id_number", "filtered", "by_type", "by_staff", "by_month")


@dataclass
class Timings:
    """Per-kind samples of one measurement: function ms, SQL ms, and whether the target was found."""

    ms: dict[str, list[float]] = field(default_factory=dict)
    sql_ms: dict[str, list[float]] = field(default_factory=dict)
    server_ms: dict[str, list[float]] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, ms: tuple[float, float, float], found: bool, hits: int = 0) -> None:
        """Record one timed query: its function, SQL and server milliseconds (see `SqlClock.times`)."""
        self.ms.setdefault(kind, []).append(ms[0])
        self.sql_ms.setdefault(kind, []).append(ms[1])
        self.server_ms.setdefault(kind, []).append(ms[2])
        self.found[kind] = self.found.get(kind, 0) + int(found)
        self.hits[kind] = self.hits.get(kind, 0) + hits

    def summary(self) -> dict[str, dict[str, float]]:
        """p50/p95/p99 (function and SQL), queries and share found per kind."""
        out = {}
        for kind, samples in self.ms.items():
            p50, p95, p99 = percentiles(samples)
            out[kind] = {
                "queries": len(samples),
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "p99_ms": round(p99, 2),
                "sql_p95_ms": round(percentiles(self.sql_ms[kind])[1], 2),
                "server_p50_ms": round(percentiles(self.server_ms[kind])[0], 2),
                "server_p95_ms": round(percentiles(self.server_ms[kind])[1], 2),
                "found": round(self.found[kind] / len(samples), 3),
                "hits_per_query": round(self.hits[kind] / len(samples), 1),
            }
        return out


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 of `samples` (inclusive method: exact order statistics for small samples)."""
    if len(samples) == 1:
        return samples[0], samples[0], samples[0]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


class SqlClock:
    """Adds up the time the engine's cursors spend executing statements (the database's share as the
    application sees it) and keeps the statements, so `server_ms` can have PostgreSQL time them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.total = 0.0
        self.statements: list[tuple[str, Any]] = []
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn: object, _cursor: object, statement: str, parameters: Any, *_args: object) -> None:
        self.statements.append((statement, parameters))
        self._started.append(time.perf_counter())

    def _after(self, *_args: object) -> None:
        self.total += time.perf_counter() - self._started.pop()

    def reset(self) -> None:
        """Start a new sum and a new list of statements."""
        self.total = 0.0
        self.statements = []

    def times(self, started: float) -> tuple[float, float, float]:
        """Milliseconds of the call begun at `started` (perf_counter), of its SQL, and on the server."""
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, self.total * 1000, self.server_ms()

    def server_ms(self) -> float:
        """PostgreSQL's own planning + execution time (EXPLAIN ANALYZE) of the SELECTs last recorded, run
        again in one transaction with the planner settings they ran under."""
        total = 0.0
        raw = self.engine.raw_connection()  # a DBAPI connection: its statements are not recorded
        try:
            cursor = raw.cursor()
            for statement, parameters in self.statements:
                if statement.lstrip().upper().startswith(("SET ", "RESET ")):
                    cursor.execute(statement, parameters)  # the search's planner settings (SET LOCAL) hold too
                elif statement.lstrip().upper().startswith("SELECT"):
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
                    row = cursor.fetchone()
                    assert row is not None, "EXPLAIN returns its plan"
                    plan = row[0][0]
                    total += plan["Planning Time"] + plan["Execution Time"]
            raw.rollback()
        finally:
            raw.close()
        return total


def bench_command(args: argparse.Namespace) -> int:
    """Run the chosen measurements and print them (a table, or JSON with --json)."""
    with use_language(get_settings().default_language):
        chosen = [name for name in MEASUREMENTS if getattr(args, name, False)] or list(MEASUREMENTS)
        report: dict[str, Any] = {"goals": {"lookup_p95_ms": LOOKUP_GOAL_MS, "search_p95_ms": SEARCH_GOAL_MS}}
        if "lookup" in chosen or "search" in chosen:
            url = args.url or get_settings().database_url
            if not url or make_url(url).get_backend_name() != "postgresql":
                print(t("bench.scale.no_postgres"))
                return 2
            scales = [parse_scale(value) for value in args.scale or DEFAULT_SCALES]
            report["scales"] = [_measure_scale(url, scale, chosen, args.queries, args.json) for scale in scales]
            report["ratios"] = _ratios(report["scales"])
        for name in HOOKS:
            if name in chosen:
                report[name] = run_hook(name, args)
        if args.json:
            print(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            _print_report(report)
    return 0


def run_hook(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """HOOK: the measurement `name` of another module, or `{"available": False}` while it is missing."""
    module_name, _, function = HOOKS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        if missing.name != module_name:
            raise
        return {"available": False}
    result: dict[str, Any] = getattr(module, function)(args)
    return result


def _server_conninfo(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


def _ensure_database(url: str, scale: Scale, quiet: bool) -> tuple[dict[str, Any], bool]:
    """The scale's database, built now if missing; returns its build record and whether it was reused."""
    with psycopg.connect(_server_conninfo(url, make_url(url).database or "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (scale.database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{scale.database}"')
    target = _server_conninfo(url, scale.database)
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute(BUILD_TABLE_DDL)
        row = conn.execute("SELECT customers, pages, seconds, rows_by_table FROM bench_scale_build").fetchone()
        if row is not None:
            return {"seconds": row[2], "rows": row[3]}, True
    engine = init_db(make_engine(_sqlalchemy_url(url, scale.database)))
    engine.dispose()
    if not quiet:
        print(t("bench.scale.building", database=scale.database, customers=scale.customers, pages=scale.pages))
    with psycopg.connect(target, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM person LIMIT 1").fetchone():
            raise SystemExit(t("bench.scale.not_empty", database=scale.database))
        built = build(conn, scale.customers, scale.pages, progress=(lambda _line: None) if quiet else print)
    return {"seconds": built.seconds, "rows": built.rows}, False


def _sqlalchemy_url(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _sizes(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        database = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        tables = {
            name: {
                "table_mb": round(table / 2**20),
                "indexes_mb": round(indexes / 2**20),
                "total_mb": round(total / 2**20),
            }
            for name, table, indexes, total in conn.execute(
                text(
                    "SELECT relname, pg_table_size(oid), pg_indexes_size(oid), pg_total_relation_size(oid) "
                    "FROM pg_class WHERE relname = ANY(:names) AND relkind = 'r'"
                ),
                {"names": list(TABLES)},
            )
        }
    return {"database_mb": round(database / 2**20), "tables": tables}


def _measure_scale(url: str, scale: Scale, chosen: list[str], queries: int, quiet: bool) -> dict[str, Any]:
    built, reused = _ensure_database(url, scale, quiet)
    engine = make_engine(_sqlalchemy_url(url, scale.database))
    try:
        clock = SqlClock(engine)
        out: dict[str, Any] = {
            "customers": scale.customers,
            "pages": scale.pages,
            "database": scale.database,
            "build": {
                "reused": reused,
                "seconds": built["seconds"],
                "total_seconds": round(sum(built["seconds"].values()), 1),
                "rows": built["rows"],
            },
            "size": _sizes(engine),
        }
        if "lookup" in chosen:
            out["lookup"] = time_lookups(engine, clock, lookup_queries(engine, scale, queries)).summary()
        if "search" in chosen and scale.pages > 0:
            out["search"] = time_searches(engine, clock, search_queries(engine, queries)).summary()
        return out
    finally:
        engine.dispose()


def lookup_queries(engine: Engine, scale: Scale, per_kind: int) -> list[tuple[str, str, int]]:
    """(kind, query text, target person id) for random existing customers, shuffled across kinds."""
    rng = random.Random(20261206)
    ids = rng.sample(range(1, scale.customers + 1), min(scale.customers, per_kind + WARMUP))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.id, p.id_number, p.name, p.phone, a.account_no FROM person p "
                "JOIN personal_account a ON a.person_id = p.id WHERE p.id = ANY(:ids)"
            ),
            {"ids": ids},
        ).all()
    queries = []
    for person_id, id_number, name, phone, account_no in rows:
        queries += [
            ("id_number", id_number, person_id),
            ("account_no", account_no, person_id),
            ("name_phone", f"{name} {phone[-4:]}", person_id),
            ("name_only", name, person_id),
        ]
    rng.shuffle(queries)
    return queries


def _lookup_found(outcome: Any, kind: str, person_id: int) -> bool:
    if outcome.kind == FOUND:
        return bool(outcome.person_id == person_id)
    if outcome.kind == CANDIDATES and kind.startswith("name"):
        # a common name lists ten candidates of many; the clerk narrows it with the phone
        return kind == "name_only" or any(c.person_id == person_id for c in outcome.candidates) or outcome.total > 10
    return False


def time_lookups(engine: Engine, clock: SqlClock, queries: list[tuple[str, str, int]]) -> Timings:
    """Time `find_customer` for each query (the first WARMUP untimed)."""
    timings = Timings()
    for number, (kind, query, person_id) in enumerate(queries):
        with Session(engine) as session:
            clock.reset()
            started = time.perf_counter()
            outcome = find_customer(session, query)
            if number >= WARMUP:
                timings.add(kind, clock.times(started), _lookup_found(outcome, kind, person_id))
    return timings


def _one_month(rng: random.Random) -> SearchFilters:
    first_year, month = FIRST_DAY.year + rng.randrange(YEARS), rng.randrange(1, 13)
    first = date(first_year, month, 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return SearchFilters(date_from=first, date_to=following - timedelta(days=1))


def search_queries(engine: Engine, per_kind: int) -> list[tuple[str, str, SearchFilters, int | None]]:
    """(kind, query, filters, target person id or None) as `bench search` asks them, shuffled across kinds.

    The ID-number and customer-filtered queries are for owners of random documents, so each has a target.
    """
    rng = random.Random(11)
    with engine.connect() as conn:
        top = conn.execute(text("SELECT max(id) FROM archive_document")).scalar_one()
        document_ids = [rng.randrange(1, top + 1) for _ in range(per_kind)]
        owners = conn.execute(
            text(
                "SELECT p.id, p.id_number FROM archive_document d JOIN person p ON p.id = d.person_id "
                "WHERE d.id = ANY(:ids)"
            ),
            {"ids": document_ids},
        ).all()
    none = SearchFilters()
    queries: list[tuple[str, str, SearchFilters, int | None]] = []
    for _ in range(per_kind):
        queries += [
            ("two_char", rng.choice(TWO_CHAR), none, None),
            ("four_char", rng.choice(FOUR_CHAR), none, None),
            ("english", rng.choice(ENGLISH_WORDS), none, None),
            ("by_type", rng.choice(TWO_CHAR), SearchFilters(doc_type=rng.choice(DOC_TYPES)), None),
            ("by_staff", rng.choice(TWO_CHAR), SearchFilters(captured_by=f"clerk{rng.randrange(STAFF)}"), None),
            ("by_month", rng.choice(TWO_CHAR), _one_month(rng), None),
        ]
    for person_id, id_number in owners:
        queries += [
            ("id_number", id_number, none, person_id),
            # 身份 is on every page: the customer's pages must come back, whatever else matches
            ("filtered", "身份", SearchFilters(person_id=person_id), person_id),
        ]
    rng.shuffle(queries)
    return queries


def _owners(engine: Engine, document_ids: list[int]) -> set[int]:
    if not document_ids:
        return set()
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT DISTINCT person_id FROM archive_document WHERE id = ANY(:ids)"), {"ids": document_ids}
        )
        return {row[0] for row in rows}


def time_searches(
    engine: Engine, clock: SqlClock, queries: list[tuple[str, str, SearchFilters, int | None]]
) -> Timings:
    """Time `search` for each query (the first WARMUP untimed); a target's page must be among the hits."""
    timings = Timings()
    for number, (kind, query, filters, person_id) in enumerate(queries):
        with Session(engine) as session:
            clock.reset()
            started = time.perf_counter()
            result = search(session, query, filters, staff="bench", purpose="benchmark")
            elapsed = clock.times(started)
            session.rollback()  # the access-log rows of a benchmark are not kept
        if number < WARMUP:
            continue
        documents = [hit.document_id for hit in result.hits]
        found = bool(result.hits) and result.problem is None
        if person_id is not None:
            found = person_id in _owners(engine, documents)
        timings.add(kind, elapsed, found, len(result.hits))
    return timings


def _ratios(scales: list[dict[str, Any]]) -> dict[str, Any]:
    """Worst p95 of the largest scale against the smallest's, per measurement."""
    if len(scales) < 2:
        return {}
    small, large = scales[0], scales[-1]
    out = {}
    for name in ("lookup", "search"):
        if name in small and name in large:
            worst_small = max(row["p95_ms"] for row in small[name].values())
            worst_large = max(row["p95_ms"] for row in large[name].values())
            out[f"{name}_worst_p95_ratio"] = round(worst_large / worst_small, 2) if worst_small else None
    return out


def _print_report(report: dict[str, Any]) -> None:
    goals = {"lookup": LOOKUP_GOAL_MS, "search": SEARCH_GOAL_MS}
    for scale in report.get("scales", []):
        build_info, size = scale["build"], scale["size"]
        key = "bench.scale.reused" if build_info["reused"] else "bench.scale.built"
        print(
            t(
                key,
                database=scale["database"],
                customers=f"{scale['customers']:,}",
                pages=f"{scale['pages']:,}",
                seconds=build_info["total_seconds"],
                size=f"{size['database_mb']:,}",
            )
        )
        for table, sizes in size["tables"].items():
            print(t("bench.scale.table_size", table=table, **sizes))
        for name, goal in goals.items():
            if name not in scale:
                continue
            print(t(f"bench.scale.{name}_header"))
            for kind, row in scale[name].items():
                print(
                    f"  {kind:<12}{row['queries']:>6}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}{row['p99_ms']:>9.2f}"
                    f"{row['sql_p95_ms']:>9.2f}{row['server_p50_ms']:>9.2f}{row['server_p95_ms']:>9.2f}"
                    f"{row['found']:>8.0%}"
                )
            worst = max(row["p95_ms"] for row in scale[name].values())
            verdict = t("bench.scale.met") if worst <= goal else t("bench.scale.missed")
            print(t("bench.scale.goal", goal=goal, worst=f"{worst:.2f}", verdict=verdict))
    for name, value in report.get("ratios", {}).items():
        print(t("bench.scale.ratio", name=name, ratio=value))
    for name in HOOKS:
        if name in report:
            result = report[name]
            shown = t("bench.scale.unavailable") if result == {"available": False} else json.dumps(result)
            print(t("bench.scale.hook", name=name, result=shown))
