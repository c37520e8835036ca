"""`python -m desk bench lookup` — one-click lookup latency on a large SQLite database.

Seeds (or reuses) a database of `--customers` demo customers in `bench-data/lookup-N/`, then
times, server-side, the whole `find_customer` + `load_profile` call (session included) for
random existing customers by ID number, account number, name + last four phone digits, and
name alone. A baseline in the same run does the ID-number lookup by a full table scan
(`NOT INDEXED`), so the figures read as a ratio as well as in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from desk.db import init_db, make_engine
from desk.i18n import t, use_language
from desk.records.commands import database_size_mb
from desk.records.demo_data import seed_database
from desk.records.lookup import FOUND, find_customer
from desk.records.profile import load_profile
from desk.records.tables import Person, PersonalAccount
from desk.settings import get_settings

TARGET_P95_MS = 20.0
BASELINE_RUNS = 20
WARMUP_RUNS = 50
KINDS = ("id_number", "account_no", "name_phone", "name_only")


def bench_command(args: argparse.Namespace) -> int:
    """Seed or reuse the benchmark database and print p50/p95/p99 per query kind plus the baseline."""
    with use_language(get_settings().default_language):
        folder = Path(args.data_dir or f"bench-data/lookup-{args.customers}").resolve()
        folder.mkdir(parents=True, exist_ok=True)
        engine = init_db(make_engine(f"sqlite:///{folder / 'desk.sqlite3'}"))
        if not _ensure_seeded(engine, folder, args.customers):
            return 1
        print(t("records.bench.database", path=folder, customers=args.customers, size=database_size_mb(engine)))
        queries = _sample_queries(engine, args.customers, args.queries)
        timings = _time_lookups(engine, queries)
        print(t("records.bench.header"))
        for kind in KINDS:
            print(_row(t(f"records.bench.kind.{kind}"), timings[kind]))
        baseline = _time_baseline(engine, [q for kind, q in queries if kind == "id_number"][:BASELINE_RUNS])
        p50_base, p50_id = statistics.median(baseline), statistics.median(timings["id_number"])
        print(t("records.bench.baseline", runs=len(baseline), p50=f"{p50_base:.1f}", ratio=f"{p50_base / p50_id:.0f}"))
        worst_p95 = max(_percentiles(timings[kind])[1] for kind in KINDS)
        verdict = t("records.bench.met") if worst_p95 <= TARGET_P95_MS else t("records.bench.missed")
        print(t("records.bench.target", target=TARGET_P95_MS, verdict=verdict))
        engine.dispose()
    return 0


def _ensure_seeded(engine: Engine, folder: Path, customers: int) -> bool:
    meta_path = folder / "seed.json"
    with engine.connect() as conn:
        found = conn.execute(text("SELECT COUNT(*) FROM person")).scalar_one()
    if found == 0:
        summary = seed_database(engine, customers=customers)
        meta_path.write_text(json.dumps(summary))
        print(t("records.bench.seeded", seconds=summary["seconds"]))
        return True
    if found != customers:
        print(t("records.bench.wrong_size", found=found, wanted=customers))
        return False
    seconds = json.loads(meta_path.read_text())["seconds"] if meta_path.exists() else "?"
    print(t("records.bench.reused", seconds=seconds))
    return True


def _sample_queries(engine: Engine, customers: int, per_kind: int) -> list[tuple[str, str]]:
    """Random existing customers, one query per kind each, shuffled so no kind gets a warmer cache."""
    rng = random.Random(20260901)
    ids = rng.sample(range(1, customers + 1), min(customers, per_kind + WARMUP_RUNS))
    with Session(engine) as session:
        rows = session.execute(
            select(col(Person.id_number), col(Person.name), col(Person.phone), col(PersonalAccount.account_no))
            .join(PersonalAccount, col(PersonalAccount.person_id) == Person.id)
            .where(col(Person.id).in_(ids))
        ).all()
    queries = []
    for row in rows:
        queries += [
            ("id_number", row.id_number),
            ("account_no", row.account_no),
            ("name_phone", f"{row.name} {row.phone[-4:]}"),
            ("name_only", row.name),
        ]
    rng.shuffle(queries)
    return queries


def _lookup(session: Session, query: str) -> None:
    outcome = find_customer(session, query)
    if outcome.kind == FOUND:
        assert outcome.person_id is not None, "a found customer has an id"
        load_profile(session, outcome.person_id)


def _time_lookups(engine: Engine, queries: list[tuple[str, str]]) -> dict[str, list[float]]:
    for _, query in queries[:WARMUP_RUNS]:
        _timed(engine, _lookup, query)
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for kind, query in queries[WARMUP_RUNS:]:
        timings[kind].append(_timed(engine, _lookup, query))
    return timings


def _timed(engine: Engine, action: Callable[[Session, str], None], query: str) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        action(session, query)
    return (time.perf_counter() - started) * 1000


def _scan_lookup(session: Session, id_number: str) -> None:
    person_id = session.execute(
        text("SELECT id FROM person NOT INDEXED WHERE id_number = :n"), {"n": id_number}
    ).scalar()
    assert person_id is not None, "the ID number was sampled from the table"
    load_profile(session, person_id)


def _time_baseline(engine: Engine, id_numbers: list[str]) -> list[float]:
    return [_timed(engine, _scan_lookup, number) for number in id_numbers]


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def _row(label: str, samples: list[float]) -> str:
    p50, p95, p99 = _percentiles(samples)
    return f"{label:<14}{len(samples):>6}   {p50:7.2f}  {p95:7.2f}  {p99:7.2f}  {max(samples):7.2f}"
