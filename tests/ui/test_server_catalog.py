"""`desk run` loads the business catalog right after creating the tables: a broken one stops it."""

from argparse import Namespace

from desk.cases import catalog
from desk.ui.server import run_command


def test_run_stops_with_exit_2_naming_the_broken_entry(data_dir, tmp_path, monkeypatch, capsys):
    broken = tmp_path / "catalog.toml"
    text = catalog.CATALOG_PATH.read_text(encoding="utf-8")
    broken.write_text(text.replace('review_mode = "pay_first"', 'review_mode = "pay_whenever"', 1), encoding="utf-8")
    monkeypatch.setattr(catalog.load_catalog, "__defaults__", (broken,))  # the real loader, reading this file
    catalog.get_catalog.cache_clear()
    try:
        status = run_command(Namespace(host=None, port=None, no_seed=True))
    finally:
        catalog.get_catalog.cache_clear()
    printed = capsys.readouterr()
    assert status == 2
    assert "业务目录有 1 处错误" in printed.err
    assert "business.TQ401" in printed.err and "review_mode" in printed.err
    assert "Traceback" not in printed.err + printed.out
    assert (data_dir / "desk.sqlite3").exists()  # the tables came first, then the catalog stopped the start
