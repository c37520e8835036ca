"""`python -m desk staff list | add USER --role R [--name N] [--hall H] | reset-password USER | set-hall USER --hall H`.

A hall is a code of desk/security/halls.toml, or `centre` for a centre-wide account (not a clerk or
supervisor: they serve customers in one hall).

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
from desk.security.halls import HEAD_OFFICE, centre_halls, hall_label
from desk.security.passwords import generate_password
from desk.security.staff import StaffError, add_staff, list_staff, set_hall, set_password
from desk.settings import get_settings


def _pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns (a CJK character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - columns, 0)


CENTRE_WIDE = "centre"  # --hall's word for no hall


def _hall_arg(value: str | None) -> str | None:
    return None if value == CENTRE_WIDE else value


def _list() -> int:
    with session_scope() as session:
        rows = list_staff(session)
    print(t("staff.cli.header"))
    for staff in rows:
        state = t("staff.active") if staff.active else t("staff.inactive")
        name = _pad(staff.display_name, 13) + _pad(hall_label(staff.hall), 25)
        print(_pad(staff.username, 17) + _pad(t("role." + staff.role), 11) + name + state)
    return 0


def _add(args: argparse.Namespace) -> int:
    if not args.role:
        print(t("staff.cli.need_role"), file=sys.stderr)
        return 2
    password = generate_password()
    with session_scope() as session:
        staff = add_staff(
            session,
            username=args.username,
            display_name=args.name or args.username,
            role=args.role,
            password=password,
            hall=_hall_arg(args.hall or HEAD_OFFICE),
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


def _set_hall(args: argparse.Namespace) -> int:
    if not args.hall:
        print(t("staff.cli.need_hall", halls=", ".join(centre_halls().codes())), file=sys.stderr)
        return 2
    with session_scope() as session:
        staff = set_hall(session, username=args.username, hall=_hall_arg(args.hall))
        username, hall = staff.username, staff.hall
    print(t("staff.cli.hall_set", username=username, hall=hall_label(hall)))
    return 0


def staff_command(args: argparse.Namespace) -> int:
    """List staff accounts, add one, give one a new random password or move one to a hall; returns the exit
    status."""
    with use_language(get_settings().default_language):
        init_db(get_engine())
        if args.action == "list":
            return _list()
        if not args.username:
            print(t("staff.cli.need_username"), file=sys.stderr)
            return 2
        try:
            actions = {"add": _add, "reset-password": _reset, "set-hall": _set_hall}
            return actions[args.action](args)
        except StaffError as error:
            print(t(error.key, None, **error.params), file=sys.stderr)
            return 2
