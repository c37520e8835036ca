"""The checklist of one customer for one business: each material proven by data, missing, not
applicable or unknown, with the eligibility rules beside it.

`build_checklist` is pure (a household and the catalog in, a checklist out); `checklist_for`
loads the household from the database first. *Unknown* (a source that did not answer) is shown
as such but counts as a material to capture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from desk.cases.catalog import Business, Catalog, MaterialNeed, get_catalog
from desk.cases.eligibility import Request, RuleResult, evaluate
from desk.cases.evidence import PROVEN_STATUS, STAND_INS, UNKNOWN_STATUS, Proof, applies
from desk.cases.household import Household, load_household
from desk.cases.messages import json_value, render
from desk.records.registries import RegistryDirectory

PROVEN, MISSING, NOT_APPLICABLE, UNKNOWN = "proven", "missing", "not_applicable", "unknown"
STATUSES = (PROVEN, MISSING, NOT_APPLICABLE, UNKNOWN)


@dataclass(frozen=True)
class ChecklistItem:
    """One material of the checklist and how it stands."""

    material: str
    alternatives: tuple[str, ...]
    holder: str
    status: str  # proven | missing | not_applicable | unknown
    reason_key: str
    params: dict[str, Any] = field(default_factory=dict)
    fact_kind: str | None = None
    source: str | None = None
    as_of: datetime | None = None
    whose: str | None = None

    @property
    def to_capture(self) -> bool:
        """Whether the clerk must capture it (missing, or unknown because a source did not answer)."""
        return self.status in (MISSING, UNKNOWN)

    def reason(self, language: str | None = None) -> str:
        """Why it stands so, in plain words."""
        return render(self.reason_key, self.params, language)

    def to_json(self, catalog: Catalog, language: str | None = None) -> dict[str, Any]:
        """A JSON-ready dict with names and the reason in `language`."""
        names = [catalog.materials[code].name(language) for code in (self.material, *self.alternatives)]
        return {
            "material": self.material,
            "alternatives": list(self.alternatives),
            "name": " / ".join(names),
            "holder": self.holder,
            "status": self.status,
            "fact": self.fact_kind,
            "source": self.source,
            "as_of": json_value(self.as_of),
            "whose": self.whose,
            "reason": self.reason(language),
            "reason_key": self.reason_key,
        }


@dataclass(frozen=True)
class Checklist:
    """Materials and eligibility of one business for one customer on one day."""

    business: Business
    business_code: str
    person_id: int
    today: date
    items: tuple[ChecklistItem, ...]
    rules: tuple[RuleResult, ...]

    @property
    def eligible(self) -> bool:
        """Whether every rule passes."""
        return all(rule.passed for rule in self.rules)

    @property
    def totals(self) -> dict[str, int]:
        """Required (all but not-applicable), proven by data, to capture (missing or unknown)."""
        required = [item for item in self.items if item.status != NOT_APPLICABLE]
        return {
            "required": len(required),
            "proven": sum(item.status == PROVEN for item in required),
            "to_capture": sum(item.to_capture for item in required),
            "unknown": sum(item.status == UNKNOWN for item in required),
            "not_applicable": len(self.items) - len(required),
        }

    def to_json(self, catalog: Catalog, language: str | None = None) -> dict[str, Any]:
        """`{"business", "eligible", "rules", "items", "totals", …}` as `desk checklist --json` prints it."""
        return {
            "business": self.business_code,
            "business_name": self.business.name(language),
            "review_mode": self.business.review_mode,
            "due_working_days": catalog.due_days(self.business),
            "date": self.today.isoformat(),
            "eligible": self.eligible,
            "rules": [rule.to_json(language) for rule in self.rules],
            "items": [item.to_json(catalog, language) for item in self.items],
            "totals": self.totals,
        }


def _from_proof(need: MaterialNeed, proof: Proof, status: str) -> ChecklistItem:
    return ChecklistItem(
        need.code,
        need.alternatives,
        need.holder,
        status,
        proof.reason_key,
        {"source": proof.source, "kind": proof.kind, "whose": proof.whose, **proof.params},
        proof.kind,
        proof.source,
        proof.as_of,
        proof.whose,
    )


def check_material(catalog: Catalog, business: Business, need: MaterialNeed, household: Household) -> ChecklistItem:
    """How one material of `business` stands for `household`."""
    plain = ChecklistItem(need.code, need.alternatives, need.holder, MISSING, "")
    needed = applies(need.when, household)
    if needed.needed is False:
        return _replace(plain, NOT_APPLICABLE, needed.reason_key, _named(catalog, needed.params))
    if needed.needed is None:
        return _replace(plain, UNKNOWN, needed.reason_key, _named(catalog, needed.params))
    stand_ins = catalog.stand_ins_for(need)
    if not stand_ins:
        key = "cases.reason.paper_only" if need.holder == "applicant" else "cases.reason.other_holder"
        return _replace(plain, MISSING, key, {"holder": need.holder})
    proofs = [STAND_INS[name].prove(household, with_spouse=business.spouse_facts) for name in stand_ins]
    for proof in proofs:
        if proof.status == PROVEN_STATUS:
            return _from_proof(need, proof, PROVEN)
    unknown = next((proof for proof in proofs if proof.status == UNKNOWN_STATUS), None)
    if unknown is not None:
        return _from_proof(need, unknown, UNKNOWN)
    return _from_proof(need, proofs[0], MISSING)


def _named(catalog: Catalog, params: dict[str, Any]) -> dict[str, Any]:
    """`params` with a declaration's code given its catalog names, which the message renders."""
    declaration = params.get("declaration")
    return {**params, "declaration": catalog.declaration_label(declaration)} if isinstance(declaration, str) else params


def _replace(item: ChecklistItem, status: str, key: str, params: dict[str, Any]) -> ChecklistItem:
    return ChecklistItem(item.material, item.alternatives, item.holder, status, key, dict(params))


def build_checklist(
    catalog: Catalog, business_code: str, household: Household, request: Request | None = None
) -> Checklist:
    """The checklist of `business_code` for `household` (raises KeyError for an unknown business)."""
    business = catalog.get_business(business_code)
    if business is None:
        raise KeyError(business_code)
    items = tuple(check_material(catalog, business, need, household) for need in business.materials)
    rules = tuple(evaluate(catalog, business, household, request or Request()))
    return Checklist(
        business, business_code.strip().upper(), household.applicant.person_id, household.today, items, rules
    )


def checklist_for(
    session: Session,
    person_id: int,
    business_code: str,
    *,
    declared: Iterable[str] = (),
    request: Request | None = None,
    today: date | None = None,
    directory: RegistryDirectory | None = None,
    catalog: Catalog | None = None,
) -> Checklist:
    """The checklist of `business_code` for the customer `person_id`, read from the database now."""
    household = load_household(session, person_id, today=today, declared=declared, directory=directory)
    return build_checklist(catalog or get_catalog(), business_code, household, request)
