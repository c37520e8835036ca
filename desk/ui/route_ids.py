"""Ids taken from URL paths, parsed into bounded values before anything reaches the database.

A path segment is text: `2**70` would overflow SQLite's 64-bit integers (OverflowError) and
PostgreSQL's 32-bit `integer` columns (DataError), `abc` would make FastAPI answer 422. Every route
with an id parses it here and answers 404 when it is malformed or out of range.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # the primary keys are `integer` on PostgreSQL (and fit SQLite's 64 bits)
CASE_NO = re.compile(r"[A-Z]{1,8}\d{4}-\d{6,7}")  # desk.cases.numbering: DL2026-000123 (column holds 20)


def parse_id(text: str) -> int | None:
    """A database id: ASCII digits only (no sign, exponent or other scripts' digits), 1 ≤ id ≤ MAX_ID."""
    if not (0 < len(text) <= 10 and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def parse_case_no(text: str) -> str | None:
    """A case number of the form desk.cases.numbering writes, else None."""
    return text if CASE_NO.fullmatch(text) else None
