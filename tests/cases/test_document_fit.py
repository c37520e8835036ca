"""Whether captured pages fit their material, and whose ID number they carry."""

from desk.capture.classify import doc_type_names
from desk.cases.catalog import get_catalog
from desk.cases.document_fit import (
    APPLICANT,
    DOES_NOT_FIT,
    FITS,
    MISMATCH,
    NO_ID,
    NOT_CHECKED,
    NOT_RECOGNISED,
    SPOUSE,
    accepted_types,
    id_check,
    type_fit,
)

CUSTOMER, SPOUSE_ID, LANDLORD = "210202198805170011", "21020219900101002X", "210211197001010038"


def test_every_listed_material_and_type_exists():
    known_types = set(doc_type_names())
    for material, types in accepted_types().items():
        assert material in get_catalog().materials, material
        assert set(types) <= known_types, material


def test_type_fit():
    assert type_fit("M10", (), ["lease"]) == FITS
    assert type_fit("M08", ("M07",), ["deed_tax_proof"]) == FITS  # an alternative's paper serves too
    assert type_fit("M10", (), ["other", "lease"]) == FITS  # one page of the type is enough
    assert type_fit("M10", (), ["invoice"]) == DOES_NOT_FIT
    assert type_fit("M10", (), ["other", "unknown"]) == NOT_RECOGNISED
    assert type_fit("M11", (), ["lease"]) == NOT_CHECKED  # 无房证明 has no classifier type


def test_id_check():
    assert id_check([LANDLORD, CUSTOMER], applicant_id=CUSTOMER).verdict == APPLICANT
    assert id_check([LANDLORD, CUSTOMER], applicant_id=CUSTOMER).others == (LANDLORD,)
    assert id_check([SPOUSE_ID.lower()], applicant_id=CUSTOMER, spouse_id=SPOUSE_ID).verdict == SPOUSE
    mismatch = id_check([LANDLORD], applicant_id=CUSTOMER, spouse_id=SPOUSE_ID)
    assert (mismatch.verdict, mismatch.matched, mismatch.others) == (MISMATCH, False, (LANDLORD,))
    assert id_check([], applicant_id=CUSTOMER).verdict == NO_ID
