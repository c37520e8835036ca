"""The business catalog: load `catalog.toml`, validate it, and answer questions about it.

Validation happens once, at start-up (`get_catalog()`): the shape of every entry (pydantic), then
every reference between entries — materials, stand-ins and conditions (evidence.py), rule checks
and their parameters (eligibility.py), declarations, retention classes. A broken catalog raises
`CatalogError`, whose message names each broken entry and its problem, and the app does not start.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from desk.cases.messages import Label
from desk.i18n import current_language, t

CATALOG_PATH = Path(__file__).with_name("catalog.toml")
BUSINESS_CODE = re.compile(r"^(TQ|DK|FW)\d{3}$")
MATERIAL_CODE = re.compile(r"^M\d{2}$")
# 2-digit withdrawal reasons of domain.md §4
REASON_CODES = frozenset({"01", "02", "03", "04", "05", "06", "07", "08", "09", "99"})
REVIEW_MODES = ("decide_first", "pay_first")
HOLDERS = ("applicant", "heir", "seller", "agent")


class CatalogError(ValueError):
    """A broken catalog: `problems` lists (entry, message) pairs in the current language."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = [t("cases.catalog.problem", entry=entry, problem=problem) for entry, problem in problems]
        super().__init__("\n".join([t("cases.catalog.broken", count=len(problems)), *lines]))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Named(_Strict):
    """An entry with a name in both languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def name(self, language: str | None = None) -> str:
        """The name in `language` (default: the current one)."""
        return self.en if (language or current_language()) == "en" else self.zh


class DueTimes(_Strict):
    """Working days from submission to decision, per business group."""

    effective_from: date
    source: str
    withdrawal: int = Field(ge=0)
    loan: int = Field(ge=0)
    transfer: int = Field(ge=0)
    service: int = Field(ge=0)


class PageSide(Named):
    """One side or page that a material's paper must show (an ID card's front), named in both languages.

    `side` is the classified document type of that side (desk/capture/doc_types.toml).
    """

    side: str = Field(min_length=1)


class Material(Named):
    """A paper material, the system data that can stand in for it, the sides its paper must show
    (every one required), the pages its paper usually has and the form the desk prints for the
    customer to sign, if any."""

    stand_ins: tuple[str, ...] = ()
    # the paper is issued from the very registry that stands in for it: when that registry says no,
    # no paper can say yes, so the material is never accepted on a promise (容缺)
    data_decides: bool = False
    pages: tuple[PageSide, ...] = ()
    # the pages (sides) the customer's paper usually has: what a case saves when data proves it;
    # None where it varies (contracts, statements, reports)
    usual_pages: int | None = Field(default=None, ge=1)
    form: str | None = None  # a form of desk/cases/forms.toml


class RuleVersion(_Strict):
    """One dated parameter set of a rule."""

    effective_from: date
    source: str = Field(min_length=1)
    params: dict[str, Any] = {}
    _parsed: BaseModel | None = PrivateAttr(default=None)

    @property
    def parsed(self) -> BaseModel:
        """The parameters as validated by the rule's check."""
        assert self._parsed is not None, "catalog not validated"
        return self._parsed


class Rule(Named):
    """A named check of eligibility.py with its dated parameter sets."""

    check: str
    versions: tuple[RuleVersion, ...] = Field(min_length=1)

    def version_on(self, day: date) -> RuleVersion | None:
        """The newest version in effect on `day` (None before the first one)."""
        in_effect = [v for v in self.versions if v.effective_from <= day]
        return max(in_effect, key=lambda v: v.effective_from, default=None)


class MaterialNeed(_Strict):
    """A material as one business needs it."""

    code: str
    when: str | None = None
    alternatives: tuple[str, ...] = ()
    holder: Literal["applicant", "heir", "seller", "agent"] = "applicant"
    stand_ins: tuple[str, ...] | None = None  # None: the material's own


class Business(Named):
    """One business of the counter."""

    group: Literal["withdrawal", "loan", "transfer", "service"]
    review_mode: Literal["decide_first", "pay_first"]
    retention: str  # a class of desk/archive/retention.toml
    reason_code: str | None = None
    loan_business_type: str | None = None
    due_working_days: int | None = Field(default=None, ge=0)  # None: the group's default
    spouse_facts: bool = False
    closes_account: bool = False
    manual_review: bool = False
    declarations: tuple[str, ...] = ()
    materials: tuple[MaterialNeed, ...] = Field(min_length=1)
    rules: tuple[str, ...] = ()
    pays: bool | None = None  # pays money out of the account; None: every withdrawal does

    @property
    def pays_out(self) -> bool:
        """Whether a case of this business pays money out of the customer's account (and so has an amount)."""
        return self.group == "withdrawal" if self.pays is None else self.pays


class Catalog(_Strict):
    """The whole catalog; `business` is keyed by code (TQ401 …)."""

    due_working_days: DueTimes
    declarations: dict[str, Named] = {}
    materials: dict[str, Material]
    rules: dict[str, Rule]
    business: dict[str, Business]

    def get_business(self, code: str) -> Business | None:
        """The business `code` (case-insensitive), or None."""
        return self.business.get(code.strip().upper())

    def due_days(self, business: Business) -> int:
        """Working days from submission to decision for `business`."""
        if business.due_working_days is not None:
            return business.due_working_days
        return getattr(self.due_working_days, business.group)

    def side_label(self, side: str, language: str | None = None) -> str:
        """The name of a side (`PageSide.side`) as the catalog gives it; the code itself when no material has it."""
        found = (item for material in self.materials.values() for item in material.pages if item.side == side)
        return next((item.name(language) for item in found), side)

    def side_labels(self, sides: tuple[str, ...] | list[str]) -> tuple[Label, ...]:
        """Sides as a message parameter: their names from the catalog (messages cannot ask it)."""
        return tuple(Label(side, self.side_label(side, "zh"), self.side_label(side, "en")) for side in sides)

    def declaration_label(self, name: str) -> Label:
        """A declaration as a message parameter: its names from the catalog, the code itself when unknown."""
        found = self.declarations.get(name)
        return Label(name, found.zh, found.en) if found else Label(name, name, name)

    def stand_ins_for(self, need: MaterialNeed) -> tuple[str, ...]:
        """The stand-ins of a material need: its own override, else those of the material and its alternatives."""
        if need.stand_ins is not None:
            return need.stand_ins
        if need.holder != "applicant":
            return ()  # the applicant's data never proves another person's paper
        codes = (need.code, *need.alternatives)
        return tuple(name for code in codes for name in self.materials[code].stand_ins)


def _location(loc: tuple[Any, ...]) -> tuple[str, str]:
    """(entry, field) of a pydantic error location such as ('business', 'TQ401', 'materials', 2, 'code')."""
    head = ".".join(str(part) for part in loc[:2]) or "catalog"
    rest = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[2:]).lstrip(".")
    return head, rest


def _shape_problems(error: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for item in error.errors():
        entry, field = _location(tuple(item["loc"]))
        problems.append((entry, t("cases.catalog.bad_field", field=field or "-", detail=item["msg"])))
    return problems


def parse_catalog(text: str) -> Catalog:
    """A validated catalog from TOML text; raises CatalogError naming every broken entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError([("catalog.toml", t("cases.catalog.not_toml", detail=str(exc)))]) from exc
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(_shape_problems(exc)) from exc
    from desk.cases.catalog_checks import reference_problems  # the checks need evidence and eligibility

    problems = reference_problems(catalog)
    if problems:
        raise CatalogError(problems)
    return catalog


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """The validated catalog of `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError([(str(path), t("cases.catalog.unreadable", detail=exc.strerror or str(exc)))]) from exc
    return parse_catalog(text)


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """The catalog of the app, loaded and validated once; call at start-up so a broken one stops it."""
    return load_catalog()
