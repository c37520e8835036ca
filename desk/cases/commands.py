"""`python -m desk checklist ID_NUMBER BUSINESS_CODE [--json]` and `python -m desk loan-trial ID_NUMBER …`
(argument parsing lives in desk.cli)."""

from __future__ import annotations

import argparse
import json
import sys

from sqlmodel import Session

from desk.cases.catalog import Catalog, CatalogError, get_catalog
from desk.cases.checklist import Checklist, checklist_for
from desk.cases.eligibility import Request
from desk.cases.loan_trial import LoanTrial, TrialRefused, check_request, loan_trial, months_text
from desk.db import get_engine, init_db, session_scope
from desk.i18n import current_language, t, use_language
from desk.money import Money, MoneyError, format_money
from desk.records.lookup import FOUND, find_customer
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_id_number, mask_name
from desk.settings import get_settings


def found_customer(session: Session, query: str, not_found_key: str) -> tuple[int | None, int]:
    """(the customer's person id, 0), or (None, exit status) after saying why on stderr: 2 for a
    malformed ID number, 1 for nobody found."""
    outcome = find_customer(session, query)
    if outcome.kind == FOUND:
        return outcome.person_id, 0
    print(outcome.message() or t(not_found_key), file=sys.stderr)
    return None, 2 if outcome.kind == "invalid_id" else 1


def render_checklist(checklist: Checklist, catalog: Catalog, *, name: str, id_number: str) -> str:
    """Plain text for the terminal, in the current language (name and ID number already masked)."""
    language = current_language()
    verdict = t("cases.cli.eligible" if checklist.eligible else "cases.cli.not_eligible")
    lines = [
        f"{checklist.business_code} {checklist.business.name()} · {name} {id_number} · {checklist.today}",
        f"{t('cases.cli.eligibility')}: {verdict}",
    ]
    for rule in checklist.rules:
        mark = "✓" if rule.passed else "✗"
        lines.append(f"  {mark} {rule.label(language)}: {rule.reason(language)}")
    lines.append(f"{t('cases.cli.materials')}:")
    for item in checklist.items:
        entry = item.to_json(catalog, language)
        as_of = f" · {entry['as_of'][:10]}" if entry["as_of"] and item.status == "proven" else ""
        lines.append(
            f"  {item.material} {entry['name']} · {t('cases.status.' + item.status)} · {entry['reason']}{as_of}"
        )
    lines.append(t("cases.cli.totals", None, **checklist.totals))
    return "\n".join(lines)


def checklist_command(args: argparse.Namespace) -> int:
    """Print the checklist of a customer for a business; logs the access. Exit 1: no such customer, 2: bad input."""
    with use_language(getattr(args, "lang", None) or get_settings().default_language):
        try:
            catalog = get_catalog()
        except CatalogError as error:
            print(error, file=sys.stderr)
            return 2
        business = catalog.get_business(args.business)
        if business is None:
            print(
                t("cases.cli.unknown_business", code=args.business, codes=" ".join(catalog.business)), file=sys.stderr
            )
            return 2
        unknown = sorted(set(args.declare or ()) - set(business.declarations))
        if unknown:
            print(
                t(
                    "cases.cli.unknown_declaration",
                    names=", ".join(unknown),
                    allowed=", ".join(business.declarations) or "—",
                ),
                file=sys.stderr,
            )
            return 2
        with session_scope(init_db(get_engine())) as session:
            person_id, status = found_customer(session, args.id_number, "cases.cli.not_found")
            if person_id is None:
                return status
            request = Request(args.amount.fen if args.amount else None, args.term)
            checklist = checklist_for(
                session, person_id, args.business, declared=args.declare or (), request=request, catalog=catalog
            )
            log_access(session, staff=args.staff, action="checklist", person_id=person_id, purpose=args.purpose)
            person = checklist_person(session, person_id)
        if args.json:
            data = checklist.to_json(catalog)
            data["customer"] = person
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            print(render_checklist(checklist, catalog, name=person["name"], id_number=person["id_number"]))
    return 0


def checklist_person(session: Session, person_id: int) -> dict[str, str]:
    """The masked name and ID number of the customer, for the heading."""
    person = session.get(Person, person_id)
    assert person is not None, "found_customer found this person"
    return {"name": mask_name(person.name) or "", "id_number": mask_id_number(person.id_number) or ""}


def _field(label_key: str, value: str) -> str:
    """'最高可贷：…' / 'Most that can be lent: …' (the colon differs by language)."""
    return t("loan_trial.cli.field", label=t(label_key), value=value).rstrip()


def render_trial(trial: LoanTrial, catalog: Catalog, *, name: str, id_number: str) -> str:
    """Plain text of a loan trial for the terminal, in the current language (name and ID already masked)."""
    business = catalog.business[trial.business_code]
    home = t(f"loan_trial.home.{'second' if trial.second_home else 'first'}")
    lines = [
        t(
            "loan_trial.cli.heading",
            code=trial.business_code,
            business=business.name(),
            name=name,
            id_number=id_number,
            date=trial.today.isoformat(),
        ),
        _field("loan_trial.max_amount", format_money(trial.max_amount_fen)),
        _field("loan_trial.term", months_text(trial.term_months)),
        _field("loan_trial.rate", t("loan_trial.rate_value", rate=format(trial.rate_pct, "g"), home=home)),
        _field("loan_trial.instalment", format_money(trial.instalment_fen)),
        _field(
            "loan_trial.equal_principal",
            t(
                "loan_trial.equal_principal_value",
                first=format_money(trial.equal_principal.first_fen),
                last=format_money(trial.equal_principal.last_fen),
            ),
        ),
        _field(
            "loan_trial.interest_total",
            t(
                "loan_trial.interest",
                annuity=format_money(trial.equal_instalments.interest_fen),
                principal=format_money(trial.equal_principal.interest_fen),
            ),
        ),
        _field("loan_trial.limits", ""),
    ]
    for limit in trial.limits:
        lines.append(
            "  "
            + t(
                "loan_trial.cli.limit_line",
                mark="★" if limit.binding else "·",
                title=limit.title(),
                value=limit.value_text(),
                how=limit.how(),
                rule=limit.rule_label(),
                effective_from=limit.effective_from.isoformat(),
                source=limit.source,
            )
        )
    if trial.reasons:
        lines.append(_field("loan_trial.reasons", ""))
        lines.extend(f"  - {reason.text()}" for reason in trial.reasons)
    lines.append(t("loan_trial.eligible" if trial.eligible else "loan_trial.not_eligible"))
    lines.append(t("loan_trial.disclaimer"))
    return "\n".join(lines)


def _trial_inputs(args: argparse.Namespace) -> tuple[int | None, int | None]:
    """(price in fen, term in months) from the command line; raises TrialRefused for either malformed."""
    price_fen = term = None
    if args.price is not None:
        try:
            price_fen = Money.parse(args.price).fen
        except MoneyError:
            raise TrialRefused("loan_trial.refused.bad_price") from None
    if args.term is not None:
        if not str(args.term).strip().isdigit():
            raise TrialRefused("loan_trial.refused.bad_term")
        term = int(args.term)
    return price_fen, term


def loan_trial_command(args: argparse.Namespace) -> int:
    """Print the loan trial of a customer; logs the access. Exit 1: no such customer, 2: bad input."""
    with use_language(getattr(args, "lang", None) or get_settings().default_language):
        try:
            catalog = get_catalog()
            price_fen, term = _trial_inputs(args)
            check_request(catalog, args.business, args.declare or (), price_fen=price_fen, term_months=term)
        except CatalogError as error:
            print(error, file=sys.stderr)
            return 2
        except TrialRefused as refusal:
            print(refusal.message(), file=sys.stderr)
            return 2
        with session_scope(init_db(get_engine())) as session:
            person_id, status = found_customer(session, args.id_number, "loan_trial.refused.not_found")
            if person_id is None:
                return status
            trial = loan_trial(
                session,
                person_id,
                business_code=args.business,
                price_fen=price_fen,
                term_months=term,
                declared=args.declare or (),
                catalog=catalog,
            )
            log_access(session, staff=args.staff, action="loan_trial", person_id=person_id, purpose=args.purpose)
            person = checklist_person(session, person_id)
        if args.json:
            print(json.dumps({**trial.to_json(), "customer": person}, ensure_ascii=False, indent=2))
        else:
            print(render_trial(trial, catalog, name=person["name"], id_number=person["id_number"]))
    return 0
