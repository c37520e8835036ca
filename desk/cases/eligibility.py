"""Eligibility rules: named checks whose parameters come from the catalog, never from code.

A catalog rule names a check of `CHECKS` and carries dated parameter sets; the set in effect on
the application date applies. Every result says pass or fail and why, as a message key with raw
parameters (rendered in zh-CN or en by desk.cases.messages), plus `limit_fen`, the most the rule
allows, where the rule is about an amount. Without a requested amount (or term), amount rules
report that limit and pass when it is above zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from desk.cases.costs import COSTS, newest_contract
from desk.cases.evidence import PROVEN_STATUS, UNKNOWN_STATUS, RegistryStandIn
from desk.cases.household import Household, PersonFacts
from desk.cases.messages import json_value, render
from desk.i18n import current_language
from desk.records.calendar_months import add_months, month_start, months_between

if TYPE_CHECKING:
    from desk.cases.catalog import Business, Catalog


@dataclass(frozen=True)
class Request:
    """What the customer asks for, when known: an amount, a loan term."""

    amount_fen: int | None = None
    term_months: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What a check found: pass or fail, why, and the limit it sets."""

    passed: bool
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    limit_fen: int | None = None
    derived: dict[str, Any] = field(default_factory=dict)  # values later checks build on


@dataclass(frozen=True)
class RuleResult:
    """The result of one catalog rule for one customer."""

    rule: str
    label_zh: str
    label_en: str
    check: str
    passed: bool
    reason_key: str
    params: dict[str, Any]
    effective_from: date | None
    source: str
    limit_fen: int | None = None
    derived: dict[str, Any] = field(default_factory=dict)

    def label(self, language: str | None = None) -> str:
        """The rule's name in `language`."""
        return self.label_en if (language or current_language()) == "en" else self.label_zh

    def reason(self, language: str | None = None) -> str:
        """Why it passed or failed, in plain words."""
        return render(self.reason_key, self.params, language)

    def to_json(self, language: str | None = None) -> dict[str, Any]:
        """A JSON-ready dict, with the reason in `language`."""
        return {
            "rule": self.rule,
            "label": self.label(language),
            "check": self.check,
            "passed": self.passed,
            "reason": self.reason(language),
            "reason_key": self.reason_key,
            "params": {k: json_value(v) for k, v in self.params.items()},
            "limit_fen": self.limit_fen,
            "effective_from": json_value(self.effective_from),
            "source": self.source,
        }


@dataclass(frozen=True)
class RuleContext:
    """Everything a check may read."""

    household: Household
    business: Business
    request: Request
    earlier: dict[str, RuleResult]  # results of earlier rules of the same business, by check name

    @property
    def today(self) -> date:
        """The application date."""
        return self.household.today


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _amount_outcome(ctx: RuleContext, limit_fen: int, key: str, params: dict[str, Any]) -> Outcome:
    """Pass when the requested amount (or, without one, any amount) fits under `limit_fen`."""
    amount = ctx.request.amount_fen
    passed = limit_fen > 0 if amount is None else amount <= limit_fen
    suffix = "limit" if amount is None else "pass" if passed else "fail"
    return Outcome(passed, f"{key}.{suffix}", {**params, "limit_fen": limit_fen, "amount_fen": amount}, limit_fen)


# --- account status -----------------------------------------------------------------------------


class AccountStatusParams(_Params):
    allowed: tuple[str, ...] = Field(min_length=1)


def account_status(ctx: RuleContext, params: AccountStatusParams) -> Outcome:
    account = ctx.household.applicant.account
    if account is None:
        return Outcome(False, "cases.rule.no_account")
    passed = account.status_code in params.allowed
    return Outcome(passed, f"cases.rule.account_status.{'pass' if passed else 'fail'}", {"status": account.status_code})


# --- interval since the last withdrawal of the same kind ------------------------------------------


class IntervalParams(_Params):
    months: int = Field(gt=0)
    reason_codes: tuple[str, ...] | None = None  # default: the business's reason code


def withdrawal_interval(ctx: RuleContext, params: IntervalParams) -> Outcome:
    codes = params.reason_codes or (ctx.business.reason_code,)
    dates = [
        w.withdrawn_on for w in ctx.household.applicant.withdrawals if w.reason_code in codes and not w.is_clawback
    ]
    if not dates:
        return Outcome(True, "cases.rule.interval.never", {"months": params.months})
    last = max(dates)
    allowed_from = add_months(last, params.months)
    passed = ctx.today >= allowed_from
    return Outcome(
        passed,
        f"cases.rule.interval.{'pass' if passed else 'fail'}",
        {"last": last, "next": allowed_from, "months": params.months},
    )


# --- continuous deposits -------------------------------------------------------------------------


class DepositParams(_Params):
    months: int = Field(gt=0, le=24)  # the profile holds the last 24 months of the ledger
    max_months_since_last: int = Field(default=1, ge=0)


def continuous_deposits(ctx: RuleContext, params: DepositParams) -> Outcome:
    months = ctx.household.applicant.deposit_months
    if not months:
        return Outcome(False, "cases.rule.deposits.none", {"months": params.months})
    last = max(months)
    if months_between(last, month_start(ctx.today)) > params.max_months_since_last:
        return Outcome(False, "cases.rule.deposits.stopped", {"last": last, "months": params.months})
    run, month = 0, last
    while month in months:
        run, month = run + 1, add_months(month, -1)
    passed = run >= params.months
    return Outcome(
        passed,
        f"cases.rule.deposits.{'pass' if passed else 'fail'}",
        {"run": run, "months": params.months, "last": last},
    )


# --- a registry fact ---------------------------------------------------------------------------


class RegistryFactParams(_Params):
    kind: str
    key: str | None = None
    equals: Any = None
    household: Literal["applicant", "any", "all"] = "applicant"


def registry_fact(ctx: RuleContext, params: RegistryFactParams) -> Outcome:
    key, equals = params.key, params.equals
    test = (lambda payload: payload.get(key) == equals) if key else (lambda payload: True)
    stand_in = RegistryStandIn(params.kind, test, "all" if params.household == "all" else "any")
    proof = stand_in.prove(ctx.household, with_spouse=params.household != "applicant")
    details = {"source": proof.source, "as_of": proof.as_of, "whose": proof.whose}
    if proof.status == PROVEN_STATUS:
        return Outcome(True, "cases.rule.fact.pass", details)
    if proof.status == UNKNOWN_STATUS:
        return Outcome(False, "cases.rule.fact.unknown", details)
    if proof.reason_key == "cases.reason.spouse_not_on_file":
        return Outcome(False, "cases.rule.fact.spouse_not_on_file", details)
    return Outcome(False, "cases.rule.fact.fail", details)


# --- rent cap --------------------------------------------------------------------------------


class RentArea(_Params):
    yuan_per_year: int = Field(gt=0)
    districts: tuple[str, ...] = ()


class RentCapParams(_Params):
    default_area: str
    actual_rent_declaration: str | None = None
    areas: dict[str, RentArea] = Field(min_length=1)

    def model_post_init(self, _context: Any) -> None:
        if self.default_area not in self.areas:
            raise ValueError(f"default_area {self.default_area!r} is not one of the areas")


def _rent_area(ctx: RuleContext, params: RentCapParams) -> tuple[str, str | None]:
    """(area name, district) from the customer's Dalian hukou district; the default area otherwise."""
    hukou = ctx.household.applicant.payload("hukou") or {}
    district = hukou.get("district") if hukou.get("local_to_dalian") else None
    for name, area in params.areas.items():
        if district in area.districts:
            return name, district
    return params.default_area, district


def _rent_paid_within_a_year(ctx: RuleContext) -> int:
    """Rent withdrawn (less claw-backs) in the 12 months before the application date: the yearly cap is
    for any 12 months, whether or not the 12-month interval was overridden."""
    since = add_months(ctx.today, -12)
    return sum(
        w.signed_fen
        for w in ctx.household.applicant.withdrawals
        if w.reason_code == ctx.business.reason_code and w.withdrawn_on > since
    )


def rent_cap(ctx: RuleContext, params: RentCapParams) -> Outcome:
    area, district = _rent_area(ctx, params)
    cap_fen = params.areas[area].yuan_per_year * 100
    earlier = _rent_paid_within_a_year(ctx)
    facts = {"district": district or "—", "cap_fen": cap_fen, "earlier_fen": earlier}
    if params.actual_rent_declaration in ctx.household.declared:
        leases = (ctx.household.applicant.payload("lease_filing") or {}).get("leases") or []
        if leases:
            newest = max(leases, key=lambda lease: str(lease.get("start_on")))
            actual_fen = int(newest["monthly_rent_fen"]) * 12
            return _amount_outcome(
                ctx, max(actual_fen - earlier, 0), "cases.rule.rent_actual", {**facts, "actual_fen": actual_fen}
            )
    return _amount_outcome(ctx, max(cap_fen - earlier, 0), "cases.rule.rent_cap", facts)


# --- amount within balance / within cost ------------------------------------------------------------


class NoParams(_Params):
    pass


def amount_within_balance(ctx: RuleContext, params: NoParams) -> Outcome:
    account = ctx.household.applicant.account
    if account is None:
        return Outcome(False, "cases.rule.no_account")
    if ctx.business.closes_account:
        return Outcome(
            account.balance_fen > 0,
            "cases.rule.balance.closing",
            {"balance_fen": account.balance_fen},
            account.balance_fen,
        )
    return _amount_outcome(ctx, account.balance_fen, "cases.rule.balance", {"balance_fen": account.balance_fen})


class CostParams(_Params):
    cost: Literal[
        "purchase_price",
        "down_payment",
        "pf_loan_outstanding",
        "commercial_repaid",
        "renovation_invoices",
        "medical_self_paid",
        "tuition",
    ]
    months: int = Field(default=12, gt=0)


def amount_within_cost(ctx: RuleContext, params: CostParams) -> Outcome:
    cost = COSTS[params.cost](ctx.household, ctx.business.spouse_facts, params.months)
    if cost is None:
        return Outcome(False, "cases.rule.cost.unknown", {"cost": params.cost})
    earlier = 0
    if cost.since is not None:
        earlier = sum(
            w.signed_fen
            for w in ctx.household.applicant.withdrawals
            if w.reason_code == ctx.business.reason_code and w.withdrawn_on >= cost.since
        )
    limit = max(cost.amount_fen - earlier, 0)
    return _amount_outcome(
        ctx, limit, "cases.rule.cost", {"cost_fen": cost.amount_fen, "earlier_fen": earlier, "since": cost.since}
    )


# --- claim window ----------------------------------------------------------------------------


class ClaimWindowParams(_Params):
    event: Literal["purchase_signed", "medical_settled"]
    months: int = Field(gt=0)


def _event_date(ctx: RuleContext, event: str) -> date | None:
    if event == "purchase_signed":
        contract = newest_contract(ctx.household, ctx.business.spouse_facts)
        value = contract.get("signed_on") if contract else None
    else:
        value = (ctx.household.applicant.payload("medical") or {}).get("settled_on")
    return date.fromisoformat(str(value)[:10]) if value else None


def claim_window(ctx: RuleContext, params: ClaimWindowParams) -> Outcome:
    happened = _event_date(ctx, params.event)
    if happened is None:
        return Outcome(False, "cases.rule.window.no_event", {"event": params.event})
    deadline = add_months(happened, params.months)
    passed = ctx.today <= deadline
    return Outcome(
        passed,
        f"cases.rule.window.{'pass' if passed else 'fail'}",
        {"event": params.event, "happened": happened, "deadline": deadline, "months": params.months},
    )


# --- sealed account, age ------------------------------------------------------------------------


class SealedParams(_Params):
    months: int = Field(gt=0)


def sealed_months(ctx: RuleContext, params: SealedParams) -> Outcome:
    account = ctx.household.applicant.account
    if account is None or account.status_code != "02":
        return Outcome(False, "cases.rule.sealed.not_sealed", {"status": account.status_code if account else None})
    since = account.status_since
    enough_on = add_months(since, params.months)
    passed = ctx.today >= enough_on
    return Outcome(
        passed,
        f"cases.rule.sealed.{'pass' if passed else 'fail'}",
        {"since": since, "enough_on": enough_on, "months": params.months},
    )


class AgeParams(_Params):
    years: dict[Literal["M", "F"], int]


def age_at_least(ctx: RuleContext, params: AgeParams) -> Outcome:
    person = ctx.household.applicant
    needed = params.years[person.sex]  # type: ignore[index]
    reached_on = add_months(person.birth_date, 12 * needed)
    passed = ctx.today >= reached_on
    return Outcome(
        passed, f"cases.rule.age.{'pass' if passed else 'fail'}", {"years": needed, "reached_on": reached_on}
    )


# --- provident fund loans -------------------------------------------------------------------------


class OpenLoanParams(_Params):
    required: bool = True


def open_pf_loan(ctx: RuleContext, params: OpenLoanParams) -> Outcome:
    open_loans = [loan for loan in ctx.household.applicant.loans if loan.status == "open"]
    passed = bool(open_loans) == params.required
    outstanding = sum(loan.outstanding_fen for loan in open_loans)
    return Outcome(
        passed,
        f"cases.rule.open_loan.{'yes' if open_loans else 'no'}",
        {"count": len(open_loans), "outstanding_fen": outstanding},
    )


class LoanHistoryParams(_Params):
    max_open: int = Field(ge=0)
    max_ever: int = Field(ge=0)


def pf_loan_history(ctx: RuleContext, params: LoanHistoryParams) -> Outcome:
    loans = ctx.household.applicant.loans
    open_count = sum(loan.status == "open" for loan in loans)
    passed = open_count <= params.max_open and len(loans) <= params.max_ever
    return Outcome(
        passed,
        f"cases.rule.loan_history.{'pass' if passed else 'fail'}",
        {"open": open_count, "ever": len(loans), "max_open": params.max_open, "max_ever": params.max_ever},
    )


class LoanTermParams(_Params):
    max_term_months: int = Field(gt=0)
    retirement_age: dict[Literal["M", "F"], int]
    years_after_retirement: int = Field(ge=0)


@dataclass(frozen=True)
class LoanLimit:
    """One limit on a loan: which (`name`), the most it allows (fen, or months for a term limit; None when
    the data cannot tell, e.g. no price) and the inputs it was computed from (raw values, for messages)."""

    name: str
    value: int | None
    inputs: dict[str, Any] = field(default_factory=dict)


def _whole_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (0 when `end` is not after `start`)."""
    months = months_between(start, end) - (end.day < start.day)
    return max(months, 0)


def loan_term_limits(applicant: PersonFacts, today: date, params: LoanTermParams) -> tuple[LoanLimit, LoanLimit]:
    """The two limits on the term: the longest term of the catalog, and the months left until the age limit
    (retirement age plus the years after it)."""
    age_limit = params.retirement_age[applicant.sex] + params.years_after_retirement  # type: ignore[index]
    limit_day = add_months(applicant.birth_date, 12 * age_limit)
    return (
        LoanLimit("term_cap", params.max_term_months, {"max_term": params.max_term_months}),
        LoanLimit(
            "age",
            _whole_months(today, limit_day),
            {
                "age_limit": age_limit,
                "limit_day": limit_day,
                "birth_date": applicant.birth_date,
                "retirement_age": params.retirement_age[applicant.sex],  # type: ignore[index]
                "years_after": params.years_after_retirement,
            },
        ),
    )


def loan_term(ctx: RuleContext, params: LoanTermParams) -> Outcome:
    limits = loan_term_limits(ctx.household.applicant, ctx.today, params)
    max_term = min(limit.value for limit in limits if limit.value is not None)
    term = ctx.request.term_months
    passed = max_term > 0 if term is None else 0 < term <= max_term
    suffix = "limit" if term is None else "pass" if passed else "fail"
    age = limits[1].inputs
    return Outcome(
        passed,
        f"cases.rule.term.{suffix}",
        {"max_term": max_term, "term": term, "age_limit": age["age_limit"], "limit_day": age["limit_day"]},
        derived={"max_term_months": max_term},
    )


class LoanCeilingParams(_Params):
    single_yuan: int = Field(gt=0)
    couple_yuan: int = Field(gt=0)
    bonus_yuan: dict[str, int] = {}
    balance_multiple: float = Field(gt=0)
    income_share: float = Field(gt=0, le=1)
    down_payment_share: float = Field(ge=0, lt=1)
    annual_rate_pct: dict[Literal["first", "second"], float]  # terms longer than short_term_months
    short_term_months: int = Field(default=60, gt=0)
    short_term_rate_pct: dict[Literal["first", "second"], float] | None = None  # None: annual_rate_pct throughout


def _annuity_principal(payment_fen: int, annual_rate_pct: float, months: int) -> int:
    """The principal that `payment_fen` a month repays over `months` at the rate (equal instalments)."""
    if payment_fen <= 0 or months <= 0:
        return 0
    rate = annual_rate_pct / 100 / 12
    if rate == 0:
        return payment_fen * months
    return int(payment_fen * (1 - (1 + rate) ** -months) / rate)


def _times(amount_fen: int, factor: float | Decimal) -> int:
    """`amount_fen` times a catalog factor, floored to whole fen; exact (0.8 is not exact as a float)."""
    return math.floor(Decimal(amount_fen) * Decimal(str(factor)))


def is_couple(household: Household) -> bool:
    """Whether the loan is the couple's: married, and the spouse deposits here on a normal account."""
    spouse = household.spouse
    return (
        household.married and spouse is not None and spouse.account is not None and spouse.account.status_code == "01"
    )


def borrowers(household: Household) -> list[PersonFacts]:
    """Whose accounts, incomes and commitments count: the applicant, and the spouse for a couple."""
    return [household.applicant] + ([household.spouse] if is_couple(household) and household.spouse else [])


def owns_home(household: Household) -> bool:
    """Whether a borrower owns a home in Dalian already (the loan is then for a second home)."""
    return any((p.payload("property") or {}).get("owns_home_in_dalian") for p in borrowers(household))


def loan_rate(params: LoanCeilingParams, *, second_home: bool, term_months: int) -> float:
    """The annual rate in percent for a first or second home and the term."""
    rates = params.annual_rate_pct
    if params.short_term_rate_pct is not None and 0 < term_months <= params.short_term_months:
        rates = params.short_term_rate_pct
    return rates["second" if second_home else "first"]


def loan_amount_limits(
    household: Household, params: LoanCeilingParams, *, term_months: int, price_fen: int | None
) -> tuple[LoanLimit, ...]:
    """The four limits on the amount, in catalog order: the ceiling (one person or a couple, plus the largest
    declared bonus), the balance multiple, the repayment capacity over `term_months`, and the price less the
    down payment (None without a price). Raw values: the caller takes the smallest and rounds."""
    people = borrowers(household)
    accounts = [p.account for p in people if p.account is not None]
    couple = is_couple(household)
    bonuses = {k: v for k, v in params.bonus_yuan.items() if k in household.declared}
    bonus_name = max(bonuses, key=lambda k: bonuses[k], default=None)  # bonuses do not add up: the largest counts
    base_fen = (params.couple_yuan if couple else params.single_yuan) * 100
    bonus_fen = bonuses[bonus_name] * 100 if bonus_name else 0
    balance_fen = sum(a.balance_fen for a in accounts)
    income_fen = sum(a.deposit_base_fen for a in accounts)
    commitments_fen = sum(loan.monthly_payment_fen for p in people for loan in p.loans if loan.status == "open")
    payment_fen = _times(income_fen, params.income_share) - commitments_fen
    second_home = owns_home(household)
    rate = loan_rate(params, second_home=second_home, term_months=term_months)
    price_cap = None if price_fen is None else _times(price_fen, 1 - Decimal(str(params.down_payment_share)))
    return (
        LoanLimit(
            "ceiling",
            base_fen + bonus_fen,
            {"couple": couple, "base_fen": base_fen, "bonus_fen": bonus_fen, "declaration": bonus_name},
        ),
        LoanLimit(
            "balance",
            _times(balance_fen, params.balance_multiple),
            {"balance_fen": balance_fen, "multiple": params.balance_multiple, "couple": couple},
        ),
        LoanLimit(
            "capacity",
            _annuity_principal(payment_fen, rate, term_months),
            {
                "income_fen": income_fen,
                "share_pct": _percent(params.income_share),
                "commitments_fen": commitments_fen,
                "payment_fen": payment_fen,
                "rate": rate,
                "second_home": second_home,
                "term": term_months,
                "couple": couple,
            },
        ),
        LoanLimit(
            "price",
            price_cap,
            {
                "price_fen": price_fen,
                "down_pct": _percent(params.down_payment_share),
                "down_fen": None if price_fen is None or price_cap is None else price_fen - price_cap,
            },
        ),
    )


def _percent(share: float) -> str:
    """A share as a percent without float noise: 0.2 -> '20', 0.155 -> '15.5'."""
    return format((Decimal(str(share)) * 100).normalize(), "f")


def loan_amount(limits: tuple[LoanLimit, ...]) -> int:
    """The most that can be lent under `limits`: the smallest, floored to whole hundreds of yuan (loans are
    granted so), never below zero."""
    smallest = min(limit.value for limit in limits if limit.value is not None)
    return max(math.floor(smallest / 100_00) * 100_00, 0)


def loan_ceiling(ctx: RuleContext, params: LoanCeilingParams) -> Outcome:
    term = ctx.request.term_months or ctx.earlier["loan_term"].derived.get("max_term_months", 0)
    contract = newest_contract(ctx.household, ctx.business.spouse_facts)
    ceiling, balance, capacity, price = loan_amount_limits(
        ctx.household, params, term_months=term, price_fen=int(contract["price_fen"]) if contract else None
    )
    return _amount_outcome(
        ctx,
        loan_amount((ceiling, balance, capacity, price)),
        "cases.rule.ceiling",
        {
            "ceiling_fen": ceiling.value,
            "balance_cap_fen": balance.value,
            "capacity_fen": capacity.value,
            "price_cap_fen": price.value,
            "term": term,
            "rate": capacity.inputs["rate"],
        },
    )


# --- the registry of checks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """A named check: its parameter model, its function, what the business and earlier rules must supply."""

    params: type[_Params]
    run: Callable[[RuleContext, Any], Outcome]
    business_needs: tuple[str, ...] = ()  # Business fields that must be set
    needs: tuple[str, ...] = ()  # checks that must come earlier in the business's rules


CHECKS: dict[str, Check] = {
    "account_status": Check(AccountStatusParams, account_status),
    "withdrawal_interval": Check(IntervalParams, withdrawal_interval, ("reason_code",)),
    "continuous_deposits": Check(DepositParams, continuous_deposits),
    "registry_fact": Check(RegistryFactParams, registry_fact),
    "rent_cap": Check(RentCapParams, rent_cap),
    "amount_within_balance": Check(NoParams, amount_within_balance),
    "amount_within_cost": Check(CostParams, amount_within_cost, ("reason_code",)),
    "claim_window": Check(ClaimWindowParams, claim_window),
    "sealed_months": Check(SealedParams, sealed_months),
    "age_at_least": Check(AgeParams, age_at_least),
    "open_pf_loan": Check(OpenLoanParams, open_pf_loan),
    "pf_loan_history": Check(LoanHistoryParams, pf_loan_history),
    "loan_term": Check(LoanTermParams, loan_term),
    "loan_ceiling": Check(LoanCeilingParams, loan_ceiling, needs=("loan_term",)),
}


def evaluate(catalog: Catalog, business: Business, household: Household, request: Request) -> list[RuleResult]:
    """Every rule of `business` for `household`, in catalog order, with the parameters in effect today."""
    results: list[RuleResult] = []
    earlier: dict[str, RuleResult] = {}
    for rule_id in business.rules:
        rule = catalog.rules[rule_id]
        version = rule.version_on(household.today)
        if version is None:
            outcome = Outcome(False, "cases.rule.not_in_effect", {"first": rule.versions[0].effective_from})
        else:
            ctx = RuleContext(household, business, request, earlier)
            outcome = CHECKS[rule.check].run(ctx, version.parsed)
        result = RuleResult(
            rule_id,
            rule.zh,
            rule.en,
            rule.check,
            outcome.passed,
            outcome.key,
            outcome.params,
            version.effective_from if version else None,
            version.source if version else "",
            outcome.limit_fen,
            outcome.derived,
        )
        results.append(result)
        earlier[rule.check] = result
    return results
