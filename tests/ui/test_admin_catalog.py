"""The admin's read-only catalog page through NiceGUI's simulated User."""

from __future__ import annotations

from nicegui.testing import User

from desk.cases.catalog import get_catalog

ADMIN_PASSWORD = "Admin2026bb"


def _table_rows(user: User, marker: str) -> list[dict]:
    [table] = user.find(marker=marker).elements
    return table.rows


async def test_every_business_with_materials_stand_ins_and_dated_rules(user: User, log_in):
    await log_in("admin7", ADMIN_PASSWORD)
    await user.open("/admin/catalog")
    catalog = get_catalog()
    await user.should_see(marker="catalog-count", content=f"{len(catalog.business)} / {len(catalog.business)}")
    for code, business in catalog.business.items():
        await user.should_see(marker=f"business {code}")
        await user.should_see(business.zh)
        await user.should_see(business.en)  # both names of each business
    rent = {row["code"]: row for row in _table_rows(user, "materials TQ401")}
    assert rent["M10"]["when"] == "申报“按实际租金提取（新市民、青年人、登记备案租赁、保租房或公租房、多子女家庭）”时"
    assert "lease_filed" in rent["M10"]["stand_ins"]
    rules = _table_rows(user, "rules TQ401")
    assert len(rules) == len(catalog.business["TQ401"].rules)
    assert all(row["effective_from"][:4].isdigit() and row["source"] for row in rules)
    # parameters read as labelled values in the reader's language (the 12-month interval), not as a dict
    params = [row["params"] for row in _table_rows(user, "rules TQ401")]
    assert any("期间" in text and "个月" in text for text in params) and not any("{" in text for text in params)
    await user.should_see("先提后审")


async def test_the_filter_narrows_the_list(user: User, log_in):
    await log_in("admin7", ADMIN_PASSWORD)
    await user.open("/admin/catalog")
    await user.should_see(marker="business TQ101")
    user.find(marker="catalog-filter").type("租房")
    await user.should_see(marker="catalog-count", content="1 / ", retries=50)
    await user.should_see(marker="business TQ401")
    await user.should_not_see(marker="business TQ101")
