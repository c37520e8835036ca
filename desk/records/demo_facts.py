"""Registry facts of one demo customer, shaped as registry_sources.toml documents.

Some facts are left out on purpose (the shares of `[facts.missing]` in demo_data.toml), so
each business has customers whose materials are proven by data and customers who bring paper.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from desk.records.calendar_months import add_months
from desk.records.demo_draft import Draft
from desk.records.demo_random import choice, randint
from desk.records.registries import source_of_kind

Payload = dict[str, Any] | str | None  # a dict, or JSON text already encoded

# Compact UTF-8 JSON; dates inside payloads become ISO text.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
# The most common answers, encoded once (a million customers repeat them).
_NO_HOME = _ENCODER.encode({"owns_home_in_dalian": False, "homes": []})
_NO_COMMERCIAL_LOAN = _ENCODER.encode({"has_commercial_loan": False, "commercial_loans": []})
_NOT_RETIRED = _ENCODER.encode({"retired": False, "retired_on": None})


@dataclass
class FactContext:
    """What the fact builders need: the drawn customer, the reference date, the facts config."""

    draft: Draft
    today: date
    now: datetime
    conf: dict[str, Any]


def _identity(rng: random.Random, ctx: FactContext) -> Payload:
    dead = "deceased" in ctx.draft.events
    return {"name": ctx.draft.name, "alive": not dead, "died_on": ctx.draft.ended_on if dead else None}


def _hukou(rng: random.Random, ctx: FactContext) -> Payload:
    d = ctx.draft
    local = "non_local_hukou" not in d.events
    reason = "death" if "deceased" in d.events else "abroad" if "abroad" in d.events else None
    return {
        "city": "大连市" if local else choice(rng, ctx.conf["events"]["other_cities"]),
        "district": d.district["name"] if local else None,
        "local_to_dalian": local,
        "cancelled": reason is not None,
        "cancel_reason": reason,
    }


def _marriage(rng: random.Random, ctx: FactContext) -> Payload:
    d = ctx.draft
    spouse_id, spouse_name = d.spouse or (None, None)
    return {
        "status": d.marital,
        "spouse_id_number": spouse_id,
        "spouse_name": spouse_name,
        "registered_on": d.married_on,
    }


def _property(rng: random.Random, ctx: FactContext) -> Payload:
    if not ctx.draft.owner:
        return _NO_HOME
    return {"owns_home_in_dalian": True, "homes": ctx.draft.homes}


def _credit(rng: random.Random, ctx: FactContext) -> Payload:
    loans = ctx.draft.commercial_loans
    if not loans:
        return _NO_COMMERCIAL_LOAN
    return {"has_commercial_loan": any(loan["outstanding_fen"] for loan in loans), "commercial_loans": loans}


def _retirement(rng: random.Random, ctx: FactContext) -> Payload:
    d = ctx.draft
    if d.age < 50:
        return None  # 人社 holds no retirement record for the young: their answer is not_proven
    if "retired" not in d.events:
        return _NOT_RETIRED
    return {"retired": True, "retired_on": add_months(d.birth, 12 * (60 if d.sex == "M" else 55))}


def _disability(rng: random.Random, ctx: FactContext) -> Payload:
    if "disability" not in ctx.draft.events:
        return None
    ended = ctx.draft.ended_on or ctx.today  # the assessment came before the work (and the deposits) stopped
    return {
        "grade": randint(rng, 1, 4),
        "complete_loss": True,
        "assessed_on": ended - timedelta(days=randint(rng, 0, 60)),
    }


def _social_assistance(rng: random.Random, ctx: FactContext) -> Payload:
    if "social_assistance" not in ctx.draft.events:
        return None
    return {
        "programme": "dibao" if rng.random() < 0.8 else "tekun",
        "since": ctx.today - timedelta(days=randint(rng, 60, 2000)),
    }


def _medical(rng: random.Random, ctx: FactContext) -> Payload:
    if "major_disease" not in ctx.draft.events:
        return None
    return {
        "major_disease": True,
        "diagnosis": choice(rng, ctx.conf["events"]["diagnoses"]),
        "self_paid_fen": randint(rng, 2, 30) * 10_000 * 100,
        "settled_on": ctx.today - timedelta(days=randint(rng, 10, 300)),
    }


def _purchase_filing(rng: random.Random, ctx: FactContext) -> Payload:
    return {"contracts": [ctx.draft.purchase]} if ctx.draft.purchase else None


def _lease_filing(rng: random.Random, ctx: FactContext) -> Payload:
    return {"leases": [ctx.draft.lease]} if ctx.draft.lease else None


def _tax(rng: random.Random, ctx: FactContext) -> Payload:
    d = ctx.draft
    invoices = []
    if d.purchase:
        invoices.append(
            {
                "invoice_no": f"{rng.randrange(10**20):020d}",
                "amount_fen": d.purchase["price_fen"],
                "issued_on": d.purchase["signed_on"],
                "purpose": "house",
            }
        )
    if "renovation" in d.events and d.owner:
        invoices.append(
            {
                "invoice_no": f"{rng.randrange(10**20):020d}",
                "amount_fen": randint(rng, 3, 30) * 10**6,
                "issued_on": ctx.today - timedelta(days=randint(rng, 10, 300)),
                "purpose": "renovation",
            }
        )
    if not invoices:
        return None
    deed_tax = d.purchase["price_fen"] * 15 // 1000 if d.purchase else 0
    return {"invoices": invoices, "deed_tax_paid_fen": deed_tax}


def _education(rng: random.Random, ctx: FactContext) -> Payload:
    if "child_at_college" not in ctx.draft.events or ctx.draft.age < ctx.conf["events"]["college_parent_min_age"]:
        return None
    return {
        "child_name": ctx.draft.name[0] + choice(rng, "子晨宇涵欣怡浩然"),
        "school": choice(rng, ctx.conf["events"]["schools"]),
        "tuition_fen": randint(rng, 5, 12) * 1000 * 100,
        "enrolled_on": date(ctx.today.year if ctx.today.month >= 9 else ctx.today.year - 1, 9, 1),
    }


_BUILDERS: tuple[tuple[str, Callable[[random.Random, FactContext], Payload]], ...] = (
    ("identity", _identity),
    ("hukou", _hukou),
    ("marriage", _marriage),
    ("property", _property),
    ("credit", _credit),
    ("retirement", _retirement),
    ("disability", _disability),
    ("social_assistance", _social_assistance),
    ("medical", _medical),
    ("purchase_filing", _purchase_filing),
    ("lease_filing", _lease_filing),
    ("tax", _tax),
    ("education", _education),
)


def registry_facts(rng: random.Random, ctx: FactContext) -> Iterator[tuple[str, str, datetime, str]]:
    """(kind, source, as_of, JSON payload) of each fact the registries hold about the customer."""
    missing = ctx.conf["missing"]
    for kind, build in _BUILDERS:
        payload = build(rng, ctx)
        if payload is None or rng.random() < missing.get(kind, missing["other"]):
            continue
        # Each source synchronised some time in the last two months.
        as_of = ctx.now - timedelta(minutes=int(rng.random() * 86_400))
        yield kind, source_of_kind(kind), as_of, payload if isinstance(payload, str) else _ENCODER.encode(payload)
