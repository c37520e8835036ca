"""Why an input was refused: a message key (desk/i18n/capture.toml) plus its parameters."""

from __future__ import annotations

from desk.i18n import t


class InputRefused(ValueError):
    """A file that is not a readable image or PDF, or is too large; carries a clerk-readable reason."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def message(self, language: str | None = None) -> str:
        """The reason in `language` (default: the current language)."""
        return t(self.key, language, **self.params)
