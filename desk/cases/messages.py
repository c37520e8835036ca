"""Reasons in plain words: a message key plus raw parameters, rendered in the reader's language.

Results keep raw values (codes, fen, dates) so they stay testable and JSON-friendly; rendering
turns them into words: a parameter named `source` becomes the source's label, `*_fen` becomes
yuan with two decimals, a date its ISO form, None a dash.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from desk.money import Money
from desk.cases.working_days import local_day
from desk.i18n import t

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
    if name == "declaration":
        from desk.cases.catalog import get_catalog  # a declaration's label lives in the catalog

        declaration = get_catalog().declarations.get(str(value))
        return declaration.name(language) if declaration else value
    if name == "sides":
        from desk.cases.catalog import get_catalog  # a side's label lives in the catalog

        return t("cases.list_separator", language).join(get_catalog().side_label(str(side), language)
                                                         for side in value)
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
    """`value` made JSON-ready (dates as ISO strings)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
