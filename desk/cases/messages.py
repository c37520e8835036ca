"""Reasons in plain words: a message key plus raw parameters, rendered in the reader's language.

Results keep raw values (codes, fen, dates) so they stay testable and JSON-friendly; rendering
turns them into words: a parameter named `source` becomes the source's label, `*_fen` becomes
yuan with two decimals, a date its ISO form, None a dash. Names that live in the catalog (a
declaration, an ID card's sides) come in as `Label`s from the caller that holds the catalog: this
module sits below the catalog and never asks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from desk.cases.working_days import local_day
from desk.i18n import current_language, t
from desk.money import Money


@dataclass(frozen=True)
class Label:
    """A code with its name in both languages: a message parameter whose words are not in i18n."""

    code: str
    zh: str
    en: str

    def name(self, language: str | None = None) -> str:
        """The name in `language` (default: the current one)."""
        return self.en if (language or current_language()) == "en" else self.zh


# parameter name -> i18n prefix of its label
_LABELLED = {
    "source": "records.source.",
    "status": "records.account_status.",
    "whose": "cases.whose.",
    "holder": "cases.holder.",
    "kind": "records.fact_kind.",
    "fact": "cases.ledger_fact.",
    "marital": "cases.marital.",
    "cost": "cases.cost.",
    "event": "cases.event.",
    "state": "cases.state.",
    "action": "cases.action.",
    "role": "role.",
}
_LEDGER_LABEL = "cases.source.ledger"


def _render_value(name: str, value: object, language: str | None) -> object:
    if value is None:
        return "—"
    if name == "source" and value == "ledger":
        return t(_LEDGER_LABEL, language)
    if isinstance(value, Label):
        return value.name(language)
    if isinstance(value, tuple) and value and all(isinstance(item, Label) for item in value):
        return t("cases.list_separator", language).join(item.name(language) for item in value)
    if name in _LABELLED:
        return t(_LABELLED[name] + str(value), language)
    if name.endswith("_fen") and isinstance(value, int):
        return Money(value).plain()
    if isinstance(value, datetime):
        return local_day(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def render(key: str, params: Mapping[str, object], language: str | None = None) -> str:
    """The message `key` with `params` rendered in `language` (default: the current one)."""
    rendered = {name: _render_value(name, value, language) for name, value in params.items()}
    return t(key, language, **rendered)


def json_value(value: object) -> object:
    """`value` made JSON-ready (dates as ISO strings, labels as their codes)."""
    if isinstance(value, Label):
        return value.code
    if isinstance(value, tuple) and value and all(isinstance(item, Label) for item in value):
        return [item.code for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
