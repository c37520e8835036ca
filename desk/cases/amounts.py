"""How much a case may pay: the most every amount rule of the business allows, which rule binds,
and whether the amount is fixed (an account-closing withdrawal pays the whole balance).

Pure: a checklist computed without a requested amount in, an `AmountPlan` out. The limits are the
rules' own (`RuleResult.limit_fen`, from the catalog's parameters and the customer's data), so
the clerk sees the same computation the paying transaction re-checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from desk.cases.checklist import Checklist
from desk.cases.eligibility import RuleResult

# checks whose limit is money: never overridden, because no reason makes a payment above them right
AMOUNT_CHECKS = frozenset({"rent_cap", "amount_within_balance", "amount_within_cost"})


@dataclass(frozen=True)
class AmountPlan:
    """The amount a case of this business may ask for, and the computation behind it."""

    pays: bool  # the business pays money out of the account
    maximum_fen: int | None  # the most allowed; None when the business pays nothing
    fixed: bool  # the amount is the maximum and cannot be lowered (account closing)
    limits: tuple[RuleResult, ...]  # the amount rules with a known limit, in catalog order
    binding: str | None  # the rule whose limit is the maximum

    def refusal(self, amount_fen: int | None) -> tuple[str, dict[str, object]] | None:
        """Why `amount_fen` cannot be asked (message key and parameters), or None when it can."""
        if not self.pays:
            return None if amount_fen is None else ("cases.amount.not_paying", {})
        if self.maximum_fen is None or self.maximum_fen <= 0:
            return "cases.amount.nothing_allowed", {}
        if amount_fen is None or amount_fen <= 0:
            return "cases.amount.needed", {}
        if amount_fen > self.maximum_fen:
            return "cases.amount.above_maximum", {"amount_fen": amount_fen, "maximum_fen": self.maximum_fen}
        if self.fixed and amount_fen != self.maximum_fen:
            return "cases.amount.must_be_whole", {"maximum_fen": self.maximum_fen}
        return None


def amount_plan(checklist: Checklist) -> AmountPlan:
    """The amount plan of a checklist computed without a requested amount."""
    business = checklist.business
    if not business.pays_out:
        return AmountPlan(False, None, False, (), None)
    limits = tuple(rule for rule in checklist.rules if rule.check in AMOUNT_CHECKS and rule.limit_fen is not None)
    binding = min(limits, key=lambda rule: cast(int, rule.limit_fen), default=None)  # limits all have one
    maximum = max(binding.limit_fen, 0) if binding is not None and binding.limit_fen is not None else None
    return AmountPlan(True, maximum, business.closes_account, limits, binding.rule if binding else None)
