"""Why the archive refused something: a message key (desk/i18n/archive.toml) plus its parameters."""

from __future__ import annotations

from desk.i18n import Refusal


class ArchiveRefused(Refusal):
    """A request the archive will not carry out (deletion under retention, unknown document, …)."""
