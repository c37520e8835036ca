"""Rule parameters as the admin reads them: one labelled value per line in the reader's language
("连续缴存月数：3 个月"), never a raw dict. How each parameter reads is data (catalog_params.toml)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from desk.cases.catalog import get_catalog
from desk.i18n import catalog, t
from desk.money import format_money
from desk.ui.case_labels import label_or_code

RULES_FILE = Path(__file__).with_name("catalog_params.toml")
YUAN = 100  # fen


@cache
def _kinds() -> dict[str, dict[str, str]]:
    return tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))["params"]


def _label(name: str) -> str:
    key = f"catalog_admin.param.{name}"
    return t(key) if key in catalog() else name


def _scalar(kind: str, value: Any, labels: str = "") -> str:
    """One value of the kind `kind` (months, yuan, a code …) in the current language."""
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    simple = {
        "months": lambda: t("catalog_admin.value.months", count=value),
        "years": lambda: t("catalog_admin.value.years", count=value),
        "yuan": lambda: format_money(round(value * YUAN)),
        "share": lambda: f"{value * 100:g}%",
        "pct": lambda: f"{value:g}%",
        "times": lambda: t("catalog_admin.value.times", count=value),
        "declaration": lambda: _declaration(value),
        "code": lambda: label_or_code(labels, str(value)),
    }
    return simple[kind]() if kind in simple else str(value)


def _declaration(code: str) -> str:
    declaration = get_catalog().declarations.get(code)
    return declaration.name() if declaration else code


def _value(spec: dict[str, str], value: Any) -> str:
    kind, labels, each = spec.get("as", ""), spec.get("labels", ""), spec.get("each", "")
    separator = t("ui.fact.separator")
    if kind == "codes":
        return separator.join(label_or_code(labels, str(code)) for code in value)
    if kind in ("by_sex", "by_part"):
        prefix = "ui.sex." if kind == "by_sex" else "catalog_admin.part."
        return separator.join(
            t("ui.fact.pair", label=label_or_code(prefix, part), value=_scalar(each, amount))
            for part, amount in value.items()
        )
    if kind == "areas":
        return separator.join(
            t(
                "catalog_admin.value.area",
                area=label_or_code("catalog_admin.area.", area),
                cap=format_money(round(spec_value["yuan_per_year"] * YUAN)),
                districts="、".join(spec_value["districts"]),
            )
            for area, spec_value in value.items()
        )
    if isinstance(value, list):
        return separator.join(_scalar(kind, item, labels) for item in value)
    return _scalar(kind, value, labels)


def parameter_lines(params: dict[str, Any] | None) -> list[str]:
    """Each parameter as 'label: value' in the current language (an unknown one keeps its own name)."""
    kinds = _kinds()
    return [
        t("ui.fact.pair", label=_label(name), value=_value(kinds.get(name, {}), value))
        for name, value in (params or {}).items()
    ]
