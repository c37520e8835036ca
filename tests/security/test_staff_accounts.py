"""Staff accounts, argon2 hashing, demo accounts and the `desk staff` command, on SQLite and PostgreSQL."""

import argparse
import stat

import pytest

from desk.db import session_scope
from desk.security.demo_staff import DEMO_ACCOUNTS, LOGINS_FILE, ensure_demo_staff, read_demo_logins
from desk.security.halls import centre_halls
from desk.security.passwords import generate_password, hash_password, password_problem, verify_password
from desk.security.staff import (
    StaffError,
    add_staff,
    authenticate,
    get_active_staff,
    list_staff,
    set_active,
    set_password,
)


def test_hash_is_argon2id_salted_and_verifies_only_the_right_password():
    first, second = hash_password("Counter2026x"), hash_password("Counter2026x")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "Counter2026x")
    assert not verify_password(first, "counter2026x")
    assert not verify_password(None, "Counter2026x")
    assert not verify_password("not a hash", "Counter2026x")


def test_password_rules_and_generated_passwords():
    assert password_problem("short1") == "staff.password_too_short"
    assert password_problem("onlyletterslong") == "staff.password_too_simple"
    assert password_problem("letters4567") is None
    generated = {generate_password() for _ in range(20)}
    assert len(generated) == 20 and all(password_problem(p) is None for p in generated)


def test_add_authenticate_reset_and_deactivate(engine):
    with session_scope(engine) as session:
        add_staff(session, username=" Clerk9 ", display_name="赵一", role="clerk", password="Window1234")
    with session_scope(engine) as session:
        staff = authenticate(session, username="clerk9", password="Window1234")
        assert staff is not None and staff.role == "clerk" and staff.display_name == "赵一"
        assert staff.created_at.tzinfo is not None
        assert authenticate(session, username="clerk9", password="window1234") is None
        assert authenticate(session, username="nobody", password="Window1234") is None
        set_password(session, username="CLERK9", password="Another5678")
    with session_scope(engine) as session:
        assert authenticate(session, username="clerk9", password="Window1234") is None
        assert authenticate(session, username="clerk9", password="Another5678") is not None
        set_active(session, username="clerk9", active=False)
    with session_scope(engine) as session:
        assert authenticate(session, username="clerk9", password="Another5678") is None
        assert get_active_staff(session, "clerk9") is None


@pytest.mark.parametrize(
    ("username", "role", "password", "key"),
    [
        ("bad name", "clerk", "Window1234", "staff.bad_username"),
        ("ok", "janitor", "Window1234", "staff.bad_role"),
        ("ok", "clerk", "short", "staff.password_too_short"),
        ("taken", "clerk", "Window1234", "staff.username_taken"),
    ],
)
def test_add_staff_refuses_with_a_message_key(engine, username, role, password, key):
    with session_scope(engine) as session:
        add_staff(session, username="taken", display_name="", role="clerk", password="Window1234")
    with session_scope(engine) as session, pytest.raises(StaffError) as caught:
        add_staff(session, username=username, display_name="", role=role, password=password)
    assert caught.value.key == key


def test_demo_staff_created_once_with_private_random_passwords(engine, data_dir):
    with session_scope(engine) as session:
        created = ensure_demo_staff(session, data_dir)
    assert {x.role for x in created} == {"clerk", "supervisor", "archivist", "admin"}
    assert len({x.password for x in created}) == len(DEMO_ACCOUNTS)
    assert stat.S_IMODE((data_dir / LOGINS_FILE).stat().st_mode) == 0o600
    with session_scope(engine) as session:
        again = ensure_demo_staff(session, data_dir)
        assert again == created and len(list_staff(session)) == len(DEMO_ACCOUNTS)
        halls = {staff.username: staff.hall for staff in list_staff(session)}
        assert {halls[name] for name in ("clerk1", "clerk2", "clerk3")} == set(centre_halls().codes())
        assert halls["admin1"] is None  # centre-wide
        for login in created:
            assert authenticate(session, username=login.username, password=login.password) is not None


def _accounts(engine) -> list:
    with session_scope(engine) as session:
        return list_staff(session)


def test_staff_command_add_list_reset(engine, data_dir, capsys):
    from desk.security.commands import staff_command

    def run(*argv: str, role: str | None = None, hall: str | None = None) -> int:
        action, username = argv[0], (argv[1] if len(argv) > 1 else None)
        return staff_command(argparse.Namespace(action=action, username=username, role=role, name=None, hall=hall))

    with session_scope(engine) as session:
        demo = ensure_demo_staff(session, data_dir)
    assert run("add", "newclerk", role="clerk") == 0
    password = capsys.readouterr().out.strip().split("：")[1].split("（")[0]
    assert run("add", "newclerk", role="clerk") == 2
    assert "newclerk" in capsys.readouterr().err
    assert run("add", "other") == 2  # no role
    assert run("add", "gjzclerk", role="clerk", hall="ganjingzi") == 0
    capsys.readouterr()
    assert run("add", "roamer", role="clerk", hall="centre") == 2  # a clerk serves in one hall
    assert "roamer" not in [x.username for x in _accounts(engine)]
    capsys.readouterr()
    assert run("list") == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "中心营业大厅（西岗区）" in lines["newclerk"] and "甘井子区服务大厅" in lines["gjzclerk"]
    assert "中山区服务大厅" in lines["clerk2"] and "全中心" in lines["admin1"]  # the demo staff's halls
    assert run("set-hall", "newclerk", hall="zhongshan") == 0
    assert "中山区服务大厅" in capsys.readouterr().out
    assert run("set-hall", "newclerk", hall="nowhere") == 2
    assert "nowhere" in capsys.readouterr().err
    assert run("set-hall", "newclerk") == 2  # no hall given
    assert {x.username: x.hall for x in _accounts(engine)}["newclerk"] == "zhongshan"
    assert run("reset-password", "clerk1") == 0
    new_password = capsys.readouterr().out.strip().split("：")[1].split("（")[0]
    assert new_password != demo[0].password
    assert next(x for x in read_demo_logins(data_dir) if x.username == "clerk1").password == new_password
    assert run("reset-password", "ghost") == 2
    with session_scope(engine) as session:
        assert authenticate(session, username="newclerk", password=password) is not None
        assert authenticate(session, username="clerk1", password=new_password) is not None
