"""`python -m desk bench search` — archive search latency on a large SQLite index.

Builds (or reuses) `bench-data/search-N/` with N OCR'd pages of generated counter documents
(desk.bench.search_corpus), indexed exactly as intake indexes them, then times the archive's own
`search()` (session, parse, FTS5, hydrate, snippets) for plain queries and for a two-character
word filtered by customer, document type, staff or one capture month and, side by side, a
`LIKE '%…%'` scan of the same page table (newest first, 20 rows, same filters) for the same queries.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from desk.archive.search import search
from desk.archive.search_index import SearchFilters, filter_sql, filter_words
from desk.archive.text_tokens import distinct_cjk_chars, index_tokens, normalize_text
from desk.bench.search_corpus import DOC_TYPES, PersonFacts, make_page_text, make_person
from desk.db import init_db, make_engine
from desk.i18n import t, use_language
from desk.settings import get_settings

TARGET_P95_MS = 100.0
PAGES_PER_PERSON = 20
BATCH = 5000
LIKE_RUNS = 8
WARMUP = 20
TWO_CHAR = ["租房", "诊断", "合同", "贷款", "住院", "发票", "退休", "备案"]
FOUR_CHAR = ["租赁合同", "诊断证明", "还款计划", "不动产权", "住房公积", "完税证明"]
ENGLISH_WORDS = ["repayment", "lease", "diagnosis", "invoice", "tenant", "certificate"]
KINDS = ("two_char", "four_char", "english", "id_number", "filtered", "by_type", "by_staff", "by_month")
STAFF = 40
FIRST_DAY = date(2016, 1, 1)
YEARS = 10


def _pages_in(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM archive_page")).scalar_one()


def _insert_people(cur, rng: random.Random, count: int) -> list:
    people = [make_person(rng) for _ in range(count)]
    seen: set[str] = set()
    unique: list[PersonFacts] = []
    for person in people:  # the first of each ID number
        if person.id_number not in seen:
            seen.add(person.id_number)
            unique.append(person)
    cur.executemany(
        "INSERT INTO person (id, id_number, name, phone, sex, birth_date, address) VALUES (?,?,?,?,?,?,?)",
        [
            (i, p.id_number, p.name, f"138{i:08d}"[:11], p.sex, p.birth_date.isoformat(), p.address)
            for i, p in enumerate(unique, start=1)
        ],
    )
    return unique


def build_index(engine: Engine, pages: int, seed: int = 7) -> float:
    """Fill an empty archive with `pages` generated pages; returns the build time in seconds."""
    rng = random.Random(seed)
    started = time.perf_counter()
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("PRAGMA synchronous=OFF")
    people = _insert_people(cur, rng, max(2, pages // PAGES_PER_PERSON))
    page_id, document_id = 0, 0
    while page_id < pages:
        documents: list[tuple[int, str, int, str, str, str, int]] = []
        rows: list[tuple[int, int, int, str, str, str]] = []
        index_rows: list[tuple[int, str, str, str]] = []
        while page_id < pages and len(rows) < BATCH:
            document_id += 1
            person_no = rng.randrange(len(people))
            owner, other = people[person_no], people[rng.randrange(len(people))]
            doc_type = rng.choice(DOC_TYPES)
            day = FIRST_DAY + timedelta(days=(document_id * 365 * YEARS) // (pages // 2 + 1))
            count = min(rng.choice((1, 1, 2, 3)), pages - page_id)
            staff, captured_at = f"clerk{rng.randrange(STAFF)}", datetime.combine(day, datetime.min.time())
            documents.append(
                (
                    document_id,
                    doc_type,
                    person_no + 1,
                    f"ZF{day:%Y}-{document_id:07d}",
                    staff,
                    captured_at.isoformat(" "),
                    count,
                )
            )
            meta = filter_words(doc_type, staff, None, captured_at)
            for number in range(1, count + 1):
                page_id += 1
                body = normalize_text(make_page_text(doc_type, owner, other, rng, day))
                rows.append((page_id, document_id, number, f"{page_id:064x}.png", doc_type, body))
                index_rows.append((page_id, " ".join(index_tokens(body)), " ".join(distinct_cjk_chars(body)), meta))
        cur.executemany(
            "INSERT INTO archive_document (id, doc_type, person_id, case_no, title, captured_by, "
            "captured_at, source, page_count, retention_class, legal_hold) "
            "VALUES (?,?,?,?,'',?,?,'upload',?,'withdrawal',0)",
            documents,
        )
        cur.executemany(
            "INSERT INTO archive_page (id, document_id, page_no, original_key, width_px, height_px, "
            "doc_type, text, fields) VALUES (?,?,?,?,0,0,?,?,'{}')",
            rows,
        )
        cur.executemany("INSERT INTO archive_page_fts(rowid, grams, chars, meta) VALUES (?,?,?,?)", index_rows)
        raw.commit()
    cur.execute("INSERT INTO archive_page_fts(archive_page_fts) VALUES ('optimize')")
    cur.execute("ANALYZE")
    raw.commit()
    raw.close()
    return time.perf_counter() - started


def _one_month(rng: random.Random) -> SearchFilters:
    first = date(FIRST_DAY.year + rng.randrange(YEARS), rng.randrange(1, 13), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return SearchFilters(date_from=first, date_to=following - timedelta(days=1))


def _sample(engine: Engine, per_kind: int, rng: random.Random) -> dict[str, list[tuple[str, SearchFilters]]]:
    with engine.connect() as conn:
        people = conn.execute(
            text("SELECT id, id_number FROM person ORDER BY random() LIMIT :n"), {"n": per_kind}
        ).all()
    none = SearchFilters()
    return {
        "two_char": [(rng.choice(TWO_CHAR), none) for _ in range(per_kind)],
        "four_char": [(rng.choice(FOUR_CHAR), none) for _ in range(per_kind)],
        "english": [(rng.choice(ENGLISH_WORDS), none) for _ in range(per_kind)],
        "id_number": [(id_number, none) for _, id_number in people],
        "filtered": [(rng.choice(TWO_CHAR), SearchFilters(person_id=person_id)) for person_id, _ in people],
        "by_type": [(rng.choice(TWO_CHAR), SearchFilters(doc_type=rng.choice(DOC_TYPES))) for _ in range(per_kind)],
        "by_staff": [
            (rng.choice(TWO_CHAR), SearchFilters(captured_by=f"clerk{rng.randrange(STAFF)}")) for _ in range(per_kind)
        ],
        "by_month": [(rng.choice(TWO_CHAR), _one_month(rng)) for _ in range(per_kind)],
    }


def _time_search(engine: Engine, queries: list[tuple[str, SearchFilters]]) -> tuple[list[float], int]:
    timings, hits = [], 0
    for query, filters in queries:
        started = time.perf_counter()
        with Session(engine) as session:
            result = search(session, query, filters, staff="bench", purpose="benchmark")
        timings.append((time.perf_counter() - started) * 1000)
        hits += len(result.hits)
    return timings, hits


def _time_like(engine: Engine, queries: list[tuple[str, SearchFilters]]) -> list[float]:
    timings = []
    for query, filters in queries[:LIKE_RUNS]:
        where, params = filter_sql(filters)
        sql = (
            "SELECT p.id FROM archive_page p JOIN archive_document d ON d.id = p.document_id "
            f"WHERE p.text LIKE :pattern{where} ORDER BY p.id DESC LIMIT 20"
        )
        started = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text(sql), {"pattern": f"%{query}%", **params}).all()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _ensure_built(engine: Engine, pages: int) -> float | None:
    found = _pages_in(engine)
    if found == 0:
        return build_index(engine, pages)
    if found != pages:
        print(t("archive.bench.wrong_size", found=found, wanted=pages))
        raise SystemExit(1)
    return None


def bench_command(args: argparse.Namespace) -> int:
    """Build or reuse the benchmark archive, print build time and p50/p95 per query kind beside LIKE."""
    with use_language(get_settings().default_language):
        folder = Path(args.data_dir or f"bench-data/search-{args.pages}").resolve()
        folder.mkdir(parents=True, exist_ok=True)
        engine = init_db(make_engine(f"sqlite:///{folder / 'desk.sqlite3'}"))
        meta = folder / "build.json"
        built = _ensure_built(engine, args.pages)
        if built is not None:
            meta.write_text(json.dumps({"pages": args.pages, "seconds": built}))
        build_seconds = json.loads(meta.read_text())["seconds"] if meta.exists() else None
        size_mb = (folder / "desk.sqlite3").stat().st_size / 2**20
        queries = _sample(engine, args.queries, random.Random(11))
        _time_search(engine, queries["two_char"][:WARMUP])
        rows = {}
        for kind in KINDS:
            timings, hits = _time_search(engine, queries[kind])
            (p50, p95), (like_p50, like_p95) = _percentiles(timings), _percentiles(_time_like(engine, queries[kind]))
            rows[kind] = {
                "p50_ms": p50,
                "p95_ms": p95,
                "like_p50_ms": like_p50,
                "like_p95_ms": like_p95,
                "hits_per_query": hits / len(timings),
            }
        worst = max(row["p95_ms"] for row in rows.values())
        if args.json:
            print(
                json.dumps(
                    {
                        "pages": args.pages,
                        "build_seconds": build_seconds,
                        "reused": built is None,
                        "database_mb": round(size_mb),
                        "kinds": rows,
                        "target_p95_ms": TARGET_P95_MS,
                        "met": worst <= TARGET_P95_MS,
                    },
                    indent=2,
                )
            )
        else:
            _print_table(args.pages, build_seconds, built is None, size_mb, rows, worst)
        engine.dispose()
    return 0


def _print_table(
    pages: int, build_seconds: float | None, reused: bool, size_mb: float, rows: dict, worst: float
) -> None:
    key = "archive.bench.reused" if reused else "archive.bench.built"
    print(t(key, pages=pages, seconds=f"{build_seconds:.0f}" if build_seconds else "?", size=f"{size_mb:.0f}"))
    print(t("archive.bench.header"))
    for kind, row in rows.items():
        print(
            f"{t('archive.bench.kind.' + kind):<24}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
            f"{row['like_p50_ms']:>12.1f}{row['like_p95_ms']:>12.1f}{row['hits_per_query']:>8.1f}"
        )
    verdict = t("archive.bench.met") if worst <= TARGET_P95_MS else t("archive.bench.missed")
    print(t("archive.bench.target", target=TARGET_P95_MS, worst=f"{worst:.1f}", verdict=verdict))
