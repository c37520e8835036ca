"""Staff accounts: the table and the keyword-only functions that read and change it.

Passwords are stored only as argon2id hashes (desk.security.passwords). Accounts are never
deleted, only deactivated, so the access log always names a real staff member.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, select

from desk.security.halls import HEAD_OFFICE, centre_halls
from desk.security.passwords import MIN_LENGTH, hash_password, needs_rehash, password_problem, verify_password
from desk.security.roles import ROLES


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Staff(SQLModel, table=True):
    """One staff account (times are UTC)."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=255)
    active: bool = True
    # the code of the hall worked in (add_staff: the head office unless told); None: centre-wide. No column
    # default: the ORM would put it in place of an explicit None
    hall: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=_utcnow)


class StaffError(ValueError):
    """A request the staff rules refuse; `key` is the i18n message key, `params` its placeholders."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def normalize_username(username: str) -> str:
    """Usernames compare case-insensitively and without surrounding spaces."""
    return username.strip().lower()


def _check_username(username: str) -> None:
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise StaffError("staff.bad_username")


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise StaffError(problem, min=MIN_LENGTH)


def get_staff(session: Session, username: str) -> Staff | None:
    """The account called `username` (active or not), or None."""
    return session.exec(select(Staff).where(Staff.username == normalize_username(username))).first()


def get_active_staff(session: Session, username: str) -> Staff | None:
    """The account called `username` if it exists and is active, else None."""
    staff = get_staff(session, username)
    return staff if staff is not None and staff.active else None


def list_staff(session: Session) -> list[Staff]:
    """Every account, ordered by role and username."""
    return list(session.exec(select(Staff).order_by(Staff.role, Staff.username)))


def count_staff(session: Session) -> int:
    """How many accounts exist (0 on a fresh database)."""
    return len(session.exec(select(Staff.id)).all())


def _check_hall(role: str, hall: str | None) -> None:
    if hall is None and role in centre_halls().hall_roles:
        raise StaffError("staff.hall_required", role=role)
    if hall is not None and centre_halls().get(hall) is None:
        raise StaffError("staff.bad_hall", hall=hall)


def add_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    hall: str | None = HEAD_OFFICE,
) -> Staff:
    """Create an active account working in `hall` (None: centre-wide, for roles that may be); raises
    StaffError for a taken or malformed name, unknown role or hall, or weak password."""
    username = normalize_username(username)
    _check_username(username)
    if role not in ROLES:
        raise StaffError("staff.bad_role", role=role)
    _check_hall(role, hall)
    _check_password(password)
    if get_staff(session, username) is not None:
        raise StaffError("staff.username_taken", username=username)
    staff = Staff(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        password_hash=hash_password(password),
        hall=hall,
    )
    session.add(staff)
    session.flush()
    return staff


def _update(session: Session, username: str, **changes: object) -> Staff:
    """Apply `changes` to an existing account; raises StaffError when there is no such account."""
    staff = get_staff(session, username)
    if staff is None:
        raise StaffError("staff.no_such_user", username=normalize_username(username))
    for name, value in changes.items():
        setattr(staff, name, value)
    session.add(staff)
    session.flush()
    return staff


def set_password(session: Session, *, username: str, password: str) -> Staff:
    """Replace the password of `username`; raises StaffError for an unknown account or weak password."""
    _check_password(password)
    return _update(session, username, password_hash=hash_password(password))


def set_active(session: Session, *, username: str, active: bool) -> Staff:
    """Activate or deactivate `username`; a deactivated account cannot log in and its sessions end."""
    return _update(session, username, active=active)


def set_hall(session: Session, *, username: str, hall: str | None) -> Staff:
    """Move `username` to `hall` (None: centre-wide); raises StaffError for an unknown account or hall,
    or a centre-wide clerk or supervisor. Cases already submitted keep the hall they were submitted in."""
    staff = get_staff(session, username)
    if staff is None:
        raise StaffError("staff.no_such_user", username=normalize_username(username))
    _check_hall(staff.role, hall)
    return _update(session, username, hall=hall)


def staff_hall(session: Session, username: str) -> str:
    """The hall `username` works in; the head office for a centre-wide or unknown account."""
    staff = get_staff(session, username)
    return staff.hall if staff is not None and staff.hall is not None else HEAD_OFFICE


def authenticate(session: Session, *, username: str, password: str) -> Staff | None:
    """The active account whose password matches, or None (always spends one full hash check)."""
    staff = get_staff(session, username)
    usable = staff is not None and staff.active
    if not verify_password(staff.password_hash if staff is not None and usable else None, password):
        return None
    assert staff is not None, "verify_password refuses a missing hash"
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
        session.add(staff)
    return staff
