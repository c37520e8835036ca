"""User-visible strings in zh-CN and en.

Every string lives in one of the TOML files beside this module, one file per domain
(`ui.toml`, `records.toml`, `capture.toml`, `cases.toml`, `archive.toml`), as

    [lookup.unknown_customer]
    zh = "未找到该客户"
    en = "No such customer"

(`en_one`, optional: the English text when the `count` parameter is 1.)

Domain code returns message keys (plus parameters); `t()` renders them in the current language,
which the UI sets per request with `use_language()`. `tests/test_i18n.py` checks that every key
has both languages and the same `{placeholders}` in each.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh-CN", "en")
_FIELD = {"zh-CN": "zh", "en": "en"}
_current: ContextVar[str] = ContextVar("desk_language", default="zh-CN")


def _flatten(prefix: str, table: dict, out: dict[str, dict[str, str]]) -> None:
    if "zh" in table or "en" in table:
        out[prefix] = {k: v for k, v in table.items() if isinstance(v, str)}
        return
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(f"{prefix}.{key}" if prefix else key, value, out)


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All messages: key -> {"zh": …, "en": …}."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(Path(__file__).parent.glob("*.toml")):
        _flatten("", tomllib.loads(path.read_text(encoding="utf-8")), out)
    return out


def normalize_language(value: str | None) -> str:
    """Map a browser language tag (`zh`, `zh-Hans-CN`, `en-US`, …) to one of LANGUAGES."""
    if not value:
        return LANGUAGES[0]
    value = value.strip().lower()
    return "en" if value.startswith("en") else "zh-CN"


def current_language() -> str:
    """The language of the current request or task."""
    return _current.get()


def set_language(language: str) -> None:
    """Set the language for the current context (request, task or thread)."""
    _current.set(normalize_language(language))


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Render messages in `language` inside the block."""
    token = _current.set(normalize_language(language))
    try:
        yield
    finally:
        _current.reset(token)


def t(key: str, language: str | None = None, **params: object) -> str:
    """The message `key` in `language` (default: the current one), formatted with `params`.

    An unknown key renders as the key itself so a missing string is visible, never a crash. English
    has a singular: an entry's `en_one` is used when the `count` parameter is 1 ("1 page", not "1 pages").
    """
    entry = catalog().get(key)
    if entry is None:
        return key
    lang = normalize_language(language) if language else _current.get()
    field = _FIELD[lang]
    if params.get("count") == 1 and f"{field}_one" in entry:
        field = f"{field}_one"
    text = entry.get(field) or entry.get("zh") or key
    return text.format(**params) if params else text


class Refusal(ValueError):
    """A request refused for a reason the user can read: a message key plus its parameters.

    `str(error)` is the English text (for logs); `message()` renders it in the user's language.
    Each domain subclasses it (capture's `InputRefused`, the archive's `ArchiveRefused`).
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def message(self, language: str | None = None) -> str:
        """The reason in `language` (default: the current language)."""
        return t(self.key, language, **self.params)
