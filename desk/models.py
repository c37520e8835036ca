"""Imports every package's tables so that `SQLModel.metadata` knows them all (see desk.db.init_db)."""

# Each domain adds its own tables module here, one import per line.
import desk.security.login_throttle  # noqa: E402,F401 - staff login failures
import desk.security.staff  # noqa: E402,F401 - staff accounts
import desk.records.tables  # noqa: E402,F401 - people, accounts, ledger, loans, registry facts
import desk.security.access_log  # noqa: E402,F401 - append-only access log
import desk.cases.tables  # noqa: E402,F401 - cases, case materials, transitions, case numbers, inquiry attempts
import desk.archive.search_index  # noqa: E402,F401 - archive documents, pages, fixity runs (tables.py) and the full-text index
import desk.cases.submitting  # noqa: E402,F401 - submissions whose answer the clerk has not seen yet
