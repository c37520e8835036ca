"""`python -m desk staff list | add USER --role R [--name N] | reset-password USER`.

New and reset passwords are generated at random and printed once; nothing is read from the
command line, so no password ends up in the shell history.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata

from desk.db import get_engine, init_db, session_scope
from desk.i18n import t, use_language
from desk.security.demo_staff import update_demo_password
from desk.security.passwords import generate_password
from desk.security.staff import StaffError, add_staff, list_staff, set_password
from desk.settings import get_settings


def _pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns (a CJK character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - columns, 0)


def _list() -> int:
    with session_scope() as session:
        rows = list_staff(session)
    print(t("staff.cli.header"))
    for staff in rows:
        state = t("staff.active") if staff.active else t("staff.inactive")
        print(_pad(staff.username, 17) + _pad(t("role." + staff.role), 11) + _pad(staff.display_name, 13) + state)
    return 0


def _add(args: argparse.Namespace) -> int:
    if not args.role:
        print(t("staff.cli.need_role"), file=sys.stderr)
        return 2
    password = generate_password()
    with session_scope() as session:
        staff = add_staff(
            session, username=args.username, display_name=args.name or args.username, role=args.role, password=password
        )
        username = staff.username
    print(t("staff.cli.created", username=username, password=password))
    return 0


def _reset(args: argparse.Namespace) -> int:
    password = generate_password()
    with session_scope() as session:
        username = set_password(session, username=args.username, password=password).username
    update_demo_password(get_settings().resolved_data_dir, username, password)
    print(t("staff.cli.reset", username=username, password=password))
    return 0


def staff_command(args: argparse.Namespace) -> int:
    """List staff accounts, add one, or give one a new random password; returns the exit status."""
    with use_language(get_settings().default_language):
        init_db(get_engine())
        if args.action == "list":
            return _list()
        if not args.username:
            print(t("staff.cli.need_username"), file=sys.stderr)
            return 2
        try:
            return _add(args) if args.action == "add" else _reset(args)
        except StaffError as error:
            print(t(error.key, None, **error.params), file=sys.stderr)
            return 2
