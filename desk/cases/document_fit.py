"""Does a captured page fit the material it was captured for, and whose ID number does it carry?

Checks the clerk sees before accepting a capture, while the customer is still at the counter:

- the document type the classifier found is one the material may be (`document_fit.toml`);
- an ID number read on the page is the customer's or the spouse's. Any other number is a
  mismatch and is shown as such; a lease also carries the landlord's number, so a page with the
  customer's number and another one still matches;
- every side the catalog requires of the material's paper (an ID card's front and back) has a page;
- the flags a page carries (wrong type, someone else's ID number, quality problems), which the
  clerk may override only with a reason. The dialog and the server compute them here, so they agree.

Pure: document types and numbers in, verdicts out (no database, no images).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from desk.cases.catalog import Catalog, PageSide, get_catalog
from desk.i18n import t

FIT_PATH = Path(__file__).with_name("document_fit.toml")
NOT_A_TYPE = frozenset({"", "other", "unknown", "skip"})

# type verdicts
FITS, DOES_NOT_FIT, NOT_RECOGNISED, NOT_CHECKED = "fits", "does_not_fit", "not_recognised", "not_checked"
# ID verdicts
APPLICANT, SPOUSE, MISMATCH, NO_ID = "applicant", "spouse", "mismatch", "no_id"
# flag codes (labels: counter.flag.<code>; a quality flag is "quality:<retake code>")
WRONG_TYPE, ID_MISMATCH, QUALITY = "wrong_type", "id_mismatch", "quality"


@lru_cache(maxsize=1)
def accepted_types() -> dict[str, tuple[str, ...]]:
    """Material code -> the document types that can be its paper."""
    data = tomllib.loads(FIT_PATH.read_text(encoding="utf-8"))
    return {code: tuple(types) for code, types in data["materials"].items()}


def types_for(material: str, alternatives: Iterable[str] = ()) -> tuple[str, ...]:
    """The document types a material (or one of its alternatives) may be; empty when none is known."""
    table = accepted_types()
    return tuple(dict.fromkeys(kind for code in (material, *alternatives) for kind in table.get(code, ())))


def type_fit(material: str, alternatives: Iterable[str], doc_types: Iterable[str]) -> str:
    """FITS when any page is of an accepted type; NOT_RECOGNISED when no page has a known type;
    DOES_NOT_FIT when the pages are of other known types; NOT_CHECKED when the material has no known type."""
    accepted = types_for(material, alternatives)
    if not accepted:
        return NOT_CHECKED
    recognised = [kind for kind in doc_types if kind not in NOT_A_TYPE]
    if any(kind in accepted for kind in recognised):
        return FITS
    return DOES_NOT_FIT if recognised else NOT_RECOGNISED


@dataclass(frozen=True)
class IdCheck:
    """Whose ID number the pages carry: the verdict and every number read."""

    verdict: str  # applicant | spouse | mismatch | no_id
    found: tuple[str, ...]
    others: tuple[str, ...]  # numbers that are neither the customer's nor the spouse's

    @property
    def matched(self) -> bool:
        """Whether the customer's or the spouse's number was read."""
        return self.verdict in (APPLICANT, SPOUSE)


def id_check(found: Iterable[str], *, applicant_id: str, spouse_id: str | None = None) -> IdCheck:
    """Compare the ID numbers read on the pages with the customer's and the spouse's."""
    numbers = tuple(dict.fromkeys(number.strip().upper() for number in found if number))
    known = {applicant_id.upper(), (spouse_id or "").upper()} - {""}
    others = tuple(number for number in numbers if number not in known)
    if applicant_id.upper() in numbers:
        verdict = APPLICANT
    elif spouse_id and spouse_id.upper() in numbers:
        verdict = SPOUSE
    else:
        verdict = MISMATCH if numbers else NO_ID
    return IdCheck(verdict, numbers, others)


def required_sides(material: str, catalog: Catalog | None = None) -> tuple[PageSide, ...]:
    """The sides the paper of `material` must show, each by a page of its own (none for most materials)."""
    found = (catalog or get_catalog()).materials.get(material)
    return found.pages if found is not None else ()


def page_side(material: str, doc_type: str, chosen: str | None = None, catalog: Catalog | None = None) -> str | None:
    """The side of `material` a page shows: its classified type when that is a side; the clerk's choice
    only where the classifier found no type (a recognised other type is not overruled by hand)."""
    sides = {side.side for side in required_sides(material, catalog)}
    if doc_type in sides:
        return doc_type
    return chosen if doc_type in NOT_A_TYPE and chosen in sides else None


def assigned_sides(
    material: str, doc_types: Iterable[str], chosen: Iterable[str | None] = (), catalog: Catalog | None = None
) -> list[str | None]:
    """`page_side` of each page; `chosen` holds the clerk's choice per page (shorter means no choice)."""
    choices = list(chosen)
    return [
        page_side(material, kind, choices[index] if index < len(choices) else None, catalog)
        for index, kind in enumerate(doc_types)
    ]


def missing_sides(material: str, assigned: Iterable[str | None], catalog: Catalog | None = None) -> list[str]:
    """The sides of `material` (catalog order) that no page shows; empty when the paper is complete."""
    present = set(assigned)
    return [side.side for side in required_sides(material, catalog) if side.side not in present]


def page_flags(
    material: str,
    alternatives: Iterable[str],
    doc_types: Iterable[str],
    id_numbers: Iterable[str],
    problems: Iterable[str],
    applicant_id: str,
    spouse_id: str | None,
) -> list[str]:
    """The flags of the pages of one document, which need the clerk's reason to be archived anyway:

    - `wrong_type` when any page is of a recognised type the material (or an alternative) is not;
    - `id_mismatch` when ID numbers were read and none is the customer's or the spouse's (a lease
      also carries the landlord's number, so other numbers beside the customer's do not count);
    - `quality:<code>` for each quality problem (capture.retake.<code>), once.
    """
    flags: list[str] = []
    accepted = types_for(material, alternatives)
    if accepted and any(kind not in NOT_A_TYPE and kind not in accepted for kind in doc_types):
        flags.append(WRONG_TYPE)
    if id_check(id_numbers, applicant_id=applicant_id, spouse_id=spouse_id).verdict == MISMATCH:
        flags.append(ID_MISMATCH)
    flags.extend(f"{QUALITY}:{code}" for code in dict.fromkeys(problems))
    return flags


def flag_label(flag: str, language: str | None = None) -> str:
    """A flag code of `page_flags` in plain words."""
    kind, _, detail = flag.partition(":")
    if kind == QUALITY:
        return t("counter.flag.quality", language, problem=t(f"capture.retake.{detail}", language))
    return t(f"counter.flag.{kind}", language)
