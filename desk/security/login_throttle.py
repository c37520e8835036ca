"""Slow down password guessing: failed logins per username and per client address.

After a few free failures every further failure locks the key for a delay that doubles each time
(capped). The counters live in the database, so restarting the server or running several servers
does not reset them; a key forgets its failures after a quiet period, and a successful login
clears the username's counter (never the address's, or one valid account would unlock guessing
at all the others from the same place).
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
    """How many failures are free and how the lockout grows."""

    free_failures_per_user: int = 3
    # a counter hall shares one address behind NAT, so the address gets more slack than one name
    free_failures_per_address: int = 10
    first_delay_s: float = 2.0
    max_delay_s: float = 900.0
    forget_after_s: float = 3600.0


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


def _delay_s(failures: int, free: int, policy: ThrottlePolicy) -> float:
    """The lockout after the `failures`-th failure: none while free, then doubling up to the cap."""
    over = failures - free
    if over <= 0:
        return 0.0
    return min(policy.first_delay_s * 2 ** min(over - 1, 30), policy.max_delay_s)


def _locked_row(session: Session, key: str) -> LoginFailure:
    """The row of `key`, created if missing, locked for update where the database supports it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # insert-or-ignore: two servers failing the same key at once must not collide on the primary key
    session.execute(insert(LoginFailure).values(key=key, failures=0).on_conflict_do_nothing(index_elements=["key"]))
    return session.exec(select(LoginFailure).where(LoginFailure.key == key).with_for_update()).one()


def retry_after(
    session: Session, *, username: str, address: str | None, now: datetime | None = None
) -> float:
    """Seconds before this username (from this address) may try again; 0 when a try is allowed now."""
    now = now or _utcnow()
    wait = 0.0
    for key, _kind in _keys(username, address):
        row = session.get(LoginFailure, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            wait = max(wait, (row.blocked_until - now).total_seconds())
    return wait


def record_failure(
    session: Session,
    *,
    username: str,
    address: str | None,
    now: datetime | None = None,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> float:
    """Count one failed login; returns the seconds the username (or address) is now locked for."""
    now = now or _utcnow()
    wait = 0.0
    for key, kind in _keys(username, address):
        row = _locked_row(session, key)
        quiet = row.last_failure_at is None or now - row.last_failure_at > timedelta(seconds=policy.forget_after_s)
        row.failures = 1 if quiet else row.failures + 1
        row.last_failure_at = now
        delay = _delay_s(row.failures, _free_failures(kind, policy), policy)
        row.blocked_until = now + timedelta(seconds=delay) if delay else None
        session.add(row)
        wait = max(wait, delay)
    session.flush()
    return wait


def record_success(session: Session, *, username: str) -> None:
    """Clear the username's failures after a correct password."""
    key, _kind = _keys(username, None)[0]
    row = session.get(LoginFailure, key)
    if row is not None:
        session.delete(row)
        session.flush()
