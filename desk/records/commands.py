"""`python -m desk seed …` and `python -m desk lookup …` (argument parsing lives in desk.cli)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from desk.db import get_engine, init_db, session_scope
from desk.i18n import t, use_language
from desk.money import format_money
from desk.records.demo_data import database_is_empty, seed_database
from desk.records.lookup import FOUND, INVALID_ID, NOT_FOUND, LookupOutcome, lookup_customer
from desk.records.profile import CustomerProfile
from desk.security.masking import mask_dataclass
from desk.settings import get_settings


def database_size_mb(engine: Engine) -> float | None:
    """The SQLite file's size with its WAL, in MB (None for a server database)."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    base = Path(engine.url.database)
    files = [base, base.with_name(base.name + "-wal")]
    return round(sum(f.stat().st_size for f in files if f.exists()) / 1e6, 1)


def seed_command(args: argparse.Namespace) -> int:
    """Fill an empty database with `--customers` demo customers as of `--as-of` (default today);
    refuses a database that has customers."""
    with use_language(get_settings().default_language):
        if args.customers < 1:
            print(t("records.seed.bad_count"), file=sys.stderr)
            return 2
        try:
            as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
        except ValueError:
            print(t("records.seed.bad_as_of", value=args.as_of), file=sys.stderr)
            return 2
        engine = init_db(get_engine())
        if not database_is_empty(engine):
            print(t("records.seed.not_empty"), file=sys.stderr)
            return 1
        print(t("records.seed.started", count=args.customers, as_of=as_of.isoformat()), flush=True)
        started = time.perf_counter()
        summary = seed_database(engine, customers=args.customers, seed=args.seed, as_of=as_of)
        seconds = round(time.perf_counter() - started, 1)
        print(t("records.seed.done", count=summary["customers"], seconds=seconds, size=database_size_mb(engine) or "-"))
        print(
            t(
                "records.seed.rows",
                ledger=summary["deposit_ledger"],
                withdrawals=summary["withdrawal"],
                loans=summary["loan"],
                facts=summary["registry_fact"],
                employers=summary["employer"],
            )
        )
    return 0


def lookup_command(args: argparse.Namespace) -> int:
    """Look a customer up, print the masked profile (or the candidates / the problem), log the access."""
    with use_language(get_settings().default_language):
        engine = init_db(get_engine())
        with session_scope(engine) as session:
            outcome, profile = lookup_customer(session, args.query, staff=args.staff, purpose=args.purpose)
            masked = mask_dataclass(profile) if profile else None
            if args.json:
                print(json.dumps(_outcome_json(outcome, masked), ensure_ascii=False, indent=2))
            else:
                print(render_outcome(outcome, masked))
    return {FOUND: 0, NOT_FOUND: 1, INVALID_ID: 2}.get(outcome.kind, 0)


def _outcome_json(outcome: LookupOutcome, profile: CustomerProfile | None) -> dict:
    return {
        "kind": outcome.kind,
        "query_kind": outcome.query_kind,
        "person_id": outcome.person_id,
        "message": outcome.message() or None,
        "message_key": outcome.message_key,
        "total": outcome.total,
        "candidates": [vars(c) for c in outcome.candidates],
        "profile": profile.to_json() if profile else None,
    }


def render_outcome(outcome: LookupOutcome, profile: CustomerProfile | None) -> str:
    """Plain text for the terminal, in the current language."""
    if profile is None:
        lines = [outcome.message()]
        lines += [
            f"  {c.name}  {t('records.lookup.candidate_age', age=c.age)}  {c.id_number}  {c.phone}"
            for c in outcome.candidates
        ]
        return "\n".join(lines)
    return "\n".join(_profile_lines(profile))


def _profile_lines(p: CustomerProfile) -> list[str]:
    person = p.person
    lines = [
        f"{t('records.profile.identity')}: {person.name}  {person.id_number}  "
        f"{t('records.sex.' + person.sex)}  {person.birth_date}  {person.phone}",
        f"  {person.address}",
    ]
    if p.account:
        a = p.account
        lines.append(
            f"{t('records.profile.account')}: {a.account_no}  {a.status_label}  "
            f"{t('records.profile.balance')} {format_money(a.balance_fen)}  "
            f"{t('records.profile.monthly_deposit')} {format_money(a.monthly_deposit_fen)}  "
            f"{t('records.profile.consecutive', months=a.consecutive_months)}"
        )
        warning = f"  ({t(a.bank_card_warning)})" if a.bank_card_warning else ""
        lines.append(f"  {t('records.profile.bank_card')}: {a.bank_card_no}{warning}")
    if p.employer:
        e = p.employer
        problem = f"  ({t(e.credit_code_problem)})" if e.credit_code_problem else ""
        lines.append(f"{t('records.profile.employer')}: {e.name}  {e.unit_account}  {e.credit_code}{problem}")
    deposits = " ".join(f"{d.period:%Y-%m}:{format_money(d.amount_fen)}" for d in p.deposits[:6])
    lines.append(f"{t('records.profile.deposits', count=len(p.deposits))}: {deposits}")
    for w in p.withdrawals:
        allowed = t("records.profile.next_allowed", day=w.next_allowed_on) if w.next_allowed_on else ""
        lines.append(
            f"  {t('records.profile.withdrawal')}: {w.withdrawn_on} {w.reason_label} {format_money(w.amount_fen)}"
            f" {allowed}"
        )
    for loan in p.loans:
        lines.append(
            f"  {t('records.profile.loan')}: {loan.loan_no} {format_money(loan.amount_fen)} {loan.annual_rate_pct}% "
            f"{loan.term_months} {loan.repayment_method_label} "
            f"{t('records.profile.outstanding')} {format_money(loan.outstanding_fen)}"
        )
    for answer in p.registry:
        status = t(f"records.registry.status.{answer.status}")
        lines.append(
            f"  {t('records.fact_kind.' + str(answer.kind))} · {t('records.source.' + answer.source)} · "
            f"{status} · {answer.as_of.astimezone():%Y-%m-%d %H:%M}"
        )
        lines += [f"      {json.dumps(fact.payload, ensure_ascii=False)}" for fact in answer.facts]
    return lines
