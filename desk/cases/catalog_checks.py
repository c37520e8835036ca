"""The reference checks of the catalog: every name an entry uses must exist, every rule's
parameters must suit its check. Each problem names the entry (e.g. `business.TQ401`) and says
what is wrong, in the current language.
"""

from __future__ import annotations

from pydantic import ValidationError

from desk.archive.retention import class_names
from desk.cases.catalog import BUSINESS_CODE, MATERIAL_CODE, REASON_CODES, Business, Catalog
from desk.cases.document_fit import accepted_types
from desk.cases.eligibility import CHECKS
from desk.cases.evidence import DECLARED_PREFIX, STAND_INS, known_condition
from desk.cases.forms import forms
from desk.i18n import t

Problems = list[tuple[str, str]]


def _material_problems(catalog: Catalog) -> Problems:
    problems: Problems = []
    for code, material in catalog.materials.items():
        entry = f"materials.{code}"
        if not MATERIAL_CODE.match(code):
            problems.append((entry, t("cases.catalog.bad_material_code")))
        for name in material.stand_ins:
            if name not in STAND_INS:
                problems.append((entry, t("cases.catalog.unknown_stand_in", name=name)))
        accepted = accepted_types().get(code, ())
        for side in material.pages:  # a side is recognised by its type, so the material must accept it
            if side.side not in accepted:
                problems.append((entry, t("cases.catalog.side_not_accepted", side=side.side)))
        if material.usual_pages is not None and material.usual_pages < len(material.pages):
            problems.append(
                (
                    entry,
                    t("cases.catalog.fewer_pages_than_sides", pages=material.usual_pages, sides=len(material.pages)),
                )
            )
        if material.form is not None and material.form not in forms():
            problems.append((entry, t("cases.catalog.unknown_form", name=material.form)))
    return problems


def _rule_problems(catalog: Catalog) -> Problems:
    problems: Problems = []
    for rule_id, rule in catalog.rules.items():
        entry = f"rules.{rule_id}"
        check = CHECKS.get(rule.check)
        if check is None:
            problems.append((entry, t("cases.catalog.unknown_check", name=rule.check)))
            continue
        dates = [v.effective_from for v in rule.versions]
        if len(set(dates)) != len(dates):
            problems.append((entry, t("cases.catalog.duplicate_version")))
        for index, version in enumerate(rule.versions):
            try:
                # the parsed parameters ride along with the version for evaluation
                version._parsed = check.params.model_validate(version.params)
            except (ValidationError, ValueError) as exc:
                detail = (
                    "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                    if isinstance(exc, ValidationError)
                    else str(exc)
                )
                problems.append((f"{entry}.versions[{index}]", t("cases.catalog.bad_params", detail=detail)))
    return problems


def _need_problems(catalog: Catalog, entry: str, business: Business) -> Problems:
    problems: Problems = []
    seen: set[str] = set()
    for index, need in enumerate(business.materials):
        where = f"{entry}.materials[{index}]"
        for code in (need.code, *need.alternatives):
            if code not in catalog.materials:
                problems.append((where, t("cases.catalog.unknown_material", code=code)))
        if need.code in seen:
            problems.append((where, t("cases.catalog.duplicate_material", code=need.code)))
        seen.add(need.code)
        for name in need.stand_ins or ():
            if name not in STAND_INS:
                problems.append((where, t("cases.catalog.unknown_stand_in", name=name)))
        if need.when is not None and not known_condition(need.when):
            problems.append((where, t("cases.catalog.unknown_condition", name=need.when)))
        declared = (
            need.when.removeprefix(DECLARED_PREFIX) if need.when and need.when.startswith(DECLARED_PREFIX) else None
        )
        if declared is not None and declared not in business.declarations:
            problems.append((where, t("cases.catalog.undeclared", name=declared)))
    return problems


def _business_rule_problems(catalog: Catalog, entry: str, business: Business) -> Problems:
    problems: Problems = []
    checks_so_far: list[str] = []
    if len(set(business.rules)) != len(business.rules):
        problems.append((entry, t("cases.catalog.duplicate_rule")))
    for rule_id in business.rules:
        rule = catalog.rules.get(rule_id)
        if rule is None:
            problems.append((entry, t("cases.catalog.unknown_rule", name=rule_id)))
            continue
        check = CHECKS.get(rule.check)
        if check is None:
            continue  # reported under the rule
        for field in check.business_needs:
            if getattr(business, field) is None:
                problems.append((entry, t("cases.catalog.rule_needs_field", rule=rule_id, field=field)))
        for needed in check.needs:
            if needed not in checks_so_far:
                problems.append((entry, t("cases.catalog.rule_needs_rule", rule=rule_id, check=needed)))
        checks_so_far.append(rule.check)
    return problems


def _business_problems(catalog: Catalog) -> Problems:
    problems: Problems = []
    retention_classes = class_names()
    for code, business in catalog.business.items():
        entry = f"business.{code}"
        if not BUSINESS_CODE.match(code):
            problems.append((entry, t("cases.catalog.bad_business_code")))
        if business.retention not in retention_classes:
            problems.append((entry, t("cases.catalog.unknown_retention", name=business.retention)))
        if business.group == "withdrawal" and business.reason_code not in REASON_CODES:
            problems.append((entry, t("cases.catalog.bad_reason_code", code=business.reason_code or "—")))
        for name in business.declarations:
            if name not in catalog.declarations:
                problems.append((entry, t("cases.catalog.unknown_declaration", name=name)))
        problems += _need_problems(catalog, entry, business)
        problems += _business_rule_problems(catalog, entry, business)
    return problems


def reference_problems(catalog: Catalog) -> Problems:
    """Every broken reference of `catalog` as (entry, problem) pairs; empty when it is sound."""
    return _material_problems(catalog) + _rule_problems(catalog) + _business_problems(catalog)
