"""Imports every package's tables so that `SQLModel.metadata` knows them all (see desk.db.init_db)."""

# Each domain adds its own tables module here, one import per line.
import desk.archive.search_index
import desk.cases.submitting
import desk.cases.tables
import desk.queue.library_schema  # pgqueuer's tables on PostgreSQL, created with ours
import desk.queue.tables
import desk.records.tables
import desk.security.access_log
import desk.security.login_throttle
import desk.security.staff  # noqa: F401 - staff accounts
