"""The full-text index of page text: one interface, a SQLite FTS5 and a PostgreSQL implementation.

Both index the tokens of desk.archive.text_tokens: positional bigrams/words (phrases) plus the
page's distinct CJK characters (one-character queries).

- SQLite: a contentless FTS5 table `archive_page_fts(grams, chars, meta)` with the `ascii`
  tokenizer (our tokens are already split and lower-cased; every non-ASCII character is a token
  character); the newest RANK_WINDOW matches are ranked by term frequency (see SqliteFts5Index).
  `meta` holds the document's filter values as indexed words (`filter_words`), so a filter by
  document type, staff, material or a date range of a few months is part of the MATCH
  (`filter_match`) instead of a join tested on every match. Those words are written when a page
  is indexed; a change of a document's type, staff, material or capture time must re-index its
  pages. `upgrade_layout` (run by init_db) rebuilds an index of the older two-column layout.
- PostgreSQL: `archive_page_terms(page_id, terms tsvector)` with a GIN index. The tsvector is
  written as a literal of our own tokens with positions (no text-search parser or locale is
  involved), queried with `<->` phrases; the newest RANK_WINDOW matches are ranked by ts_rank
  (see PostgresTsvectorIndex).

Queries reach the engines only as bound parameters built from parsed tokens
(desk.archive.query_parser), never as user text; id lists spliced into SQL are integers read
from the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import DDL, event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, col

from desk.archive.query_parser import ParsedQuery, Term
from desk.archive.search_route import RANK_WINDOW, route_for, routed
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.archive.text_tokens import distinct_cjk_chars, index_tokens

MAX_CANDIDATES = 5000  # with a customer or case filter, the newest this many of their pages are searched
AVERAGE_PAGE_CHARS = 400  # length normalisation of the SQLite score
_PG_MAX_POSITION = 16383  # tsvector positions stop here
_PG_CHAR_MARK = "~"  # marks a one-character lexeme so it never meets a token of a one-character run
MAX_FILTER_MONTHS = 24  # a longer date range is tested by joining the document instead
REBUILD_BATCH = 2000
# Filter words: a kind letter + the value's UTF-8 as hex, so any value (quotes, spaces, Chinese)
# becomes one lower-case ASCII token that cannot carry FTS5 syntax; months are m + yyyymm.
_WORD_KINDS = {"doc_type": "t", "captured_by": "s", "material_code": "c"}

_SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS archive_page_fts USING fts5("
    "grams, chars, meta, tokenize='ascii', content='', detail=full)"
)
# toast_tuple_target: a page's tsvector (about 3 KB) stays in the table's own row instead of TOAST,
# so testing a query on the newest pages one by one (PostgresTsvectorIndex.match) reads one heap
# page per row, not a TOAST index and two chunks: five times faster (`desk bench scale`).
_PG_DDL = [
    "CREATE TABLE IF NOT EXISTS archive_page_terms (page_id integer PRIMARY KEY "
    "REFERENCES archive_page(id) ON DELETE CASCADE, terms tsvector NOT NULL) WITH (toast_tuple_target = 8160)",
    "CREATE INDEX IF NOT EXISTS ix_archive_page_terms ON archive_page_terms USING gin (terms)",
    # ANALYZE keeps ten times as many common lexemes (down to ~0.05% of pages instead of ~4%): the
    # shares search_route.choose_route reads, a lexeme missing from them being truly rare
    "ALTER TABLE archive_page_terms ALTER COLUMN terms SET STATISTICS 1000",
]


def index_ddl(dialect: str) -> list[str]:
    """The statements that create the full-text index on `dialect` (create_all and the migrations run them)."""
    return [_SQLITE_DDL] if dialect == "sqlite" else list(_PG_DDL)


for _dialect in ("sqlite", "postgresql"):
    for _statement in index_ddl(_dialect):
        event.listen(
            ArchivePage.__table__,  # type: ignore[attr-defined]  # SQLModel sets it, undeclared
            "after_create",
            DDL(_statement).execute_if(dialect=_dialect),
        )


@dataclass(frozen=True)
class SearchFilters:
    """Conditions on the document a page belongs to; None means "any"."""

    doc_type: str | None = None
    person_id: int | None = None
    case_no: str | None = None
    captured_by: str | None = None
    material_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive


def filter_sql(filters: SearchFilters) -> tuple[str, dict[str, object]]:
    """SQL conditions on `d` (archive_document) for `filters`, with their parameters."""
    conditions, params = [], {}
    for name in ("doc_type", "person_id", "case_no", "captured_by", "material_code"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(f"d.{name} = :f_{name}")
            params[f"f_{name}"] = value
    if filters.date_from is not None:
        conditions.append("d.captured_at >= :f_from")
        params["f_from"] = datetime.combine(filters.date_from, time.min)
    if filters.date_to is not None:
        conditions.append("d.captured_at < :f_to")
        params["f_to"] = datetime.combine(filters.date_to + timedelta(days=1), time.min)
    return "".join(f" AND {condition}" for condition in conditions), params


class FilterColumns(Protocol):
    """The filter columns of a document: an ArchiveDocument, or a row with the same column names."""

    @property
    def doc_type(self) -> str: ...
    @property
    def captured_by(self) -> str: ...
    @property
    def material_code(self) -> str | None: ...
    @property
    def captured_at(self) -> datetime: ...


class SearchIndex:
    """What every engine offers: add and remove a page's text, and find ranked page ids."""

    def add(self, session: Session | Connection, page_id: int, page_text: str, document: FilterColumns) -> None:
        """Index the text of a page of `document` (an ArchiveDocument or a row with its filter columns)."""
        raise NotImplementedError

    def remove(self, session: Session | Connection, page_id: int, page_text: str, document: FilterColumns) -> None:
        """Remove a page from the index (`page_text` and `document` as it was indexed with)."""
        raise NotImplementedError

    def match(
        self, session: Session, query: ParsedQuery, filters: SearchFilters, *, limit: int, offset: int = 0
    ) -> list[tuple[int, float]]:
        """(page id, score) of matching pages, best first."""
        raise NotImplementedError


def _word(kind: str, value: str) -> str:
    return kind + value.encode("utf-8").hex()


def filter_words(doc_type: str, captured_by: str, material_code: str | None, captured_at: datetime) -> str:
    """The `meta` column of a page: its document's filter values as indexed words."""
    words = [_word("t", doc_type), _word("s", captured_by), f"m{captured_at:%Y%m}"]
    if material_code is not None:
        words.append(_word("c", material_code))
    return " ".join(words)


def document_filter_words(document: FilterColumns) -> str:
    """`filter_words` of an ArchiveDocument (or a row with the same column names)."""
    return filter_words(document.doc_type, document.captured_by, document.material_code, document.captured_at)


def _months(first: date, last: date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"m{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class FilterMatch:
    """Filters split into FTS5 conditions on `meta` and the rest, still tested by a join."""

    expression: str  # "" when no filter is expressed in the MATCH
    rest: SearchFilters


def filter_match(filters: SearchFilters) -> FilterMatch:
    """The MATCH conditions for `filters` (equality filters and short date ranges) and what remains.

    A date range gives the words of the months it touches; the exact days stay in `rest` unless
    the range is whole months. Open or long ranges (over MAX_FILTER_MONTHS) stay in `rest` only.
    """
    conditions = [
        f'meta : "{_word(kind, value)}"'
        for name, kind in _WORD_KINDS.items()
        if (value := getattr(filters, name)) is not None
    ]
    rest = replace(filters, **{name: None for name in _WORD_KINDS})
    first, last = filters.date_from, filters.date_to
    if first is not None and last is not None and first <= last:
        months = _months(first, last)
        if len(months) <= MAX_FILTER_MONTHS:
            conditions.append("meta : (" + " OR ".join(f'"{month}"' for month in months) + ")")
            if first.day == 1 and (last + timedelta(days=1)).day == 1:
                rest = replace(rest, date_from=None, date_to=None)
    return FilterMatch(" AND ".join(conditions), rest)


def _fts5_term(term: Term) -> str:
    if term.kind == "char":
        return f'chars : "{term.tokens[0]}"'
    phrase = " ".join(term.tokens)
    return f'grams : "{phrase}"' + ("*" if term.kind == "prefix" else "")


def fts5_expression(query: ParsedQuery) -> str:
    """The FTS5 MATCH expression of a parsed query (tokens hold no quotes or operators)."""
    positive = " AND ".join(f"({_fts5_term(term)})" for term in query.terms if not term.negated)
    negative = " OR ".join(f"({_fts5_term(term)})" for term in query.terms if term.negated)
    return f"({positive}) NOT ({negative})" if negative else positive


def _score_sql(query: ParsedQuery) -> tuple[str, dict[str, str]]:
    """A BM25-like score in SQL: each term's occurrences in the page, saturating, longer pages damped.

    A term is counted by its longest run (ZF2026-000123 by "000123"), on lower-cased text.
    """
    parts, params = [], {}
    for number, term in enumerate(query.positive):
        params[f"n{number}"] = max(term.runs, key=len)
        tf = f"((length(t) - length(replace(t, :n{number}, ''))) / length(:n{number}))"
        parts.append(f"{tf} * 2.2 / ({tf} + 1.2 * (0.25 + 0.75 * length(t) / {AVERAGE_PAGE_CHARS:.1f}))")
    return " + ".join(parts), params


class SqliteFts5Index(SearchIndex):
    """SQLite: contentless FTS5 finds the matches; the newest RANK_WINDOW of them are ranked.

    FTS5's bm25() needs, for its IDF, every match of every phrase in the whole index — seconds
    for a common word in a million pages. So FTS5 only lists matches (newest first, which it does
    without reading further), and `_score_sql` ranks that window by term frequency.
    """

    def add(self, session: Session | Connection, page_id: int, page_text: str, document: FilterColumns) -> None:
        """Index the text of a page with its document's filter words."""
        session.execute(
            text("INSERT INTO archive_page_fts(rowid, grams, chars, meta) VALUES (:id, :grams, :chars, :meta)"),
            {"id": page_id, **_sqlite_columns(page_text, document)},
        )

    def remove(self, session: Session | Connection, page_id: int, page_text: str, document: FilterColumns) -> None:
        """Remove a page (a contentless table needs the indexed values to delete them)."""
        session.execute(
            text(
                "INSERT INTO archive_page_fts(archive_page_fts, rowid, grams, chars, meta) "
                "VALUES ('delete', :id, :grams, :chars, :meta)"
            ),
            {"id": page_id, **_sqlite_columns(page_text, document)},
        )

    def match(
        self, session: Session, query: ParsedQuery, filters: SearchFilters, *, limit: int, offset: int = 0
    ) -> list[tuple[int, float]]:
        """(page id, score) of matching pages, best first, among the newest RANK_WINDOW matches."""
        ids = self._window(session, fts5_expression(query), filters)
        if not ids:
            return []
        score, params = _score_sql(query)
        sql = (
            f"SELECT id, {score} AS score FROM (SELECT id, lower(text) AS t FROM archive_page "
            f"WHERE id IN ({','.join(map(str, ids))})) ORDER BY score DESC, id DESC LIMIT :limit OFFSET :offset"
        )
        rows = session.execute(text(sql), {**params, "limit": limit, "offset": offset})
        return [(row[0], float(row[1])) for row in rows]

    @staticmethod
    def _window(session: Session, expression: str, filters: SearchFilters) -> list[int]:
        """Ids of the newest RANK_WINDOW matching pages that pass `filters`."""
        selective = filters.person_id is not None or filters.case_no is not None
        if not selective:
            narrowed = filter_match(filters)
            if narrowed.expression:
                expression, filters = f"({expression}) AND {narrowed.expression}", narrowed.rest
        where, params = filter_sql(filters)
        params = {**params, "expr": expression, "window": RANK_WINDOW}
        if selective:
            # Selective: that customer's (or case's) pages first, then which of them match.
            allowed = [
                row[0]
                for row in session.execute(
                    text(
                        "SELECT p.id FROM archive_page p JOIN archive_document d ON d.id = p.document_id "
                        f"WHERE 1 = 1{where} "
                        "ORDER BY p.id DESC LIMIT :most"
                    ),
                    {**params, "most": MAX_CANDIDATES},
                )
            ]
            if not allowed:
                return []
            sql = (
                f"SELECT rowid FROM archive_page_fts WHERE archive_page_fts MATCH :expr "
                f"AND rowid IN ({','.join(map(str, allowed))}) ORDER BY rowid DESC LIMIT :window"
            )
        elif where:
            sql = (
                "SELECT archive_page_fts.rowid FROM archive_page_fts "
                "JOIN archive_page p ON p.id = archive_page_fts.rowid JOIN archive_document d ON d.id = p.document_id "
                f"WHERE archive_page_fts MATCH :expr{where} ORDER BY archive_page_fts.rowid DESC LIMIT :window"
            )
        else:
            sql = (
                "SELECT rowid FROM archive_page_fts WHERE archive_page_fts MATCH :expr "
                "ORDER BY rowid DESC LIMIT :window"
            )
        return [row[0] for row in session.execute(text(sql), params)]


def _sqlite_columns(page_text: str, document: FilterColumns) -> dict[str, str]:
    return {
        "grams": " ".join(index_tokens(page_text)),
        "chars": " ".join(distinct_cjk_chars(page_text)),
        "meta": document_filter_words(document),
    }


def tsvector_literal(page_text: str) -> str:
    """A tsvector literal of the page's tokens with positions, plus its marked single characters."""
    positions: dict[str, list[int]] = defaultdict(list)
    for position, token in enumerate(index_tokens(page_text), start=1):
        positions[token].append(min(position, _PG_MAX_POSITION))
    lexemes = [f"'{token}':{','.join(map(str, sorted(set(places))[:256]))}" for token, places in positions.items()]
    lexemes += [f"'{_PG_CHAR_MARK}{char}'" for char in distinct_cjk_chars(page_text)]
    return " ".join(lexemes)


def _tsquery_term(term: Term) -> str:
    if term.kind == "char":
        body = f"'{_PG_CHAR_MARK}{term.tokens[0]}'"
    else:
        quoted = [f"'{token}'" for token in term.tokens]
        if term.kind == "prefix":
            quoted[-1] += ":*"
        body = "(" + " <-> ".join(quoted) + ")"
    return f"!{body}" if term.negated else body


def tsquery_literal(query: ParsedQuery) -> str:
    """The tsquery literal of a parsed query."""
    return " & ".join(_tsquery_term(term) for term in query.terms)


class PostgresTsvectorIndex(SearchIndex):
    """PostgreSQL: our tokens as a tsvector with a GIN index; the newest RANK_WINDOW matches ranked by ts_rank.

    As on SQLite, ranking every match is what does not scale: a common word is on millions of pages
    at ten million, and ts_rank would read each tsvector. So the newest RANK_WINDOW matches are found
    first — through the GIN index for a rare term (an ID number), by walking the pages newest first
    and testing each for a common one (`choose_route` decides from ANALYZE's statistics) — and only
    they are ranked. With a date range "newest" means the latest captured, so the walk can follow
    the capture-time index inside the range instead of crossing every newer page; with another
    document filter it walks the documents newest first.
    """

    def add(self, session: Session | Connection, page_id: int, page_text: str, document: FilterColumns) -> None:
        """Index the text of a page (filters are joined: GIN finds the matches fast enough)."""
        session.execute(
            text("INSERT INTO archive_page_terms (page_id, terms) VALUES (:id, CAST(:terms AS tsvector))"),
            {"id": page_id, "terms": tsvector_literal(page_text)},
        )

    def remove(self, session: Session | Connection, page_id: int, page_text: str, document: FilterColumns) -> None:
        """Remove a page from the index."""
        session.execute(text("DELETE FROM archive_page_terms WHERE page_id = :id"), {"id": page_id})

    def match(
        self, session: Session, query: ParsedQuery, filters: SearchFilters, *, limit: int, offset: int = 0
    ) -> list[tuple[int, float]]:
        """(page id, score) of matching pages, best first, among the newest RANK_WINDOW matches."""
        sql, values, route = _match_statement(session, query, filters, limit=limit, offset=offset)
        with routed(session, route):
            return [(row[0], float(row[1])) for row in session.execute(text(sql), values)]

    def explain(self, session: Session, query: ParsedQuery, filters: SearchFilters, *, limit: int) -> str:
        """PostgreSQL's plan for `match`, chosen under the same route, with the planner settings that route
        changed: what to read when a search is slow (the plan tests read it too)."""
        sql, values, route = _match_statement(session, query, filters, limit=limit, offset=0)
        with routed(session, route):
            return "\n".join(session.execute(text("EXPLAIN (SETTINGS) " + sql), values).scalars())


def _match_statement(
    session: Session, query: ParsedQuery, filters: SearchFilters, *, limit: int, offset: int
) -> tuple[str, dict[str, object], str]:
    """The SQL of `match`, its parameters and its route: "gin", "walk" or "planner" (see `search_route`)."""
    where, params = filter_sql(filters)
    joins = " JOIN archive_page p ON p.id = t.page_id JOIN archive_document d ON d.id = p.document_id"
    newest, route = "t.page_id DESC", _route(session, query)
    dated = filters.date_from is not None or filters.date_to is not None
    if route == "gin":
        # `+ 0`: no index gives this order, so the planner cannot walk for it; GIN finds the few matches.
        # Inside a date range the latest captured, as on the walk: a late import of an old document has
        # the newest ids but not the newest capture time.
        newest = "d.captured_at + interval '0 s' DESC, t.page_id DESC" if dated else "t.page_id + 0 DESC"
    elif dated:
        newest = "d.captured_at DESC, t.page_id DESC"
    elif where:
        # newest documents first: the walk tests the (small) document rows against the filter
        # before it reads any page of them (a page's id and its document's grow together)
        newest = "d.id DESC, t.page_id DESC"
    sql = (
        "SELECT w.page_id, ts_rank(w.terms, CAST(:expr AS tsquery)) AS score FROM ("
        f"SELECT t.page_id, t.terms FROM archive_page_terms t{joins if where else ''} "
        f"WHERE t.terms @@ CAST(:expr AS tsquery){where} ORDER BY {newest} LIMIT :window"
        ") w ORDER BY score DESC, w.page_id DESC LIMIT :limit OFFSET :offset"
    )
    values = {"expr": tsquery_literal(query), "window": RANK_WINDOW, "limit": limit, "offset": offset, **params}
    return sql, values, route


def _lexemes(term: Term) -> list[str]:
    return [f"{_PG_CHAR_MARK}{term.tokens[0]}"] if term.kind == "char" else list(term.tokens)


def _route(session: Session, query: ParsedQuery) -> str:
    """How `match` finds the newest matches: "gin", "walk" or "planner" (see `search_route.choose_route`)."""
    lexemes = [
        lexeme for term in query.terms if not term.negated and term.kind != "prefix" for lexeme in _lexemes(term)
    ]
    if not lexemes:
        return "planner"  # a prefix term `:*` may stand for common words or rare ones; a negated one says nothing
    return route_for(session, lexemes)


def index_for(bind: Session | Connection | Engine) -> SearchIndex:
    """The index implementation for the session's or engine's database."""
    dialect = bind.dialect.name if isinstance(bind, (Connection, Engine)) else bind.get_bind().dialect.name
    return PostgresTsvectorIndex() if dialect == "postgresql" else SqliteFts5Index()


def rebuild(session: Session | Connection) -> int:
    """Re-index every page from its stored text and its document (after a change of tokenisation
    rules or of the index layout); returns pages. Works in the caller's transaction."""
    index = index_for(session)
    if isinstance(index, SqliteFts5Index):
        session.execute(text("INSERT INTO archive_page_fts(archive_page_fts) VALUES ('delete-all')"))
    else:
        session.execute(text("DELETE FROM archive_page_terms"))
    count, after = 0, 0
    while True:
        # Keyset batches: a million page texts never sit in memory at once.
        rows = session.execute(
            select(
                col(ArchivePage.id),
                col(ArchivePage.text),
                col(ArchiveDocument.doc_type),
                col(ArchiveDocument.captured_by),
                col(ArchiveDocument.material_code),
                col(ArchiveDocument.captured_at),
            )
            .join(ArchiveDocument, col(ArchiveDocument.id) == ArchivePage.document_id)
            .where(col(ArchivePage.id) > after)
            .order_by(col(ArchivePage.id))
            .limit(REBUILD_BATCH)
        ).all()
        for row in rows:
            index.add(session, row.id, row.text, row)
        count, after = count + len(rows), rows[-1].id if rows else after
        if len(rows) < REBUILD_BATCH:
            return count


def upgrade_layout(connection: Connection) -> int | None:
    """On SQLite, replace an FTS table without the `meta` column by the current layout and re-index
    every page; returns the pages re-indexed, or None when nothing needed doing.

    The driver commits DROP/CREATE at once while the re-index is one transaction, so a crash can
    leave the new table empty: an empty index beside stored pages is re-indexed here as well.
    """
    if connection.dialect.name != "sqlite":
        return None
    columns = [row[1] for row in connection.execute(text("PRAGMA table_info(archive_page_fts)"))]
    if not columns:
        return None
    if "meta" not in columns:
        connection.execute(text("DROP TABLE archive_page_fts"))
        connection.execute(text(_SQLITE_DDL))
    elif (
        connection.execute(text("SELECT 1 FROM archive_page_fts_docsize LIMIT 1")).first() is not None
        or connection.execute(text("SELECT 1 FROM archive_page LIMIT 1")).first() is None
    ):
        return None
    return rebuild(connection)


@event.listens_for(SQLModel.metadata, "after_create")
def _upgrade_after_create(_metadata: object, connection: Connection, **_kw: object) -> None:
    # init_db ends here on every start, so an older archive is upgraded before it is used.
    upgrade_layout(connection)
