"""Bulk data for `desk bench scale`: millions of customers and archived pages built inside PostgreSQL.

Rows are made by `INSERT … SELECT` over `generate_series`, so ten million customers take minutes:

- customers: names drawn from the demo generator's vocabulary (Faker's zh_CN surnames with their
  weights and the north-east boost, given names by sex), valid 18-character ID numbers (a district
  of the demo centre, a birth date 22–66 years back, a sequence whose parity is the sex, and the
  GB 11643 check character computed in SQL), a phone number and one personal account each
  (`2102` + the person id, as the demo generator numbers them);
- archived pages: each page is one of a pool of generated counter-document bodies
  (desk.bench.search_corpus, 250–500 characters of Chinese with some English) followed by its
  owner's name and ID number. The page's tsvector is the pool body's (made once, in Python, by
  the archive's own `tsvector_literal`) joined with `||` to the owner lines' — `||` shifts the
  right side's positions past the left's, so the result equals `tsvector_literal(page text)`.

The product's secondary indexes are dropped while loading and re-created from their own
definitions afterwards (one sorted build is far faster than ten million random inserts).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from faker.providers.person.zh_CN import Provider as PersonNames
from psycopg import Connection
from psycopg.types.json import Jsonb

from desk.archive.search_index import tsvector_literal
from desk.archive.text_tokens import normalize_text
from desk.bench.search_corpus import DOC_TYPES, PersonFacts, make_page_text, make_person
from desk.records.demo_generator import demo_config

CHUNK = 1_000_000  # rows per statement: progress shows, and a chunk's work fits in memory
POOL_PER_TYPE = 1000  # pool bodies per document type
STAFF = 40
FIRST_DAY = date(2016, 1, 1)
YEARS = 10
BIRTH_FIRST = date(1960, 1, 1)
BIRTH_DAYS = 16000  # about 44 years of birth dates
_PRIME = 2147483647  # u -> u * _PRIME mod capacity is one-to-one: distinct ID numbers without a check
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Pages of one group of seven form four documents of 1, 1, 2 and 3 pages (1.75 pages a document).
_GROUP_PAGES = 7
_DOCS_PER_GROUP = 4
_PAGE_PLACE = ((0, 1), (1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3))  # page of the group -> (document, page no)
_DOC_PAGES = (1, 1, 2, 3)
OWNER_SHARE = 10  # documents belong to the first 1/OWNER_SHARE of the customers (those who did business)
# The build's own record, so a later run reuses the database and still reports how long it took.
BUILD_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_scale_build (customers bigint NOT NULL, pages bigint NOT NULL, "
    "seconds jsonb NOT NULL, rows_by_table jsonb NOT NULL, built_at timestamptz NOT NULL DEFAULT now())"
)
Progress = Callable[[str], None]
TABLES = ("person", "personal_account", "archive_document", "archive_page", "archive_page_terms")


@dataclass
class BuildReport:
    """What a build did: seconds per step and rows per table."""

    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        """All steps together."""
        return round(sum(self.seconds.values()), 1)


def _hash(expression: str, salt: int) -> str:
    """SQL: a well-spread non-negative integer of an integer expression (deterministic, no random())."""
    return f"((({expression})::bigint * 2654435761 + {salt}) % 4294967291)"


def _check_char_sql(body: str) -> str:
    terms = " + ".join(f"substr({body}, {i + 1}, 1)::int * {w}" for i, w in enumerate(_ID_WEIGHTS))
    return f"substr('10X98765432', (({terms}) % 11) + 1, 1)"


def _vocabulary() -> dict[str, list]:
    """The demo generator's names and districts, as arrays for SQL (surname thresholds for width_bucket)."""
    conf = demo_config()
    weights = dict(PersonNames.last_names)
    for surname, boost in conf["population"]["extra_surnames"].items():
        weights[surname] = weights.get(surname, 0.0) + boost
    thresholds, total = [], 0.0
    for weight in weights.values():
        thresholds.append(total)
        total += weight
    return {
        "surnames": list(weights),
        "thresholds": [value / total for value in thresholds],
        "male": list(PersonNames.first_names_male),
        "female": list(PersonNames.first_names_female),
        "district_codes": [d["code"] for d in conf["districts"]],
        "district_names": [d["name"] for d in conf["districts"]],
        "streets": list(conf["address"]["streets"]),
        "two_char_share": [conf["population"]["two_char_given_share"]],
    }


def _customers_sql(districts: int) -> str:
    capacity = districts * BIRTH_DAYS * 1000
    body = "b.body"
    return f"""
    INSERT INTO person (id, id_number, name, phone, sex, birth_date, address)
    SELECT b.u + 1, {body} || {_check_char_sql(body)}, b.name, b.phone, b.sex, b.birth, b.address
    FROM (
        SELECT k.u, k.sex, k.birth,
               v.district_codes[k.district + 1] || to_char(k.birth, 'YYYYMMDD') || lpad(k.seq::text, 3, '0') AS body,
               v.surnames[width_bucket(random(), v.thresholds)]
                 || CASE WHEN length(k.given) = 1 AND random() < v.two_char_share[1]
                         THEN k.given || left((CASE k.sex WHEN 'M' THEN v.male ELSE v.female END)
                                             [1 + floor(random() * k.pool)::int], 1)
                         ELSE k.given END AS name,
               '1' || substr('35789', 1 + floor(random() * 5)::int, 1)
                   || lpad(floor(random() * 1e9)::bigint::text, 9, '0') AS phone,
               '辽宁省大连市' || v.district_names[k.district + 1]
                   || v.streets[1 + floor(random() * array_length(v.streets, 1))::int]
                   || (1 + floor(random() * 300))::int || '号' AS address
        FROM (
            SELECT g.u, g.seq, g.district, g.birth, g.sex, g.pool,
                   (CASE g.sex WHEN 'M' THEN v.male ELSE v.female END)[1 + floor(random() * g.pool)::int] AS given
            FROM (
                SELECT s.u, s.k % 1000 AS seq, (s.k / 1000) % {districts} AS district,
                       DATE '{BIRTH_FIRST.isoformat()}' + (s.k / 1000 / {districts})::int AS birth,
                       CASE WHEN s.k % 2 = 1 THEN 'M' ELSE 'F' END AS sex,
                       CASE WHEN s.k % 2 = 1 THEN array_length(v.male, 1) ELSE array_length(v.female, 1) END AS pool
                FROM (SELECT u, (u::bigint * {_PRIME}) % {capacity} AS k
                      FROM generate_series({{first}}::bigint, {{last}}::bigint) AS u) s
                CROSS JOIN scale_vocab v
            ) g CROSS JOIN scale_vocab v
        ) k CROSS JOIN scale_vocab v
    ) b
    """


_ACCOUNTS_SQL = """
    INSERT INTO personal_account (id, account_no, person_id, employer_id, status, status_since, opened_on,
        balance_fen, deposit_base_fen, personal_rate_pct, employer_rate_pct, monthly_deposit_fen,
        deposit_months_total, last_deposit_month, bank_card_no, brought_forward_fen)
    SELECT p.id, '2102' || lpad(p.id::text, 8, '0'), p.id, NULL, '01', DATE '2020-01-01', DATE '2020-01-01',
           (p.id::bigint * 7919) % 20000000, 500000, 12, 12, 120000, 72, DATE '2026-01-01',
           '6217' || lpad(((p.id::bigint * 104729) % 1000000000000000)::text, 15, '0'), 0
    FROM person p WHERE p.id BETWEEN {first} AND {last}
"""

_POOL_DDL = """
    CREATE TEMP TABLE scale_pool (doc_type text, k integer, body text, terms tsvector, PRIMARY KEY (doc_type, k))
"""

_OWNER_TERMS_FN = """
    CREATE FUNCTION pg_temp.owner_terms(n text, idn text) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
    SELECT (
        '''姓名'':1 '
        || (SELECT string_agg(format('''%s'':%s', substr(n, k, 2), k + 1), ' ')
            FROM generate_series(1, length(n) - 1) AS k)
        || format(' ''身份'':%s ''份证'':%s ''证号'':%s ''%s'':%s ',
                  length(n) + 1, length(n) + 2, length(n) + 3, lower(idn), length(n) + 4)
        || '''~姓'' ''~名'' ''~身'' ''~份'' ''~证'' ''~号'' '
        || (SELECT string_agg(format('''~%s''', substr(n, k, 1)), ' ') FROM generate_series(1, length(n)) AS k)
    )::tsvector $$
"""


def owner_lines(name: str, id_number: str) -> str:
    """The lines a bulk-built page ends with (the same text the SQL appends)."""
    return f"\n姓名:{name}\n身份证号:{id_number}"


def _documents_sql(groups_first: int, groups_last: int, pages: int, owners: int, documents: int) -> str:
    place = " ".join(f"WHEN {i} THEN {n}" for i, n in enumerate(_DOC_PAGES))
    types = "ARRAY[" + ",".join(f"'{t}'" for t in DOC_TYPES) + "]"
    doc = "(g * 4 + o + 1)"
    first_page = f"(g * {_GROUP_PAGES} + CASE o WHEN 0 THEN 1 WHEN 1 THEN 2 WHEN 2 THEN 3 ELSE 5 END)"
    day = f"(DATE '{FIRST_DAY.isoformat()}' + ({doc}::bigint * {365 * YEARS} / {documents + 1})::int)"
    return f"""
    INSERT INTO archive_document (id, doc_type, material_code, person_id, case_no, title, captured_by,
        captured_at, source, page_count, retention_class, retention_until, legal_hold)
    SELECT {doc}, ({types})[1 + {_hash(doc, 1)} % {len(DOC_TYPES)}], NULL,
           1 + {_hash(doc, 2)} % {owners}, 'ZF' || to_char({day}, 'YYYY') || '-' || lpad({doc}::text, 8, '0'), '',
           'clerk' || {_hash(doc, 3)} % {STAFF},
           {day} + make_interval(secs => 28800 + {_hash(doc, 4)} % 36000), 'upload',
           least(CASE o {place} END, {pages} - {first_page} + 1), 'withdrawal', NULL, false
    FROM generate_series({groups_first}, {groups_last}) AS g CROSS JOIN generate_series(0, 3) AS o
    WHERE {first_page} <= {pages}
    """


def _page_place_sql(page: str) -> tuple[str, str]:
    """SQL for a page id's document id and page number (the fixed group layout)."""
    r = f"(({page} - 1) % {_GROUP_PAGES})"
    group = f"(({page} - 1) / {_GROUP_PAGES})"
    doc_case = " ".join(f"WHEN {i} THEN {d}" for i, (d, _) in enumerate(_PAGE_PLACE))
    no_case = " ".join(f"WHEN {i} THEN {n}" for i, (_, n) in enumerate(_PAGE_PLACE))
    return f"({group} * {_DOCS_PER_GROUP} + CASE {r} {doc_case} END + 1)", f"(CASE {r} {no_case} END)"


def _pages_sql(pool: int) -> str:
    doc, page_no = _page_place_sql("s.i")
    return f"""
    INSERT INTO archive_page (id, document_id, page_no, original_key, width_px, height_px, doc_type, text, fields)
    SELECT s.i, d.id, {page_no}, lpad(to_hex(s.i), 64, '0') || '.png', 0, 0, d.doc_type,
           pool.body || E'\\n姓名:' || pe.name || E'\\n身份证号:' || pe.id_number, '{{{{}}}}'
    FROM generate_series({{first}}::bigint, {{last}}::bigint) AS s(i)
    JOIN archive_document d ON d.id = {doc}
    JOIN person pe ON pe.id = d.person_id
    JOIN scale_pool pool ON pool.doc_type = d.doc_type AND pool.k = {_hash("s.i", 5)} % {pool}
    """


def _terms_sql(pool: int) -> str:
    return f"""
    INSERT INTO archive_page_terms (page_id, terms)
    SELECT p.id, pool.terms || pg_temp.owner_terms(pe.name, pe.id_number)
    FROM archive_page p
    JOIN archive_document d ON d.id = p.document_id
    JOIN person pe ON pe.id = d.person_id
    JOIN scale_pool pool ON pool.doc_type = d.doc_type AND pool.k = {_hash("p.id", 5)} % {pool}
    WHERE p.id BETWEEN {{first}} AND {{last}}
    """


def pool_size(pages: int) -> int:
    """Pool bodies per document type: POOL_PER_TYPE, fewer for a small test archive (quick to make)."""
    return min(POOL_PER_TYPE, max(10, pages // 8))


def pool_rows(per_type: int, seed: int = 7) -> list[tuple[str, int, str, str]]:
    """(doc type, k, page body, tsvector literal) of the pool: bodies with the owner left blank
    (the owner's lines are appended per page) and another generated person where the type has one."""
    rng = random.Random(seed)
    rows = []
    for doc_type in DOC_TYPES:
        for k in range(per_type):
            day = FIRST_DAY + timedelta(days=rng.randrange(365 * YEARS))
            blank = PersonFacts("", "", make_person(rng).address, date(1980, 1, 1), "F")
            body = normalize_text(make_page_text(doc_type, blank, make_person(rng), rng, day))
            rows.append((doc_type, k, body, tsvector_literal(body)))
    return rows


def _secondary_indexes(conn: Connection, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of `tables` that back no constraint (primary or unique keys stay)."""
    rows = conn.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        (list(tables),),
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def _chunks(total: int, size: int = CHUNK) -> list[tuple[int, int]]:
    return [(first, min(first + size - 1, total)) for first in range(1, total + 1, size)]


def _timed(report: BuildReport, step: str, action: Callable[[], object]) -> None:
    started = time.perf_counter()
    action()
    report.seconds[step] = round(report.seconds.get(step, 0.0) + time.perf_counter() - started, 1)


def build(conn: Connection, customers: int, pages: int, progress: Progress = print) -> BuildReport:
    """Fill the empty desk schema behind `conn` (autocommit) with `customers` customers and `pages` pages."""
    report = BuildReport()
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET synchronous_commit = off")
    dropped = _secondary_indexes(conn, TABLES)
    for name, _ in dropped:
        conn.execute(f'DROP INDEX "{name}"')
    conn.execute("SELECT setseed(0.14)")
    _timed(report, "customers", lambda: _load_customers(conn, customers, progress))
    _timed(report, "pages", lambda: _load_pages(conn, customers, pages, progress))
    for name, definition in dropped:
        progress(f"  index {name}")
        _timed(report, "indexes", partial(conn.execute, definition))
    _timed(report, "analyze", lambda: conn.execute("VACUUM (ANALYZE) " + ", ".join(TABLES)))
    for table in ("person", "personal_account", "archive_document", "archive_page"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    for table in TABLES:
        report.rows[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
    conn.execute(BUILD_TABLE_DDL)
    conn.execute(
        "INSERT INTO bench_scale_build (customers, pages, seconds, rows_by_table) VALUES (%s, %s, %s, %s)",
        (customers, pages, Jsonb(report.seconds), Jsonb(report.rows)),
    )
    return report


def _load_customers(conn: Connection, customers: int, progress: Progress) -> None:
    vocab = _vocabulary()
    conn.execute(
        "CREATE TEMP TABLE scale_vocab AS SELECT %(surnames)s::text[] AS surnames, %(thresholds)s::float8[] AS "
        "thresholds, %(male)s::text[] AS male, %(female)s::text[] AS female, %(district_codes)s::text[] AS "
        "district_codes, %(district_names)s::text[] AS district_names, %(streets)s::text[] AS streets, "
        "%(two_char_share)s::float8[] AS two_char_share",
        vocab,
    )
    sql = _customers_sql(len(vocab["district_codes"]))
    for first, last in _chunks(customers):
        conn.execute(sql.format(first=first - 1, last=last - 1))
        conn.execute(_ACCOUNTS_SQL.format(first=first, last=last))
        progress(f"  customers {last:,}")


def _load_pages(conn: Connection, customers: int, pages: int, progress: Progress) -> None:
    if pages == 0:
        return
    conn.execute(_POOL_DDL)
    with conn.cursor().copy("COPY scale_pool (doc_type, k, body, terms) FROM STDIN") as copy:
        for row in pool_rows(pool_size(pages)):
            copy.write_row(row)
    conn.execute("ANALYZE scale_pool")
    conn.execute(_OWNER_TERMS_FN)
    groups = (pages + _GROUP_PAGES - 1) // _GROUP_PAGES
    documents = groups * _DOCS_PER_GROUP
    owners = max(1, customers // OWNER_SHARE)
    group_chunk = CHUNK // _GROUP_PAGES
    for first in range(0, groups, group_chunk):
        conn.execute(_documents_sql(first, min(first + group_chunk, groups) - 1, pages, owners, documents))
    progress(f"  documents {documents:,}")
    pages_sql, terms_sql = _pages_sql(pool_size(pages)), _terms_sql(pool_size(pages))
    for first, last in _chunks(pages):
        conn.execute(pages_sql.format(first=first, last=last))
        conn.execute(terms_sql.format(first=first, last=last))
        progress(f"  pages {last:,}")
