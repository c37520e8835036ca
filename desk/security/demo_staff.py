"""Demo staff accounts for a first start: one per role, each with its own random password.

The passwords are generated per installation (never a constant) and kept in a file that only the
owner can read (mode 0600) in the data folder, so every `make run` can print the logins again.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlmodel import Session

from desk.security.passwords import generate_password
from desk.security.staff import add_staff, count_staff

LOGINS_FILE = "demo-staff-logins.json"

# username, display name, role, hall (desk/security/halls.toml; None: centre-wide): clerks in each hall
DEMO_ACCOUNTS = (
    ("clerk1", "王丽", "clerk", "head"),
    ("clerk2", "李强", "clerk", "zhongshan"),
    ("clerk3", "赵磊", "clerk", "ganjingzi"),
    ("supervisor1", "张敏", "supervisor", "head"),
    ("archivist1", "刘洋", "archivist", None),
    ("admin1", "陈静", "admin", None),
)


@dataclass(frozen=True)
class DemoLogin:
    """One demo login as printed at start-up."""

    username: str
    display_name: str
    role: str
    password: str


def _write_private(path: Path, text: str) -> None:
    """Write `text` atomically to a file only the owner may read."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_demo_logins(data_dir: Path) -> list[DemoLogin]:
    """The demo logins kept in `data_dir` (empty when there are none)."""
    path = data_dir / LOGINS_FILE
    if not path.exists():
        return []
    return [DemoLogin(**row) for row in json.loads(path.read_text(encoding="utf-8"))]


def _save(data_dir: Path, logins: list[DemoLogin]) -> None:
    _write_private(data_dir / LOGINS_FILE, json.dumps([asdict(x) for x in logins], ensure_ascii=False, indent=1))


def ensure_demo_staff(session: Session, data_dir: Path) -> list[DemoLogin]:
    """Create the demo accounts when the database has no staff at all; return the kept demo logins."""
    if count_staff(session) == 0:
        logins = [DemoLogin(u, name, role, generate_password()) for u, name, role, _ in DEMO_ACCOUNTS]
        for login, (*_, hall) in zip(logins, DEMO_ACCOUNTS, strict=True):
            add_staff(
                session,
                username=login.username,
                display_name=login.display_name,
                role=login.role,
                password=login.password,
                hall=hall,
            )
        _save(data_dir, logins)
        return logins
    return read_demo_logins(data_dir)


def update_demo_password(data_dir: Path, username: str, password: str) -> None:
    """Keep the printed demo logins true after a password reset (no-op for other accounts)."""
    logins = read_demo_logins(data_dir)
    if any(x.username == username for x in logins):
        _save(
            data_dir,
            [DemoLogin(x.username, x.display_name, x.role, password) if x.username == username else x for x in logins],
        )
