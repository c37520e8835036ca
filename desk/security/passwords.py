"""Password hashing with argon2id (memory-hard), and the password rules for staff accounts.

argon2-cffi's defaults are the RFC 9106 "low memory" profile (64 MiB, 3 passes, 4 lanes); a hash
records its own parameters, so raising them later only needs `needs_rehash` on the next login.
"""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when the username does not exist, so a miss costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
# No look-alike characters (0/O, 1/l/I): demo passwords are read off a terminal and typed by hand.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def hash_password(password: str) -> str:
    """The argon2id hash of `password` (salted; two calls give different strings)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`; `None` (no such account) still costs a full verify."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """The i18n key of what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "staff.password_too_short"
    if password.isdigit() or password.isalpha():
        return "staff.password_too_simple"
    return None


def generate_password(length: int = 14) -> str:
    """A random password of letters and digits that satisfies `password_problem`."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if password_problem(candidate) is None:
            return candidate
