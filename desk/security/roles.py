"""Who may open what: the staff roles and one table of page paths to the roles allowed there.

The auth middleware (desk.ui.auth) consults this table on every request. The longest path prefix
that matches decides; a path with no row is refused (deny by default), so a new page is closed
until someone adds its row here.
"""

from __future__ import annotations

ROLES = ("clerk", "supervisor", "archivist", "admin")
ALL_STAFF = frozenset(ROLES)
COUNTER = frozenset({"clerk", "supervisor"})
ADMIN = frozenset({"admin"})
SUPERVISOR = frozenset({"supervisor"})
ARCHIVE_READERS = frozenset({"archivist", "supervisor", "admin"})
CENTRE_MANAGERS = frozenset({"supervisor", "admin"})
ARCHIVIST = frozenset({"archivist"})

# Open to anyone, logged in or not: the login page, logging out, NiceGUI's own assets and websocket,
# the icon, and the public progress inquiry (the notice's QR code opens it on the customer's phone).
PUBLIC_PREFIXES = ("/login", "/logout", "/_nicegui", "/favicon.ico", "/inquiry")

# path prefix -> roles that may open it
PAGE_ROLES: dict[str, frozenset[str]] = {
    "/": ALL_STAFF,  # home: sends each role to its start page
    "/lookup": COUNTER,
    "/counter": COUNTER,  # my cases, notices, camera frames and the counter's page images
    "/loan-trial": COUNTER,  # the loan amount trial of a customer, opened from the lookup
    "/counter/form": COUNTER,  # forms printed for the customer to sign (their name and ID in full)
    "/admin": ADMIN,
    "/review": SUPERVISOR,  # queues and decisions (the image URLs live under /archive)
    "/archive": ARCHIVE_READERS,  # search, page viewer, fixity, page images, PDF export
    "/dashboard": CENTRE_MANAGERS,  # the centre's figures and their CSV (no personal data)
    "/archive/retention": ARCHIVIST,  # legal holds, loan payoff, disposal of documents past their retention
}

# who may reveal a masked ID or phone number (always with a reason, always logged)
UNMASK_ROLES = COUNTER

# the page a role lands on after login
START_PAGE = {
    "clerk": "/lookup",
    "supervisor": "/review",
    "archivist": "/archive",
    "admin": "/admin/staff",
}

# the pages each role sees in the header menu: (path, i18n key of the label)
MENU = (
    ("/lookup", "ui.menu.lookup"),
    ("/counter/cases", "counter.menu.my_cases"),
    ("/review", "review.menu"),
    ("/review/overdue", "review.overdue.menu"),
    ("/dashboard", "dashboard.menu"),
    ("/archive", "archivist.menu.search"),
    ("/archive/fixity", "archivist.menu.fixity"),
    ("/archive/retention", "archivist.menu.retention"),
    ("/admin/catalog", "catalog_admin.menu"),
    ("/admin/staff", "ui.menu.staff"),
    ("/admin/access-log", "ui.menu.access_log"),
)


def _matches(prefix: str, path: str) -> bool:
    if prefix == "/":
        return path == "/"
    return path == prefix or path.startswith(prefix + "/")


def is_public(path: str) -> bool:
    """Whether `path` may be opened without logging in."""
    return any(_matches(prefix, path) for prefix in PUBLIC_PREFIXES)


def roles_for(path: str) -> frozenset[str]:
    """The roles allowed to open `path` (empty when no row covers it)."""
    best = max((prefix for prefix in PAGE_ROLES if _matches(prefix, path)), key=len, default=None)
    return PAGE_ROLES[best] if best is not None else frozenset()


def may_open(role: str, path: str) -> bool:
    """Whether a staff member with `role` may open `path`."""
    return role in roles_for(path)


def menu_for(role: str) -> list[tuple[str, str]]:
    """The (path, label key) menu entries that `role` may open."""
    return [(path, label) for path, label in MENU if may_open(role, path)]


def may_unmask(role: str) -> bool:
    """Whether `role` may reveal masked personal numbers."""
    return role in UNMASK_ROLES
