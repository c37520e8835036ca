"""How a PostgreSQL search finds the newest pages that match (`search_index.PostgresTsvectorIndex`):
by walking the pages (or a filter's documents) newest first and testing each, or through the GIN
index — chosen from ANALYZE's share of pages each word is on, which is read once every few minutes
per database rather than on every search."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from threading import Lock
from time import monotonic

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

RANK_WINDOW = 500  # both engines rank the newest this many matches
STATS_TTL_S = 300.0  # ANALYZE's shares move slowly; a route five minutes stale costs nothing


@dataclass(frozen=True)
class LexemeStats:
    """ANALYZE's figures for `archive_page_terms.terms`: pages, and the share of them each common lexeme is on."""

    pages: float
    shares: dict[str, float]


_cache: dict[str, tuple[float, LexemeStats]] = {}
_cache_lock = Lock()


def route_for(session: Session, lexemes: list[str]) -> str:
    """ "gin", "walk" or "planner" (the archive was never analysed) for a query whose every match holds
    each of `lexemes`."""
    stats = lexeme_stats(session)
    if stats is None:
        return "planner"  # a new archive: the planner's own guess is all there is
    return choose_route([stats.shares.get(lexeme) for lexeme in lexemes], stats.pages)


def lexeme_stats(session: Session) -> LexemeStats | None:
    """ANALYZE's figures for the session's database, at most STATS_TTL_S old; None before the first ANALYZE."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = engine.url.render_as_string(hide_password=True)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and monotonic() - cached[0] < STATS_TTL_S:
        return cached[1]
    row = session.execute(
        text(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_stats s, pg_class c WHERE s.schemaname = current_schema() "
            "AND s.tablename = 'archive_page_terms' AND s.attname = 'terms' "
            "AND c.oid = 'archive_page_terms'::regclass"
        )
    ).first()
    if row is None or row[0] is None:
        return None  # not cached: the first ANALYZE is taken up at once
    elems, freqs, pages = row
    stats = LexemeStats(float(pages), dict(zip(elems, freqs, strict=False)))  # freqs end with min, max, nulls
    with _cache_lock:
        _cache[key] = (monotonic(), stats)
    return stats


def choose_route(frequencies: list[float | None], pages: float, window: int = RANK_WINDOW) -> str:
    """ "walk" or "gin", from the share of pages each lexeme a match must hold is on (None: too few
    to be on ANALYZE's list of common lexemes) and the pages in the archive.

    The rarest lexeme bounds both ways: walking the pages newest first tests about `window / f` of
    them before it has `window` matches, and GIN fetches at most `pages * f` and sorts them. So the
    walk pays while f ≥ √(window / pages): 2.2% of a million pages, 0.7% of ten million. An ID number
    is on a few pages: walking for it crossed all ten million (minutes), GIN finds it at once. The
    planner itself multiplies the shares of a phrase's words and rates 还款计划 (each word on a fifth
    of the pages, all on the same ones) as rare: at a million pages it fetched 177,547 pages from GIN
    and sorted them (894 ms) where walking tests 2,730 in 7 ms.
    """
    rarest = min((share or 0.0) for share in frequencies)
    return "walk" if pages > 0 and rarest >= math.sqrt(window / pages) else "gin"


# The walk: ordered index scans joined by nested loops, one process. Left to itself the planner took
# a type filter's newest documents (one in eight) by merge-joining every page newest first (22,694
# pages for 2,834 candidates at ten million, 113-134 ms; 55-78 ms by nested loop), and split walks
# over parallel workers whose start-up and merge cost more than the walk (a staff filter at a
# million pages: 96 ms with two workers, 46 ms without).
_WALK_SETTINGS = (
    "enable_bitmapscan",
    "enable_seqscan",
    "enable_mergejoin",
    "enable_hashjoin",
    "max_parallel_workers_per_gather",
)


@contextmanager
def routed(session: Session, route: str) -> Iterator[None]:
    """On the "walk" route the statements inside walk their indexes in order (`_WALK_SETTINGS`),
    whatever the planner guesses of the query's words (see `choose_route`)."""
    if route != "walk":
        yield
        return
    off = {name: "0" if name.startswith("max_") else "off" for name in _WALK_SETTINGS}
    session.execute(text("; ".join(f"SET LOCAL {name} = {value}" for name, value in off.items())))
    yield
    # not in `finally`: a failed statement aborts the transaction, whose end undoes SET LOCAL anyway
    session.execute(text("; ".join(f"RESET {name}" for name in _WALK_SETTINGS)))
