"""Slow down password guessing: failed logins per username and per client address.

- Per username: after a few free failures, the account must wait before its next try, a wait that
  doubles with each further failure and is capped at seconds (a clerk who mistyped is back in
  within a minute, a guesser of one account gets a few tries a minute).
- Per address: a whole counter hall shares one address behind NAT, so the address never refuses
  anyone. After its free failures each further *wrong* password from it is answered only after a
  delay that grows the same way (capped): a guesser going through the accounts is slowed, while
  another clerk's right password from the same address is let in at once.

The counters live in the database, so restarting the server or running several servers does not
reset them; a key forgets its failures after a quiet period, and a successful login clears the
username's counter (never the address's, or one valid account would wipe the slow-down of a
guesser working from the same place).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, select

from desk.security.staff import normalize_username


class LoginFailure(SQLModel, table=True):
    """Failed logins of one key (`user:<name>` or `ip:<address>`); times are UTC."""

    __tablename__ = "login_failure"

    key: str = Field(primary_key=True, max_length=120)
    failures: int = 0
    last_failure_at: datetime | None = None
    blocked_until: datetime | None = None


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free and how the waits grow."""

    free_failures_per_user: int = 3
    # a counter hall shares one address behind NAT, so the address gets more slack than one name
    free_failures_per_address: int = 10
    first_delay_s: float = 2.0
    max_delay_s: float = 60.0  # an account's wait: seconds, never a lockout
    first_answer_delay_s: float = 1.0
    max_answer_delay_s: float = 10.0  # how long a wrong password from a busy address waits for its answer
    forget_after_s: float = 3600.0


@dataclass(frozen=True)
class Penalty:
    """What one failed login costs: the account's wait before its next try, and the delay of this answer."""

    account_wait_s: float = 0.0
    answer_delay_s: float = 0.0


DEFAULT_POLICY = ThrottlePolicy()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    """(key, kind) pairs for a login attempt."""
    keys = [(f"user:{normalize_username(username)}"[:120], "user")]
    if address:
        keys.append((f"ip:{address}"[:120], "address"))
    return keys


def _free_failures(kind: str, policy: ThrottlePolicy) -> int:
    return policy.free_failures_per_user if kind == "user" else policy.free_failures_per_address


def _delay_s(failures: int, kind: str, policy: ThrottlePolicy) -> float:
    """The delay after the `failures`-th failure of a key: none while free, then doubling up to the cap."""
    over = failures - _free_failures(kind, policy)
    if over <= 0:
        return 0.0
    first, cap = (
        (policy.first_delay_s, policy.max_delay_s)
        if kind == "user"
        else (policy.first_answer_delay_s, policy.max_answer_delay_s)
    )
    return min(first * 2 ** min(over - 1, 30), cap)


def _locked_row(session: Session, key: str) -> LoginFailure:
    """The row of `key`, created if missing, locked for update where the database supports it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # insert-or-ignore: two servers failing the same key at once must not collide on the primary key
    session.execute(insert(LoginFailure).values(key=key, failures=0).on_conflict_do_nothing(index_elements=["key"]))
    return session.exec(select(LoginFailure).where(LoginFailure.key == key).with_for_update()).one()


def retry_after(session: Session, *, username: str, address: str | None, now: datetime | None = None) -> float:
    """Seconds before this username may try again; 0 when a try is allowed now.

    The address never blocks a try (see the module's docstring); it is accepted for symmetry with
    `record_failure`.
    """
    del address
    now = now or _utcnow()
    key, _kind = _keys(username, None)[0]
    row = session.get(LoginFailure, key)
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        return (row.blocked_until - now).total_seconds()
    return 0.0


def record_failure(
    session: Session,
    *,
    username: str,
    address: str | None,
    now: datetime | None = None,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> Penalty:
    """Count one failed login against the username and the address; returns what it costs."""
    now = now or _utcnow()
    delays = {"user": 0.0, "address": 0.0}
    for key, kind in _keys(username, address):
        row = _locked_row(session, key)
        quiet = row.last_failure_at is None or now - row.last_failure_at > timedelta(seconds=policy.forget_after_s)
        row.failures = 1 if quiet else row.failures + 1
        row.last_failure_at = now
        delays[kind] = _delay_s(row.failures, kind, policy)
        # only an account waits between tries; an address only answers its wrong passwords slowly
        row.blocked_until = now + timedelta(seconds=delays[kind]) if kind == "user" and delays[kind] else None
        session.add(row)
    session.flush()
    return Penalty(account_wait_s=delays["user"], answer_delay_s=delays["address"])


def record_success(session: Session, *, username: str) -> None:
    """Clear the username's failures after a correct password."""
    key, _kind = _keys(username, None)[0]
    row = session.get(LoginFailure, key)
    if row is not None:
        session.delete(row)
        session.flush()
