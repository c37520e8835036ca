"""Why the archive refused something: a message key (desk/i18n/archive.toml) plus its parameters."""

from __future__ import annotations

from desk.i18n import t


class ArchiveRefused(ValueError):
    """A request the archive will not carry out (deletion under retention, unknown document, …)."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def message(self, language: str | None = None) -> str:
        """The reason in `language` (default: the current language)."""
        return t(self.key, language, **self.params)
