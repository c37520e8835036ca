"""The catalog as the admin's page shows it: one plain row per business, names in the reader's
language, each material with the system data that can stand in for it, each rule with the
parameters in effect on a given day (and where they come from)."""

from __future__ import annotations

from datetime import date
from typing import Any

from desk.archive.retention import class_label
from desk.cases.catalog import Business, Catalog, Rule
from desk.cases.messages import json_value
from desk.i18n import t


def _rule_row(rule_id: str, rule: Rule, language: str | None, today: date) -> dict[str, Any]:
    version = rule.version_on(today)
    return {
        "id": rule_id,
        "name": rule.name(language),
        "check": rule.check,
        "effective_from": json_value(version.effective_from) if version else None,
        "source": version.source if version else None,
        "params": version.params if version else None,
        "versions": len(rule.versions),
    }


def business_row(
    catalog: Catalog, code: str, business: Business, *, language: str | None = None, today: date | None = None
) -> dict[str, Any]:
    """One business, ready for a table or a detail view."""
    today = today or date.today()
    materials = [
        {
            "code": need.code,
            "name": catalog.materials[need.code].name(language),
            "alternatives": list(need.alternatives),
            "when": need.when,
            "holder": need.holder,
            "stand_ins": list(catalog.stand_ins_for(need)),
        }
        for need in business.materials
    ]
    return {
        "code": code,
        "name": business.name(language),
        "group": business.group,
        "review_mode": t(f"cases.review_mode.{business.review_mode}", language),
        "due_working_days": catalog.due_days(business),
        "retention": class_label(business.retention, language),
        "spouse_facts": business.spouse_facts,
        "closes_account": business.closes_account,
        "materials": materials,
        "rules": [_rule_row(rule_id, catalog.rules[rule_id], language, today) for rule_id in business.rules],
    }


def business_rows(catalog: Catalog, *, language: str | None = None, today: date | None = None) -> list[dict[str, Any]]:
    """Every business of the catalog, in catalog order."""
    return [
        business_row(catalog, code, business, language=language, today=today)
        for code, business in catalog.business.items()
    ]
