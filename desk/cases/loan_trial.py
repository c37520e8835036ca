"""The loan amount trial (额度试算): the most a customer could borrow, for how long, and the monthly instalment.

Offered at the counter and by phone, before a contract exists (the price is typed) or after one was
filed (the price comes from the purchase filing). Every limit comes from the business's catalog rules
through the same functions the eligibility check uses (`loan_amount_limits`, `loan_term_limits`), so
the trial and the checklist can never disagree; each limit keeps its rule's label, source and date
of effect, and the smallest amount limit (and the smallest term limit) is marked as binding.

The other rules of the business (account, deposits, loan history) are evaluated too: a failure does
not stop the trial, it is listed among the reasons, so the clerk can say what would stand in the way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

from sqlmodel import Session

from desk.cases.catalog import Business, Catalog, RuleVersion, get_catalog
from desk.cases.costs import newest_contract
from desk.cases.eligibility import (
    LoanCeilingParams,
    LoanLimit,
    LoanTermParams,
    Request,
    RuleResult,
    evaluate,
    is_couple,
    loan_amount,
    loan_amount_limits,
    loan_term_limits,
)
from desk.cases.household import Household, load_household
from desk.cases.messages import json_value, render
from desk.i18n import Refusal, current_language, t
from desk.money import format_money
from desk.records.registries import RegistryDirectory

AMOUNT: Final = "amount"
TERM: Final = "term"
CEILING_CHECK, TERM_CHECK = "loan_ceiling", "loan_term"
PRICE_TYPED, PRICE_FILED = "typed", "purchase_filing"


class TrialRefused(Refusal):
    """A trial that cannot be computed: an unknown or non-loan business, a declaration it does not know."""


@dataclass(frozen=True)
class TrialLimit:
    """One limit of the trial with the catalog rule it comes from."""

    name: str  # ceiling | balance | capacity | price | term_cap | age
    kind: Literal["amount", "term"]
    value: int | None  # fen for an amount, months for a term; None when the data cannot tell (no price)
    params: dict[str, Any]
    rule: str
    label_zh: str
    label_en: str
    source: str
    effective_from: date
    binding: bool = False

    def rule_label(self, language: str | None = None) -> str:
        """The catalog rule's name in `language`."""
        return self.label_en if (language or current_language()) == "en" else self.label_zh

    def title(self, language: str | None = None) -> str:
        """What this limit is, in `language` ("额度上限", "Repayment capacity", …)."""
        return t(f"loan_trial.limit.{self.name}", language)

    def how(self, language: str | None = None) -> str:
        """How the value was computed, with the parameters, in `language`."""
        key = self.name
        if self.name == "ceiling" and self.params.get("declaration"):
            key = "ceiling_bonus"
        elif self.name == "price" and self.value is None:
            key = "price_none"
        words = {
            "who": t(f"loan_trial.who.{'couple' if self.params.get('couple') else 'single'}", language),
            "home": t(f"loan_trial.home.{'second' if self.params.get('second_home') else 'first'}", language),
        }
        # catalog factors are floats: 20.0 reads "20", 2.6 stays "2.6"
        params = {k: format(v, "g") if isinstance(v, float) else v for k, v in self.params.items()}
        if isinstance(params.get("declaration"), str):
            params["declaration"] = get_catalog().declaration_label(str(params["declaration"]))
        return render(f"loan_trial.how.{key}", {**params, **words}, language)

    def value_text(self, language: str | None = None) -> str:
        """The value as the reader writes it: an amount, or months with years."""
        if self.value is None:
            return t("loan_trial.not_applied", language)
        if self.kind == AMOUNT:
            return format_money(self.value, language)
        return months_text(self.value, language)

    def to_json(self, language: str | None = None) -> dict[str, Any]:
        """A JSON-ready dict: raw value and parameters, and the words in `language`."""
        return {
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "binding": self.binding,
            "title": self.title(language),
            "how": self.how(language),
            "value_text": self.value_text(language),
            "rule": self.rule,
            "rule_label": self.rule_label(language),
            "source": self.source,
            "effective_from": self.effective_from.isoformat(),
            "params": {k: json_value(v) for k, v in self.params.items()},
        }


@dataclass(frozen=True)
class Reason:
    """Something that stands in the way or qualifies the result: a failed rule, or a note of the trial."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    rule: RuleResult | None = None

    def text(self, language: str | None = None) -> str:
        """The reason in plain words."""
        if self.rule is not None:
            return t(
                "loan_trial.rule_reason", language, rule=self.rule.label(language), reason=self.rule.reason(language)
            )
        params = {k: t(f"loan_trial.limit.{v}", language) if k == "limit" else v for k, v in self.params.items()}
        return render(self.key, params, language)


@dataclass(frozen=True)
class Repayment:
    """The monthly payments of a loan: the first and the last month's, and the interest in total."""

    first_fen: int
    last_fen: int
    interest_fen: int


@dataclass(frozen=True)
class LoanTrial:
    """The result of one trial."""

    business_code: str
    person_id: int
    today: date
    limits: tuple[TrialLimit, ...]
    max_amount_fen: int
    max_term_months: int
    term_months: int  # the term the amount and instalments are computed for
    rate_pct: float
    second_home: bool
    couple: bool
    price_fen: int | None
    price_source: str | None  # typed | purchase_filing | None
    declared: tuple[str, ...]
    equal_instalments: Repayment
    equal_principal: Repayment
    reasons: tuple[Reason, ...]

    @property
    def binding(self) -> TrialLimit | None:
        """The amount limit that decides the maximum (the smallest)."""
        return next((limit for limit in self.limits if limit.binding and limit.kind == AMOUNT), None)

    @property
    def binding_term(self) -> TrialLimit | None:
        """The term limit that decides the term (None when the customer chose a shorter one)."""
        return next((limit for limit in self.limits if limit.binding and limit.kind == TERM), None)

    @property
    def instalment_fen(self) -> int:
        """The monthly instalment (equal instalments) at the maximum amount and the term."""
        return self.equal_instalments.first_fen

    @property
    def eligible(self) -> bool:
        """Whether nothing stands in the way: no rule failed and some amount can be lent."""
        return self.max_amount_fen > 0 and not any(reason.rule for reason in self.reasons)

    def to_json(self, language: str | None = None) -> dict[str, Any]:
        """`python -m desk loan-trial --json`: raw numbers (fen, months) and the words in `language`."""
        binding = self.binding
        return {
            "business": self.business_code,
            "date": self.today.isoformat(),
            "eligible": self.eligible,
            "max_amount_fen": self.max_amount_fen,
            "max_amount": format_money(self.max_amount_fen, language),
            "max_term_months": self.max_term_months,
            "term_months": self.term_months,
            "rate_pct": self.rate_pct,
            "second_home": self.second_home,
            "couple": self.couple,
            "price_fen": self.price_fen,
            "price_source": self.price_source,
            "declared": list(self.declared),
            "binding": binding.name if binding else None,
            "binding_term": self.binding_term.name if self.binding_term else None,
            "instalment_fen": self.instalment_fen,
            "equal_principal": {
                "first_fen": self.equal_principal.first_fen,
                "last_fen": self.equal_principal.last_fen,
                "interest_fen": self.equal_principal.interest_fen,
            },
            "equal_instalments_interest_fen": self.equal_instalments.interest_fen,
            "limits": [limit.to_json(language) for limit in self.limits],
            "reasons": [reason.text(language) for reason in self.reasons],
        }


def months_text(months: int, language: str | None = None) -> str:
    """'180 个月（15 年）' / '180 months (15 years)'; whole years only when the months make them."""
    key = "loan_trial.months_years" if months and months % 12 == 0 else "loan_trial.months"
    return t(key, language, months=months, years=months // 12)


def _fen(value: Decimal) -> int:
    """Round to whole fen, half up, as the bank's schedule does."""
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def equal_instalments(principal_fen: int, annual_rate_pct: float, months: int) -> Repayment:
    """等额本息: the same payment every month, P·r·(1+r)^n / ((1+r)^n − 1)."""
    if principal_fen <= 0 or months <= 0:
        return Repayment(0, 0, 0)
    rate = Decimal(str(annual_rate_pct)) / 1200
    if rate == 0:
        payment = _fen(Decimal(principal_fen) / months)
    else:
        growth = (1 + rate) ** months
        payment = _fen(principal_fen * rate * growth / (growth - 1))
    return Repayment(payment, payment, payment * months - principal_fen)


def equal_principal(principal_fen: int, annual_rate_pct: float, months: int) -> Repayment:
    """等额本金: the same principal every month plus the interest on what is still owed, so payments fall."""
    if principal_fen <= 0 or months <= 0:
        return Repayment(0, 0, 0)
    rate = Decimal(str(annual_rate_pct)) / 1200
    share = Decimal(principal_fen) / months
    first = _fen(share + principal_fen * rate)
    last = _fen(share + share * rate)
    interest = _fen(principal_fen * rate * (months + 1) / 2)  # the interest of each month summed
    return Repayment(first, last, interest)


def _rule_version(catalog: Catalog, business: Business, check: str, today: date) -> tuple[str, RuleVersion]:
    """(rule id, version in effect) of the business's rule with `check` (check_request made sure there is one;
    the catalog's validation puts loan_term before loan_ceiling)."""
    for rule_id in business.rules:
        rule = catalog.rules[rule_id]
        if rule.check == check:
            version = rule.version_on(today)
            if version is None:
                raise TrialRefused(
                    "loan_trial.refused.not_in_effect", rule=rule_id, first=rule.versions[0].effective_from.isoformat()
                )
            return rule_id, version
    raise KeyError(check)


def _trial_limits(
    catalog: Catalog, rule_id: str, version: RuleVersion, kind: Literal["amount", "term"], limits: Iterable[LoanLimit]
) -> list[TrialLimit]:
    rule = catalog.rules[rule_id]
    return [
        TrialLimit(
            limit.name,
            kind,
            limit.value,
            dict(limit.inputs),
            rule_id,
            rule.zh,
            rule.en,
            version.source,
            version.effective_from,
        )
        for limit in limits
    ]


def _mark_binding(limits: list[TrialLimit], *, term_chosen: bool) -> list[TrialLimit]:
    """Mark the smallest limit of each kind as binding (the first, on a tie: catalog order decides); no term
    limit binds when the customer chose a shorter term than the longest allowed."""
    marked = list(limits)
    for kind in (AMOUNT,) if term_chosen else (AMOUNT, TERM):
        known = [
            (limit.value, index) for index, limit in enumerate(marked) if limit.kind == kind and limit.value is not None
        ]
        if known:
            _, index = min(known)
            marked[index] = replace(marked[index], binding=True)
    return marked


def check_request(
    catalog: Catalog,
    business_code: str,
    declared: Iterable[str],
    *,
    price_fen: int | None = None,
    term_months: int | None = None,
) -> Business:
    """The business of a trial; refuses an unknown business, one without a loan ceiling, an unknown
    declaration (with the names the business accepts), a price or a term that is not above zero."""
    if price_fen is not None and price_fen <= 0:
        raise TrialRefused("loan_trial.refused.bad_price")
    if term_months is not None and term_months <= 0:
        raise TrialRefused("loan_trial.refused.bad_term")
    business = catalog.get_business(business_code)
    if business is None:
        raise TrialRefused(
            "loan_trial.refused.unknown_business", code=business_code, codes=" ".join(trial_businesses(catalog))
        )
    if not any(catalog.rules[rule_id].check == CEILING_CHECK for rule_id in business.rules):
        raise TrialRefused(
            "loan_trial.refused.not_a_loan",
            code=business_code.strip().upper(),
            codes=" ".join(trial_businesses(catalog)),
        )
    unknown = sorted(set(declared) - set(business.declarations))
    if unknown:
        raise TrialRefused(
            "loan_trial.refused.unknown_declaration",
            names=", ".join(unknown),
            allowed=", ".join(business.declarations) or "—",
        )
    return business


def trial_businesses(catalog: Catalog) -> list[str]:
    """The codes of the businesses a trial can be made for (those with a loan ceiling rule)."""
    return [
        code
        for code, business in catalog.business.items()
        if any(catalog.rules[rule_id].check == CEILING_CHECK for rule_id in business.rules)
    ]


def bonus_declarations(catalog: Catalog, business_code: str, today: date) -> list[str]:
    """The declarations of the business that raise its ceiling (the checkboxes of the trial page)."""
    business = check_request(catalog, business_code, ())
    _, version = _rule_version(catalog, business, CEILING_CHECK, today)
    params: LoanCeilingParams = version.parsed  # type: ignore[assignment]
    return [name for name in business.declarations if name in params.bonus_yuan]


def run_trial(
    catalog: Catalog,
    business_code: str,
    household: Household,
    *,
    price_fen: int | None = None,
    term_months: int | None = None,
) -> LoanTrial:
    """The trial for a household already loaded (pure: no database)."""
    business = check_request(catalog, business_code, household.declared, price_fen=price_fen, term_months=term_months)
    today = household.today
    term_rule, term_version = _rule_version(catalog, business, TERM_CHECK, today)
    ceiling_rule, ceiling_version = _rule_version(catalog, business, CEILING_CHECK, today)
    term_params: LoanTermParams = term_version.parsed  # type: ignore[assignment]
    ceiling_params: LoanCeilingParams = ceiling_version.parsed  # type: ignore[assignment]

    reasons: list[Reason] = []
    term_limits = loan_term_limits(household.applicant, today, term_params)
    max_term = max(min(limit.value for limit in term_limits if limit.value is not None), 0)
    term = max_term
    if term_months is not None and 0 < term_months < max_term:
        term = term_months
    elif term_months is not None and term_months > max_term:
        reasons.append(Reason("loan_trial.note.term_capped", {"term": term_months, "max_term": max_term}))

    price_source = PRICE_TYPED if price_fen is not None else None
    if price_fen is None:
        contract = newest_contract(household, business.spouse_facts)
        if contract is not None:
            price_fen, price_source = int(contract["price_fen"]), PRICE_FILED
    if price_fen is None:
        reasons.append(Reason("loan_trial.note.no_price"))

    amount_limits = loan_amount_limits(household, ceiling_params, term_months=term, price_fen=price_fen)
    max_amount = loan_amount(amount_limits) if term > 0 else 0
    limits = _mark_binding(
        _trial_limits(catalog, ceiling_rule, ceiling_version, AMOUNT, amount_limits)
        + _trial_limits(catalog, term_rule, term_version, TERM, term_limits),
        term_chosen=term < max_term,
    )
    capacity = amount_limits[2].inputs
    if max_amount <= 0:
        binding = next(limit for limit in limits if limit.binding and limit.kind == AMOUNT)
        reasons.append(Reason("loan_trial.note.nothing", {"limit": binding.name}))

    # the other rules of the business, as the checklist would show them
    for result in evaluate(catalog, business, household, Request()):
        if not result.passed and result.check not in (CEILING_CHECK, TERM_CHECK):
            reasons.append(Reason(result.reason_key, result.params, result))
    return LoanTrial(
        business_code.strip().upper(),
        household.applicant.person_id,
        today,
        tuple(limits),
        max_amount,
        max_term,
        term,
        capacity["rate"],
        capacity["second_home"],
        is_couple(household),
        price_fen,
        price_source,
        tuple(sorted(household.declared)),
        equal_instalments(max_amount, capacity["rate"], term),
        equal_principal(max_amount, capacity["rate"], term),
        tuple(reasons),
    )


def loan_trial(
    session: Session,
    person_id: int,
    *,
    business_code: str = "DK101",
    price_fen: int | None = None,
    term_months: int | None = None,
    declared: Iterable[str] = (),
    today: date | None = None,
    directory: RegistryDirectory | None = None,
    catalog: Catalog | None = None,
) -> LoanTrial:
    """The loan trial for the customer `person_id`, read from the database now.

    `price_fen` is the price the customer names (None: the newest filed purchase contract's, if any);
    `term_months` the term asked for (None, or longer than allowed: the longest allowed). Raises
    TrialRefused for a business without a loan ceiling or an unknown declaration, and
    desk.records.profile.CustomerNotFound for an unknown person.
    """
    catalog = catalog or get_catalog()
    check_request(
        catalog, business_code, declared, price_fen=price_fen, term_months=term_months
    )  # refuse before reading anyone's data
    household = load_household(session, person_id, today=today, declared=declared, directory=directory)
    return run_trial(catalog, business_code, household, price_fen=price_fen, term_months=term_months)
