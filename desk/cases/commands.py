"""`python -m desk checklist ID_NUMBER BUSINESS_CODE [--json]` (argument parsing lives in desk.cli)."""

from __future__ import annotations

import argparse
import json
import sys

from sqlmodel import Session

from desk.cases.catalog import Catalog, CatalogError, get_catalog
from desk.cases.checklist import Checklist, checklist_for
from desk.cases.eligibility import Request
from desk.db import get_engine, init_db, session_scope
from desk.i18n import current_language, t, use_language
from desk.records.lookup import FOUND, find_customer
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_id_number, mask_name
from desk.settings import get_settings


def render_checklist(checklist: Checklist, catalog: Catalog, *, name: str, id_number: str) -> str:
    """Plain text for the terminal, in the current language (name and ID number already masked)."""
    language = current_language()
    verdict = t("cases.cli.eligible" if checklist.eligible else "cases.cli.not_eligible")
    lines = [f"{checklist.business_code} {checklist.business.name()} · {name} {id_number} · {checklist.today}",
             f"{t('cases.cli.eligibility')}: {verdict}"]
    for rule in checklist.rules:
        mark = "✓" if rule.passed else "✗"
        lines.append(f"  {mark} {rule.label(language)}: {rule.reason(language)}")
    lines.append(f"{t('cases.cli.materials')}:")
    for item in checklist.items:
        entry = item.to_json(catalog, language)
        as_of = f" · {entry['as_of'][:10]}" if entry["as_of"] and item.status == "proven" else ""
        lines.append(f"  {item.material} {entry['name']} · {t('cases.status.' + item.status)} · "
                     f"{entry['reason']}{as_of}")
    lines.append(t("cases.cli.totals", **checklist.totals))
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
            print(t("cases.cli.unknown_business", code=args.business, codes=" ".join(catalog.business)),
                  file=sys.stderr)
            return 2
        unknown = sorted(set(args.declare or ()) - set(business.declarations))
        if unknown:
            print(t("cases.cli.unknown_declaration", names=", ".join(unknown),
                    allowed=", ".join(business.declarations) or "—"), file=sys.stderr)
            return 2
        with session_scope(init_db(get_engine())) as session:
            outcome = find_customer(session, args.id_number)
            if outcome.kind != FOUND:
                print(outcome.message() or t("cases.cli.not_found"), file=sys.stderr)
                return 2 if outcome.kind == "invalid_id" else 1
            request = Request(args.amount.fen if args.amount else None, args.term)
            checklist = checklist_for(session, outcome.person_id, args.business, declared=args.declare or (),
                                      request=request, catalog=catalog)
            log_access(session, staff=args.staff, action="checklist", person_id=outcome.person_id,
                       purpose=args.purpose)
            person = checklist_person(session, outcome.person_id)
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
    return {"name": mask_name(person.name) or "", "id_number": mask_id_number(person.id_number) or ""}
