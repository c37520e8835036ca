"""Failed logins slow down per username and per address, in the database, on SQLite and PostgreSQL.

An account waits (seconds, capped) after its free failures; an address is never refused (a hall
shares one address behind NAT), its wrong passwords are only answered more and more slowly.
"""

from datetime import UTC, datetime, timedelta

from desk.db import session_scope
from desk.security.login import attempt_login
from desk.security.login_throttle import Penalty, ThrottlePolicy, record_failure, retry_after
from desk.security.staff import add_staff

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(
    free_failures_per_user=3,
    free_failures_per_address=5,
    first_delay_s=2,
    max_delay_s=60,
    first_answer_delay_s=1,
    max_answer_delay_s=8,
    forget_after_s=600,
)


def _attempt(engine, password, *, at, username="clerk1", address="10.0.0.7"):
    with session_scope(engine) as session:
        return attempt_login(session, username=username, password=password, address=address, now=at, policy=POLICY)


def _make_clerk(engine, username="clerk1"):
    with session_scope(engine) as session:
        add_staff(session, username=username, display_name="王丽", role="clerk", password="Window1234")


def test_delay_doubles_after_free_failures_and_blocks_even_the_right_password(engine):
    _make_clerk(engine)
    for i in range(3):
        assert _attempt(engine, "wrong", at=T0 + timedelta(seconds=i)).message_key == "login.bad_credentials"
    fourth = _attempt(engine, "wrong", at=T0 + timedelta(seconds=3))
    assert (fourth.message_key, fourth.params) == ("login.locked", {"seconds": 2})
    blocked = _attempt(engine, "Window1234", at=T0 + timedelta(seconds=4))
    assert blocked.staff is None and blocked.message_key == "login.locked"
    fifth = _attempt(engine, "wrong", at=T0 + timedelta(seconds=6))
    assert fifth.params == {"seconds": 4}
    sixth = _attempt(engine, "wrong", at=T0 + timedelta(seconds=11))
    assert sixth.params == {"seconds": 8}
    ok = _attempt(engine, "Window1234", at=T0 + timedelta(seconds=20))
    assert ok.staff is not None and ok.staff.username == "clerk1"
    # success clears the username's counter (not the address's): from elsewhere the next mistake is free
    again = _attempt(engine, "wrong", address="10.0.0.9", at=T0 + timedelta(seconds=21))
    assert again.message_key == "login.bad_credentials"


def test_delay_is_capped_and_forgotten_after_a_quiet_period(engine):
    at = T0
    with session_scope(engine) as session:
        for _ in range(12):
            wait = record_failure(session, username="x", address=None, now=at, policy=POLICY).account_wait_s
            at += timedelta(seconds=wait + 1)
    assert wait == 60
    later = at + timedelta(seconds=601)
    with session_scope(engine) as session:
        assert retry_after(session, username="x", address=None, now=later) == 0
        assert record_failure(session, username="x", address=None, now=later, policy=POLICY) == Penalty()


def test_one_address_guessing_many_usernames_is_slowed_down(engine):
    results = [_attempt(engine, "guess", username=f"user{i}", at=T0 + timedelta(seconds=i)) for i in range(10)]
    assert [r.message_key for r in results] == ["login.bad_credentials"] * 10  # no account had its own 3 tries
    assert [r.delay_s for r in results] == [0, 0, 0, 0, 0, 1, 2, 4, 8, 8]  # growing, capped at seconds
    other_place = _attempt(engine, "guess", username="user9", address="10.0.0.8", at=T0 + timedelta(seconds=11))
    assert (other_place.message_key, other_place.delay_s) == ("login.bad_credentials", 0)


def test_a_hall_behind_one_address_keeps_logging_in_while_one_clerk_mistypes(engine):
    """Finding 5 of issue #10: the per-address lockout refused every clerk of a hall behind NAT."""
    for name in ("clerk1", "clerk2", "clerk3"):
        _make_clerk(engine, name)
    at = T0
    for _ in range(12):  # clerk1 keeps mistyping, far past the address's free failures
        at += timedelta(seconds=61)  # each time after clerk1's own wait is over
        assert _attempt(engine, "wrong", at=at).staff is None
    for name in ("clerk2", "clerk3"):
        at += timedelta(seconds=1)
        ok = _attempt(engine, "Window1234", username=name, at=at)
        assert ok.staff is not None and ok.staff.username == name and ok.delay_s == 0  # in at once
    at += timedelta(seconds=1)
    guess = _attempt(engine, "guess", username="clerk3", at=at)  # a guesser in the same hall is slowed
    assert guess.message_key == "login.bad_credentials" and guess.delay_s == 8
    mistyper = _attempt(engine, "Window1234", at=at + timedelta(seconds=61))
    assert mistyper.staff is not None  # the clerk who mistyped is not locked out either


def test_an_accounts_wait_is_seconds_not_a_lockout(engine):
    from desk.security.login_throttle import DEFAULT_POLICY

    assert DEFAULT_POLICY.max_delay_s <= 60 and DEFAULT_POLICY.max_answer_delay_s <= 10
    at = T0
    with session_scope(engine) as session:
        for _ in range(40):
            penalty = record_failure(session, username="clerk1", address="10.0.0.7", now=at)
            at += timedelta(seconds=penalty.account_wait_s)
        assert penalty == Penalty(
            account_wait_s=DEFAULT_POLICY.max_delay_s, answer_delay_s=DEFAULT_POLICY.max_answer_delay_s
        )
        assert retry_after(session, username="clerk2", address="10.0.0.7", now=at) == 0


def test_counters_survive_a_new_engine(engine, db_url):
    from desk.db import make_engine

    _make_clerk(engine)
    for i in range(4):
        _attempt(engine, "wrong", at=T0 + timedelta(seconds=i))
    fresh = make_engine(db_url)  # what a restarted server would open
    try:
        with session_scope(fresh) as session:
            assert retry_after(session, username="CLERK1", address=None, now=T0 + timedelta(seconds=4)) > 0
    finally:
        fresh.dispose()


def test_empty_fields_are_refused_without_counting(engine):
    assert _attempt(engine, "", at=T0).message_key == "login.empty"
    with session_scope(engine) as session:
        assert retry_after(session, username="clerk1", address="10.0.0.7", now=T0) == 0
