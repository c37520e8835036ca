"""Registry access: one small interface per source (公安, 民政, 不动产, 人行征信, 人社, …).

Every source answers `query(session, person_id, kind)` with a `RegistryAnswer` whose status is
`proven` (the source holds facts of that kind), `not_proven` (it answered and holds none) or
`unknown` (down, unreachable or too slow). A source that cannot answer never yields `proven`.

The embedded default, `LocalRegistrySource`, reads the `registry_fact` table. A source is marked
down by listing its code in the `DESK_REGISTRY_UNAVAILABLE` environment variable (comma
separated, or `all`) or by passing `unavailable=` to `default_directory`. Which sources exist,
the kinds each answers for and their timeouts are data: `registry_sources.toml`.
"""

from __future__ import annotations

import os
import time
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from desk.records.tables import RegistryFact

PROVEN = "proven"
NOT_PROVEN = "not_proven"
UNKNOWN = "unknown"
UNAVAILABLE_ENV = "DESK_REGISTRY_UNAVAILABLE"
CONFIG_PATH = Path(__file__).with_name("registry_sources.toml")


@dataclass(frozen=True)
class FactView:
    """One registry fact, detached from the database."""

    id: int
    kind: str
    source: str
    as_of: datetime
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "kind": self.kind,
            "source": self.source,
            "as_of": self.as_of.isoformat(),
            "payload": self.payload,
        }


@dataclass(frozen=True)
class RegistryAnswer:
    """What one source said about one person: status, the facts (newest first), source and as-of time.

    `as_of` is the newest fact's time when proven, else the time the source was asked;
    `reason_key` says why an answer is `unknown` (a message key).
    """

    kind: str | None
    source: str
    status: str
    facts: tuple[FactView, ...] = ()
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))
    reason_key: str | None = None

    @property
    def proven(self) -> bool:
        """True when the source holds facts of the kind asked."""
        return self.status == PROVEN

    def get(self, key: str, default: Any = None) -> Any:
        """A payload value of the newest fact, or `default` when not proven or absent."""
        if not self.proven:
            return default
        return self.facts[0].payload.get(key, default)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "source": self.source,
            "status": self.status,
            "as_of": self.as_of.isoformat(),
            "reason_key": self.reason_key,
            "facts": [f.to_json() for f in self.facts],
        }


class RegistrySource(ABC):
    """One external authority. Subclasses implement `fetch`; `query` adds availability and timeouts."""

    def __init__(self, code: str, kinds: Sequence[str], *, timeout_s: float = 2.0, available: bool = True) -> None:
        self.code = code
        self.kinds = tuple(kinds)
        self.timeout_s = timeout_s
        self.available = available

    def query(self, session: Session, person_id: int, kind: str | None = None) -> RegistryAnswer:
        """Ask about `person_id` (all of this source's kinds when `kind` is None); never raises for outages."""
        if kind is not None and kind not in self.kinds:
            raise ValueError(f"source {self.code} does not answer for {kind!r}")
        kinds = (kind,) if kind else self.kinds
        if not self.available:
            return self._unknown(kind, "records.registry.unavailable")
        started = time.perf_counter()
        try:
            facts = self.fetch(session, person_id, kinds)
        except TimeoutError:
            return self._unknown(kind, "records.registry.timeout")
        except OSError:  # connection refused, reset, DNS…: the source is unreachable
            return self._unknown(kind, "records.registry.unreachable")
        if time.perf_counter() - started > self.timeout_s:
            # A late answer is discarded, as a client that gave up waiting would never see it.
            return self._unknown(kind, "records.registry.timeout")
        if not facts:
            return RegistryAnswer(kind, self.code, NOT_PROVEN)
        ordered = tuple(sorted(facts, key=lambda f: f.as_of, reverse=True))
        return RegistryAnswer(kind, self.code, PROVEN, ordered, ordered[0].as_of)

    def _unknown(self, kind: str | None, reason_key: str) -> RegistryAnswer:
        return RegistryAnswer(kind, self.code, UNKNOWN, reason_key=reason_key)

    @abstractmethod
    def fetch(self, session: Session, person_id: int, kinds: tuple[str, ...]) -> list[FactView]:
        """The facts of `kinds` this source holds about `person_id` (may raise TimeoutError or OSError)."""


# Every fact of one person: a handful of rows, filtered per source in memory.
_FACTS_OF_PERSON = select(
    col(RegistryFact.id),
    col(RegistryFact.kind),
    col(RegistryFact.source),
    col(RegistryFact.as_of),
    col(RegistryFact.payload),
).where(col(RegistryFact.person_id) == bindparam("person_id"))


class LocalFactStore:
    """The local `registry_fact` table. Inside `prefetch(...)` one query serves every local source,
    so a full profile costs one round trip instead of one per source."""

    def __init__(self) -> None:
        self._prefetched: dict[int, list[FactView]] = {}

    @contextmanager
    def prefetch(self, session: Session, person_id: int) -> Iterator[None]:
        """Read all of `person_id`'s facts once for the sources asked inside the block."""
        self._prefetched[person_id] = self._read(session, person_id)
        try:
            yield
        finally:
            self._prefetched.pop(person_id, None)

    def facts(self, session: Session, person_id: int, source: str, kinds: tuple[str, ...]) -> list[FactView]:
        """`person_id`'s facts of `kinds` from `source`."""
        rows = self._prefetched.get(person_id)
        if rows is None:
            rows = self._read(session, person_id)
        return [fact for fact in rows if fact.source == source and fact.kind in kinds]

    @staticmethod
    def _read(session: Session, person_id: int) -> list[FactView]:
        rows = session.execute(_FACTS_OF_PERSON, {"person_id": person_id})
        return [FactView(row.id, row.kind, row.source, row.as_of, dict(row.payload)) for row in rows]


class LocalRegistrySource(RegistrySource):
    """The embedded default: reads the facts synchronised into the local `registry_fact` table."""

    def __init__(
        self,
        code: str,
        kinds: Sequence[str],
        *,
        store: LocalFactStore | None = None,
        timeout_s: float = 2.0,
        available: bool = True,
    ) -> None:
        super().__init__(code, kinds, timeout_s=timeout_s, available=available)
        self.store = store or LocalFactStore()

    def fetch(self, session: Session, person_id: int, kinds: tuple[str, ...]) -> list[FactView]:
        """Facts of `kinds` about `person_id` stored locally for this source."""
        return self.store.facts(session, person_id, self.code, kinds)


@dataclass
class RegistryDirectory:
    """All sources, found by kind; `store` (when the sources are local) batches `ask_all`."""

    sources: dict[str, RegistrySource]
    store: LocalFactStore | None = None

    def kinds(self) -> list[str]:
        """Every kind of fact some source answers for, in configuration order."""
        return [kind for source in self.sources.values() for kind in source.kinds]

    def for_kind(self, kind: str) -> RegistrySource:
        """The source that answers for `kind`."""
        for source in self.sources.values():
            if kind in source.kinds:
                return source
        raise KeyError(kind)

    def ask(self, session: Session, person_id: int, kind: str) -> RegistryAnswer:
        """The answer of the source of `kind` about `person_id`."""
        return self.for_kind(kind).query(session, person_id, kind)

    def ask_all(self, session: Session, person_id: int) -> list[RegistryAnswer]:
        """One answer per kind, for every kind, in configuration order."""
        with self.store.prefetch(session, person_id) if self.store else nullcontext():
            return [self.ask(session, person_id, kind) for kind in self.kinds()]


@lru_cache(maxsize=1)
def source_config() -> dict[str, dict[str, Any]]:
    """The sources of `registry_sources.toml`: code -> {kinds, materials, timeout_s}."""
    return tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))["sources"]


@lru_cache(maxsize=64)
def source_of_kind(kind: str) -> str:
    """The code of the source that answers for `kind` (used when facts are written)."""
    for code, conf in source_config().items():
        if kind in conf["kinds"]:
            return code
    raise KeyError(kind)


def unavailable_from_env() -> set[str]:
    """Source codes marked down in DESK_REGISTRY_UNAVAILABLE (`all` marks every source)."""
    listed = {part.strip() for part in os.environ.get(UNAVAILABLE_ENV, "").split(",") if part.strip()}
    return set(source_config()) if "all" in listed else listed


def default_directory(unavailable: Iterable[str] | None = None) -> RegistryDirectory:
    """Local sources for every configured registry; those in `unavailable` (default: the env) are down."""
    down = set(unavailable) if unavailable is not None else unavailable_from_env()
    store = LocalFactStore()
    sources: dict[str, RegistrySource] = {
        code: LocalRegistrySource(
            code, conf["kinds"], store=store, timeout_s=float(conf["timeout_s"]), available=code not in down
        )
        for code, conf in source_config().items()
    }
    return RegistryDirectory(sources, store)
