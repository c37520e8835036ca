"""Why an input was refused: a message key (desk/i18n/capture.toml) plus its parameters."""

from __future__ import annotations

from desk.i18n import Refusal


class InputRefused(Refusal):
    """A file that is not a readable image or PDF, or is too large; carries a clerk-readable reason."""
