"""A filtered archive search at millions of pages (#14).

- A filter by document type, staff member or material walks that value's documents newest first
  until it has the newest matches of a common word; the single-column indexes gave the documents
  in no useful order, so each becomes a (value, id) index.
- PostgreSQL keeps a page's tsvector (about 3 KB) in the table's own row instead of TOAST
  (`toast_tuple_target`): testing a word on the newest pages one by one then reads one heap page
  per row. The setting applies to rows written from now on; `VACUUM FULL archive_page_terms` in a
  quiet hour moves the existing ones (docs/deployment.md).
- ANALYZE keeps ten times as many common lexemes of the page tsvectors, so a lexeme it did not keep
  is truly rare and search goes to GIN for it (an ID number at ten million pages was looked for by
  walking every page).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_FILTER_COLUMNS = ("doc_type", "material_code", "captured_by")
TOAST_TUPLE_TARGET = 8160  # the most PostgreSQL accepts on 8 KB pages (a revision never changes)
LEXEME_STATISTICS = 1000  # ten times the default: common lexemes down to ~0.05% of the pages


def upgrade() -> None:
    """Replace the three filter columns' indexes by (value, id) indexes; tsvectors out of TOAST, more statistics."""
    for column in _FILTER_COLUMNS:
        op.create_index(f"ix_archive_document_{column}_id", "archive_document", [column, "id"])
        op.drop_index(f"ix_archive_document_{column}", table_name="archive_document")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE archive_page_terms SET (toast_tuple_target = {TOAST_TUPLE_TARGET})")
        op.execute(f"ALTER TABLE archive_page_terms ALTER COLUMN terms SET STATISTICS {LEXEME_STATISTICS}")


def downgrade() -> None:
    """Not offered: a restore of the backup taken before the upgrade is the way back (docs/operations.md)."""
    raise NotImplementedError("restore the backup taken before the upgrade")
