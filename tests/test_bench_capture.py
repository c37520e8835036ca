"""The capture benchmark: its measures, its scoring, its material and the command itself."""

from __future__ import annotations

import json
import math

import pytest

from desk.bench import materials
from desk.bench.materials import (
    BenchItem,
    MaterialError,
    PageTruth,
    corpus_items,
    load_docgen,
    per_seed,
    resolve_corpus,
)
from desk.bench.metrics import Summary, angle_error, cer, corner_error, id_numbers_in, normalize_text
from desk.bench.report import render
from desk.bench.scoring import score, summarize
from desk.bench.systems import SYSTEMS, PageOutput, SystemRun
from desk.bench.targets import check_targets
from desk.cli import main
from desk.i18n import t, use_language


def test_cer_ignores_whitespace_in_chinese_but_not_in_english():
    assert cer("大 连 市\n住房 公积金", "大连市住房公积金", "chi_sim") == 0.0
    assert cer("大连市住房公积全", "大连市住房公积金", "chi_sim") == pytest.approx(1 / 8)
    assert cer("hello  world\n", "hello world", "eng") == 0.0
    assert cer("helloworld", "hello world", "eng") == pytest.approx(1 / 11)
    assert normalize_text("姓名：张三（男）", "chi_sim") == "姓名:张三(男)"  # full-width forms folded
    assert cer("", "abc", "eng") == 1.0 and cer("", "", "eng") == 0.0


def test_angle_and_corner_errors():
    assert angle_error(0.05, -0.05) == pytest.approx(0.1)
    assert angle_error(179.0, -1.0) == pytest.approx(0.0)  # a text line has no direction
    truth = [[0, 0], [300, 0], [300, 400], [0, 400]]
    assert corner_error(truth, truth, 300, 400) == 0.0
    shifted = [[x + 5, y] for x, y in truth]
    assert corner_error(shifted, truth, 300, 400) == pytest.approx(5 / 500)
    wrong_start = truth[1:] + truth[:1]  # the same quadrilateral, named from the wrong corner
    assert corner_error(wrong_start, truth, 300, 400) > 0.5
    with pytest.raises(ValueError):
        corner_error(truth[:3], truth, 300, 400)


def test_id_numbers_need_a_correct_check_character():
    assert id_numbers_in("公民身份号码 1101 0519 4912 31002x") == {"11010519491231002X"}
    assert id_numbers_in("11010519491231002X 11010519491231002") == {"11010519491231002X"}
    assert id_numbers_in("110105194912310021") == set()  # wrong check character


def _photo(**truth) -> BenchItem:
    page = PageTruth(
        skew_deg=-3.0,
        rotation=90,
        corners=[[10, 10], [90, 12], [88, 150], [12, 148]],
        fully_visible=True,
        doc_type="lease",
        id_number="11010519491231002X",
        **truth,
    )
    return BenchItem(
        "gen-1",
        "photo",
        path=None,
        lang="chi_sim+eng",
        text="房屋租赁合同",
        pages=[page],  # type: ignore[arg-type]
        size=(100, 160),
        generated=True,
    )


def test_scoring_compares_each_output_with_its_truth():
    output = PageOutput(
        text="房屋租赁合同 11010519491231002X",
        skew_deg=-2.9,
        rotation=90,
        corners=[[11, 10], [90, 12], [88, 150], [12, 148]],
        found=True,
        doc_type="lease",
        id_numbers={"11010519491231002X"},
    )
    scored = score(_photo(), SystemRun("desk", [output], seconds=2.0))
    assert scored.cer == pytest.approx(18 / 6)  # the ID number is extra text: 18 insertions over 6 characters
    assert scored.skew_errors == [pytest.approx(0.1)]
    assert scored.corner_errors == [pytest.approx(0.25 / math.hypot(100, 160))]
    assert (scored.found, scored.rotation_right, scored.type_right, scored.id_recalled) == (
        [True],
        [True],
        [True],
        [True],
    )

    baseline = score(_photo(), SystemRun("tesseract", [PageOutput(text="房屋租赁", rotation=0)], seconds=1.0))
    assert baseline.found == [] and baseline.rotation_right == [False] and baseline.id_recalled == [False]
    assert baseline.type_right == [False] and baseline.skew_errors == []  # desk's classifier on its text

    failed = score(_photo(), SystemRun("ocrmypdf", [], seconds=0.5, error="DpiError"))
    assert failed.cer == 1.0 and failed.type_right == [False] and failed.error == "DpiError"


def test_a_whole_degree_reference_angle_is_kept_apart_from_exact_ones():
    output = PageOutput(text="房屋租赁合同", skew_deg=-2.15, rotation=90)
    rounded = score(_photo(skew_whole_degree=True), SystemRun("desk", [output], seconds=1.0))
    assert rounded.skew_errors == [] and rounded.whole_degree_skew_errors == [pytest.approx(0.85)]
    summary = summarize([rounded, score(_photo(), SystemRun("desk", [output], seconds=1.0))])
    assert summary.skew.max == pytest.approx(0.85) and summary.skew.mean == pytest.approx(0.85)
    assert summary.whole_degree_skew.max == pytest.approx(0.85)
    checks = {c.key: c for c in check_targets({"scan": {"desk": summary}}, [], None)}
    assert checks["bench.capture.target.scan_skew"].passed is False  # only the exact angle counts


def test_the_corpus_marks_the_deskew_packages_regression_angles_as_whole_degrees(corpus):
    truths = {item.id: item.pages[0] for item in corpus_items(corpus)}
    assert truths["deskew-2"].skew_whole_degree and truths["deskew-2"].skew_deg == -2.0
    assert not truths["ocrmypdf_skew"].skew_whole_degree  # computed from the PDF's matrix


def test_summaries_and_targets():
    good = PageOutput(
        text="房屋租赁合同",
        skew_deg=-3.0,
        rotation=90,
        corners=[[10, 10], [90, 12], [88, 150], [12, 148]],
        found=True,
        doc_type="lease",
        id_numbers={"11010519491231002X"},
    )
    scores = [
        score(_photo(), SystemRun("desk", [good], seconds=2.0)),
        score(_photo(), SystemRun("ocrmypdf", [PageOutput(text="房屋", rotation=0)], seconds=8.0)),
    ]
    kinds = {"photo": {s.system: summarize([s]) for s in scores}}
    desk = kinds["photo"]["desk"]
    assert desk.cer == Summary(0.0, 0.0, 1) and desk.found == (1, 1) and desk.seconds_per_page == 2.0
    checks = {c.key.rsplit(".", 1)[1]: c for c in check_targets(kinds, scores, batch=None)}
    assert checks["pages_found"].passed and checks["corners"].passed and checks["camera_cer"].passed
    assert checks["speed"].passed and checks["speed"].measured == "2.00 s / 8.00 s"
    assert checks["scan_skew"].passed is None and checks["batch"].passed is None


@pytest.mark.corpus
def test_corpus_ground_truth_is_read_from_the_manifest(corpus):
    items = {item.id: item for item in corpus_items(corpus)}
    cardinal = items["ocrmypdf_cardinal"]
    assert cardinal.kind == "corpus-pdf" and [p.rotation for p in cardinal.pages] == [0, 270, 180, 90]
    assert items["deskew-3"].kind == "corpus-scan-en" and items["deskew-3"].pages[0].skew_deg == -6.0
    assert items["cnocr_helloworld"].lang == "chi_sim+eng" and items["phototest"].lang == "eng"
    assert items["cnocr_helloworld"].kind == "corpus-scan-zh" and items["phototest"].kind == "corpus-scan-en"
    assert items["deskew_doc_input"].kind == "corpus-photo" and items["deskew_doc_input"].text is None
    assert len(items["paperless_multi-page-images"].pages) == 3
    assert items["phototest"].text and items["phototest"].size[0] > 0


def test_a_missing_corpus_is_a_clear_message_in_both_languages(tmp_path, capsys, monkeypatch):
    with pytest.raises(MaterialError) as raised:
        resolve_corpus(str(tmp_path))
    assert raised.value.key == "bench.capture.no_corpus"
    monkeypatch.setenv("DESK_DEFAULT_LANGUAGE", "en")
    from desk.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["bench", "capture", "--corpus", str(tmp_path), "--no-ocrmypdf"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "No corpus at" in err and str(tmp_path) in err and "Traceback" not in err
    with use_language("zh-CN"):
        assert "找不到测试语料" in t("bench.capture.no_corpus", folder="x")


@pytest.mark.slow
@pytest.mark.corpus
def test_the_command_runs_every_system_on_a_small_selection(corpus, capsys):
    code = main(
        [
            "bench",
            "capture",
            "--corpus",
            str(corpus),
            "--generated",
            "1",
            "--held-out",
            "0",
            "--only",
            "gen-,phototest",
            "--scans",
            "0",
            "--batch",
            "0",
            "--no-ocrmypdf",
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    ran = {(s["item"], s["system"]) for s in report["items"]}
    assert ran == {
        (item, system)
        for item in ("phototest", "gen-2026-000-id_card_front-photo")
        for system in ("desk", "tesseract", "rapidocr")
    }
    assert set(report["kinds"]) == {"photo", "corpus-scan-en"}
    phototest = next(s for s in report["items"] if s["item"] == "phototest" and s["system"] == "tesseract")
    assert phototest["cer"] < 0.1 and phototest["seconds"] > 0  # Tesseract's own smoke-test page
    photo = report["kinds"]["photo"]["desk"]
    assert photo["corners"]["count"] == 1 and photo["found"] == [1, 1]
    assert report["batch"] is None and {c["key"] for c in report["targets"]} >= {"bench.capture.target.speed"}


def test_held_out_photos_are_shared_out_over_the_held_out_seeds_in_whole_rounds():
    assert per_seed(2, 3, 8) == [2, 0, 0]  # a small run still sees two templates
    assert per_seed(10, 3, 8) == [8, 2, 0]
    assert per_seed(24, 3, 8) == [8, 8, 8]  # every template once per seed
    assert per_seed(30, 3, 8) == [14, 8, 8] and sum(per_seed(50, 3, 8)) == 50
    assert per_seed(0, 3, 8) == [0, 0, 0]


def test_a_card_on_a_dark_desk_is_marked_as_such(tmp_path):
    docgen = load_docgen()
    dark = docgen.SceneOptions(background="dark", fill=0.45)
    items = {
        name: materials._item_of(
            docgen.make_sample(5, doc_type, options, name=f"{name}.jpg"), tmp_path, "photo", docgen
        )
        for name, doc_type, options in (
            ("dark-card", "bank_card", dark),
            ("light-card", "bank_card", docgen.SceneOptions(background="light")),
            ("dark-lease", "lease", dark),
        )
    }
    assert [items[n].pages[0].dark_card for n in ("dark-card", "light-card", "dark-lease")] == [True, False, False]
    card = items["dark-card"]
    assert card.kind == "photo" and card.generated and card.path.is_file() and card.pages[0].doc_type == "bank_card"
    assert card.pages[0].fully_visible and len(card.pages[0].corners) == 4


def _held_out(*, dark: bool = False, item: str = "held-1") -> BenchItem:
    page = PageTruth(
        skew_deg=0.0,
        rotation=0,
        corners=[[10, 10], [90, 12], [88, 150], [12, 148]],
        fully_visible=True,
        doc_type="lease",
        id_number="11010519491231002X",
        dark_card=dark,
    )
    return BenchItem(
        item,
        "photo-held-out",
        path=None,
        lang="chi_sim+eng",
        text="租房协议",
        pages=[page],  # type: ignore[arg-type]
        size=(100, 160),
        generated=True,
    )


def _read(
    text: str, *, found: bool = True, doc_type: str = "lease", ids: frozenset = frozenset({"11010519491231002X"})
):
    return PageOutput(
        text=text,
        skew_deg=0.0,
        rotation=0,
        corners=[[10, 10], [90, 12], [88, 150], [12, 148]],
        found=found,
        doc_type=doc_type,
        id_numbers=set(ids),
    )


def test_held_out_targets_count_cer_id_numbers_types_and_dark_cards():
    # 20 held-out photos: one misses its ID number, all else right; two are dark cards, both found
    scores = [
        score(
            _held_out(item=f"held-{i}", dark=i < 2),
            SystemRun(
                "desk",
                [_read("租房协议", ids=frozenset() if i == 5 else frozenset({"11010519491231002X"}))],
                seconds=1.0,
            ),
        )
        for i in range(20)
    ]
    kinds = {"photo-held-out": {"desk": summarize(scores)}}
    assert kinds["photo-held-out"]["desk"].dark_cards_found == (2, 2)
    checks = {c.key.rsplit(".", 1)[1]: c for c in check_targets(kinds, scores, None)}
    assert checks["held_out_cer"].passed and checks["held_out_cer"].measured == "0.0% / 0.0%"
    assert checks["held_out_id_recall"].passed and checks["held_out_id_recall"].measured == "19/20 (95%)"
    assert checks["held_out_doc_type"].passed and checks["held_out_found"].measured == "20/20 · 2/2"
    assert checks["held_out_found"].passed is True

    # a lost dark card, a type wrong on two, and too many wrong characters: each target says so
    worse = [
        score(
            _held_out(item="held-0", dark=True),
            SystemRun("desk", [_read("", found=False, ids=frozenset())], seconds=1.0),
        ),
        score(_held_out(item="held-1"), SystemRun("desk", [_read("租房协", doc_type="other")], seconds=1.0)),
        score(_held_out(item="held-2"), SystemRun("desk", [_read("租房协议", doc_type="other")], seconds=1.0)),
    ]
    kinds = {"photo-held-out": {"desk": summarize(worse)}}
    checks = {c.key.rsplit(".", 1)[1]: c for c in check_targets(kinds, worse, None)}
    assert checks["held_out_found"].passed is False and checks["held_out_found"].measured == "2/3 · 0/1"
    assert checks["held_out_doc_type"].passed is False and checks["held_out_cer"].passed is False
    assert checks["held_out_id_recall"].passed is False  # the lost card read nothing

    # every page found but no dark card in the run: the dark-card half cannot be decided
    plain = [score(_held_out(), SystemRun("desk", [_read("租房协议")], seconds=1.0))]
    checks = {
        c.key.rsplit(".", 1)[1]: c for c in check_targets({"photo-held-out": {"desk": summarize(plain)}}, plain, None)
    }
    assert checks["held_out_found"].passed is None and checks["held_out_found"].measured == "1/1 · 0/0"


def _corpus(item: str, kind: str, lang: str) -> BenchItem:
    return BenchItem(item, kind, path=None, lang=lang, text="the quick brown fox", pages=[PageTruth()])  # type: ignore[arg-type]


def test_english_scans_are_held_against_ocrmypdf_item_by_item():
    runs = [
        ("en-1", "corpus-scan-en", "eng", "the quick brown fox", "the quick brown fax"),
        ("pdf-1", "corpus-pdf", "eng", "the quick brown fix", "the quick brown fox"),  # desk worse
        ("zh-1", "corpus-scan-zh", "chi_sim+eng", "the quick brown fix", "the quick brown fox"),
    ]  # desk worse
    scores = []
    for item, kind, lang, desk_text, other_text in runs:
        material = _corpus(item, kind, lang)
        scores += [
            score(material, SystemRun("desk", [PageOutput(text=desk_text)], seconds=1.0)),
            score(material, SystemRun("ocrmypdf", [PageOutput(text=other_text)], seconds=3.0)),
        ]
    checks = {c.key.rsplit(".", 1)[1]: c for c in check_targets({}, scores, None)}
    english = checks["cer_each_english"]
    assert english.passed is False and english.measured.startswith("1/2 (pdf-1 ") and "zh-1" not in english.measured
    assert checks["cer_each"].passed is False and checks["cer_each"].measured.startswith("1/3")
    text = render({}, scores, None, check_targets({}, scores, None))
    table = text.split(t("bench.capture.english_heading"))[1].split("\n\n")[0]
    assert "en-1" in table and "pdf-1" in table and "zh-1" not in table and "✗ +5.3%" in table


def test_the_report_shows_every_system_and_kind():
    item = _held_out()
    scores = [score(item, SystemRun(system, [_read("租房协议")], seconds=2.0)) for system in SYSTEMS]
    kinds = {"photo-held-out": {s.system: summarize([s]) for s in scores}}
    with use_language("en"):
        text = render(kinds, scores, None, check_targets(kinds, scores, None))
    header = next(line for line in text.splitlines() if line.startswith("Metric"))
    assert header.split()[1:] == ["desk", "tesseract", "rapidocr", "ocrmypdf", "desk/ocrmypdf"]
    assert "(photo-held-out): 1 files" in text and "Of them, cards on a dark desk" in text
    row = next(line for line in text.splitlines() if line.startswith("held-1 "))
    assert row.split()[1:7] == ["photo-held-out", "0.0%", "0.0%", "0.0%", "0.0%", "0.00°"]  # kind, CER ×4, skew
    assert "0.00%" in row.split()  # desk's corner error
    assert "✓ Held-out Chinese photos: mean CER ≤ 12% (mean / max): 0.0% / 0.0%" in text


@pytest.mark.slow
def test_the_command_runs_on_generated_material_alone_with_every_kind_and_the_raw_rapidocr_row(capsys):
    # no corpus needed: tuning photos, held-out photos and a flat scan, every system but OCRmyPDF (slow)
    code = main(
        [
            "bench",
            "capture",
            "--no-corpus",
            "--generated",
            "2",
            "--held-out",
            "2",
            "--scans",
            "1",
            "--batch",
            "0",
            "--no-ocrmypdf",
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    items = {(s["item"], s["system"]): s for s in report["items"]}
    names = sorted({item for item, _ in items})
    assert names == [
        "gen-2026-000-id_card_front-photo",
        "gen-2026-001-household_register-photo",
        "gen-2027-000-id_card_front-scan",
        "held-7331-000-lease_rental_agreement-photo",
        "held-7331-001-lease_letting_contract-photo",
    ]
    assert {system for _, system in items} == {"desk", "tesseract", "rapidocr"}
    assert set(report["kinds"]) == {"photo", "photo-held-out", "scan"}
    assert all(set(per) == {"desk", "tesseract", "rapidocr"} for per in report["kinds"].values())
    held = report["kinds"]["photo-held-out"]
    assert held["desk"]["items"] == 2 and held["desk"]["found"][1] == 2 and held["desk"]["id_recall"][1] == 2
    raw = items[("held-7331-000-lease_rental_agreement-photo", "rapidocr")]
    assert raw["error"] is None and raw["seconds"] > 0 and raw["cer"] < 1  # PP-OCR read some of the page
    assert held["rapidocr"]["found"] == [0, 0]  # only desk looks for the page
    keys = {c["key"] for c in report["targets"]}
    assert {
        "bench.capture.target.held_out_cer",
        "bench.capture.target.held_out_id_recall",
        "bench.capture.target.held_out_doc_type",
        "bench.capture.target.held_out_found",
        "bench.capture.target.cer_each_english",
        "bench.capture.target.speed",
    } <= keys
    assert next(c for c in report["targets"] if c["key"] == "bench.capture.target.held_out_cer")["passed"] is not None


def test_a_page_found_elsewhere_in_the_frame_is_not_found_but_one_turned_wrong_is():
    truth = [[10, 10], [90, 12], [88, 150], [12, 148]]
    elsewhere = [[0, 0], [40, 0], [40, 40], [0, 40]]  # desk says "found" but outlines something else
    turned = truth[2:] + truth[:2]  # the right outline, named from the wrong corner (upside down)
    outcomes = {}
    for name, corners in (("right", truth), ("elsewhere", elsewhere), ("turned", turned)):
        output = PageOutput(text="房屋租赁合同", corners=corners, found=True, rotation=270)
        outcomes[name] = score(_photo(), SystemRun("desk", [output], seconds=1.0))
    assert [outcomes[n].found for n in ("right", "elsewhere", "turned")] == [[True], [False], [True]]
    assert outcomes["turned"].rotation_right == [False] and outcomes["turned"].corner_errors[0] > 0.5
