"""The catalog's retention classes and the archive's retention rules must not drift apart:
every class a business names exists in the archive with the same number of years."""

from desk.archive.retention import retention_rules
from desk.cases.catalog import get_catalog


def test_every_catalog_retention_class_is_an_archive_class_with_the_same_years():
    catalog = get_catalog()
    archive_classes = retention_rules()["classes"]
    used = {business.retention for business in catalog.business.values()}
    assert used, "catalog names no retention class"
    for name in used:
        assert name in archive_classes, f"retention class {name} is unknown to the archive"
        assert archive_classes[name].get("years") == catalog.retention[name].years, name
