"""Does a captured page fit the material it was captured for, and whose ID number does it carry?

Two checks the clerk sees before accepting a capture, while the customer is still at the counter:

- the document type the classifier found is one the material may be (`document_fit.toml`);
- an ID number read on the page is the customer's or the spouse's. Any other number is a
  mismatch and is shown as such; a lease also carries the landlord's number, so a page with the
  customer's number and another one still matches.

Pure: document types and numbers in, verdicts out (no database, no images).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FIT_PATH = Path(__file__).with_name("document_fit.toml")
NOT_A_TYPE = frozenset({"", "other", "unknown", "skip"})

# type verdicts
FITS, DOES_NOT_FIT, NOT_RECOGNISED, NOT_CHECKED = "fits", "does_not_fit", "not_recognised", "not_checked"
# ID verdicts
APPLICANT, SPOUSE, MISMATCH, NO_ID = "applicant", "spouse", "mismatch", "no_id"


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
