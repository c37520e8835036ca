"""The role table: longest prefix decides, unknown paths are closed, public paths are few."""

from desk.security.roles import ROLES, START_PAGE, is_public, may_open, menu_for


def test_admin_pages_only_for_admins():
    assert may_open("admin", "/admin/staff")
    for role in ("clerk", "supervisor", "archivist"):
        assert not may_open(role, "/admin/staff")
        assert not may_open(role, "/admin/access-log")


def test_lookup_for_counter_staff_and_unknown_paths_closed():
    assert may_open("clerk", "/lookup") and may_open("supervisor", "/lookup")
    assert not may_open("archivist", "/lookup")
    assert not may_open("admin", "/lookupx")  # a prefix must end at a path segment
    assert not may_open("admin", "/no-such-page")


def test_public_paths_and_start_pages():
    assert is_public("/login") and is_public("/_nicegui/3.18.0/static/nicegui.js")
    assert not is_public("/") and not is_public("/loginx") and not is_public("/lookup")
    for role in ROLES:
        assert may_open(role, START_PAGE[role])
        assert all(may_open(role, path) for path, _ in menu_for(role))
    assert [p for p, _ in menu_for("clerk")] == ["/lookup", "/counter/cases"]
    assert "/review" in [p for p, _ in menu_for("supervisor")]
    assert not any(p.startswith(("/admin", "/archive", "/review")) for p, _ in menu_for("clerk"))
