"""What an archivist types -> a safe, engine-neutral query. Never raises on any input.

Rules: words separated by spaces must all occur (AND); "quoted text" (also “…” and 「…」) is a
phrase; a word starting with `-` must not occur; a trailing `*` on a letter/digit word matches any
word it starts (2102*). A word written without spaces (住房公积金, ZF2026-000123) is a phrase of its
tokens. Everything else — operators, brackets, emoji, punctuation — is treated as a separator, so
no character reaches the database's own query language. When nothing searchable is left, the
result carries a message key instead of terms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from desk.archive.text_tokens import is_cjk_run, normalize_text, run_tokens, runs

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}


@dataclass(frozen=True)
class Term:
    """One condition: `kind` is "phrase" (consecutive tokens), "char" (one CJK character) or
    "prefix" (a phrase whose last token is a word prefix)."""

    kind: str
    tokens: tuple[str, ...]
    runs: tuple[str, ...]  # the text runs the tokens came from, for highlighting
    negated: bool = False

    def pattern(self) -> re.Pattern[str]:
        """A case-insensitive regex that finds this term in normalised page text."""
        parts = [re.escape(run) for run in self.runs]
        body = r"[\W_]*".join(parts) + (r"\w*" if self.kind == "prefix" else "")
        return re.compile(body, re.IGNORECASE)


@dataclass(frozen=True)
class ParsedQuery:
    """The terms of a query, or `problem` (a message key in desk/i18n/archive.toml)."""

    terms: tuple[Term, ...] = ()
    problem: str | None = None
    notes: tuple[str, ...] = field(default=())  # message keys: the query was shortened, …

    @property
    def positive(self) -> tuple[Term, ...]:
        """The terms that must occur."""
        return tuple(term for term in self.terms if not term.negated)


def _chunks(query: str) -> list[tuple[str, bool]]:
    """(text, quoted) pieces: quoted phrases and space-separated words; an open quote runs to the end."""
    chunks: list[tuple[str, bool]] = []
    i = 0
    word: list[str] = []
    while i < len(query):
        char = query[i]
        if char in _QUOTES:
            if word:
                chunks.append(("".join(word), False))
                word = []
            end = query.find(_QUOTES[char], i + 1)
            end = len(query) if end < 0 else end
            chunks.append((query[i + 1 : end], True))
            i = end + 1
            continue
        if char.isspace():
            if word:
                chunks.append(("".join(word), False))
                word = []
        else:
            word.append(char)
        i += 1
    if word:
        chunks.append(("".join(word), False))
    return chunks


def _term(text: str, quoted: bool) -> Term | None:
    negated = not quoted and text.startswith("-") and len(text) > 1
    prefix = not quoted and text.endswith("*")
    found = runs(text)
    if not found:
        return None
    tokens = tuple(token for run in found for token in run_tokens(run))
    if len(found) == 1 and len(found[0]) == 1 and is_cjk_run(found[0]):
        return Term("char", tokens, tuple(found), negated)
    kind = "prefix" if prefix and not is_cjk_run(found[-1]) else "phrase"
    return Term(kind, tokens, tuple(found), negated)


def parse_query(query: object) -> ParsedQuery:
    """Parse anything (None, a number, a long string, control characters …) into a ParsedQuery."""
    text = normalize_text("".join(ch for ch in str(query or "") if unicodedata.category(ch)[0] != "C" or ch == " "))
    notes: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append("archive.search.note_shortened")
    terms: list[Term] = []
    for chunk, quoted in _chunks(text):
        term = _term(chunk, quoted)
        if term is not None and term not in terms:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        terms = terms[:MAX_TERMS]
        notes.append("archive.search.note_too_many_terms")
    if not terms:
        return ParsedQuery(problem="archive.search.nothing_to_search", notes=tuple(notes))
    if not any(not term.negated for term in terms):
        return ParsedQuery(problem="archive.search.only_excluded", notes=tuple(notes))
    return ParsedQuery(tuple(terms), notes=tuple(notes))
