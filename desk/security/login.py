"""One login attempt: the throttle first, then the password, then the counters.

The UI calls `attempt_login` and shows `message_key`; it never learns whether the username or
the password was wrong (both read "wrong username or password").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from desk.security import login_throttle
from desk.security.staff import Staff, authenticate


@dataclass(frozen=True)
class LoginResult:
    """The account on success; otherwise the i18n key (and parameters) of why not, and how long
    the caller waits before showing it (a busy address's wrong passwords are answered slowly)."""

    staff: Staff | None
    message_key: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    delay_s: float = 0.0


def attempt_login(
    session: Session,
    *,
    username: str,
    password: str,
    address: str | None,
    now: datetime | None = None,
    policy: login_throttle.ThrottlePolicy = login_throttle.DEFAULT_POLICY,
) -> LoginResult:
    """Check one username and password from `address`, counting failures and honouring the account's wait."""
    if not username.strip() or not password:
        return LoginResult(None, "login.empty")
    wait = login_throttle.retry_after(session, username=username, address=address, now=now)
    if wait > 0:
        return LoginResult(None, "login.locked", {"seconds": math.ceil(wait)})
    staff = authenticate(session, username=username, password=password)
    if staff is None:
        penalty = login_throttle.record_failure(session, username=username, address=address, now=now, policy=policy)
        if penalty.account_wait_s > 0:
            return LoginResult(
                None, "login.locked", {"seconds": math.ceil(penalty.account_wait_s)}, penalty.answer_delay_s
            )
        return LoginResult(None, "login.bad_credentials", delay_s=penalty.answer_delay_s)
    login_throttle.record_success(session, username=username)
    return LoginResult(staff)
