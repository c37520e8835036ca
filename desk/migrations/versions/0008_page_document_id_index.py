"""A filtered archive search reads no page row (#14).

A search with a staff, document type or date filter walks the filter's documents newest first and
looks up each one's pages. Through the (document_id) index every page id cost a read of the page's
row (7 GB of text at ten million pages, one random read per page tested); a (document_id, id)
index gives the page ids by itself (index-only), so it replaces the single-column one.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace archive_page's (document_id) index by a (document_id, id) index."""
    op.create_index("ix_archive_page_document_id_id", "archive_page", ["document_id", "id"])
    op.drop_index("ix_archive_page_document_id", table_name="archive_page")


def downgrade() -> None:
    """Not offered: a restore of the backup taken before the upgrade is the way back (docs/operations.md)."""
    raise NotImplementedError("restore the backup taken before the upgrade")
