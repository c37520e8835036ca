"""The capture benchmark: its measures, its scoring, its material and the command itself."""

from __future__ import annotations

import json
import math

import pytest

from desk.bench.materials import BenchItem, MaterialError, PageTruth, corpus_items, resolve_corpus
from desk.bench.metrics import Summary, angle_error, cer, corner_error, id_numbers_in, normalize_text
from desk.bench.scoring import score, summarize
from desk.bench.systems import PageOutput, SystemRun
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
    page = PageTruth(skew_deg=-3.0, rotation=90, corners=[[10, 10], [90, 12], [88, 150], [12, 148]],
                     fully_visible=True, doc_type="lease", id_number="11010519491231002X", **truth)
    return BenchItem("gen-1", "photo", path=None, lang="chi_sim+eng", text="房屋租赁合同", pages=[page],  # type: ignore[arg-type]
                     size=(100, 160), generated=True)


def test_scoring_compares_each_output_with_its_truth():
    output = PageOutput(text="房屋租赁合同 11010519491231002X", skew_deg=-2.9, rotation=90,
                        corners=[[11, 10], [90, 12], [88, 150], [12, 148]], found=True, doc_type="lease",
                        id_numbers={"11010519491231002X"})
    scored = score(_photo(), SystemRun("desk", [output], seconds=2.0))
    assert scored.cer == pytest.approx(18 / 6)  # the ID number is extra text: 18 insertions over 6 characters
    assert scored.skew_errors == [pytest.approx(0.1)]
    assert scored.corner_errors == [pytest.approx(0.25 / math.hypot(100, 160))]
    assert (scored.found, scored.rotation_right, scored.type_right, scored.id_recalled) == ([True], [True], [True], [True])

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
    good = PageOutput(text="房屋租赁合同", skew_deg=-3.0, rotation=90, corners=[[10, 10], [90, 12], [88, 150], [12, 148]],
                      found=True, doc_type="lease", id_numbers={"11010519491231002X"})
    scores = [score(_photo(), SystemRun("desk", [good], seconds=2.0)),
              score(_photo(), SystemRun("ocrmypdf", [PageOutput(text="房屋", rotation=0)], seconds=8.0))]
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
    assert cardinal.kind == "pdf" and [p.rotation for p in cardinal.pages] == [0, 270, 180, 90]
    assert items["deskew-3"].kind == "scan" and items["deskew-3"].pages[0].skew_deg == -6.0
    assert items["cnocr_helloworld"].lang == "chi_sim+eng" and items["phototest"].lang == "eng"
    assert items["deskew_doc_input"].kind == "photo" and items["deskew_doc_input"].text is None
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
    code = main(["bench", "capture", "--corpus", str(corpus), "--generated", "1", "--only", "gen-,phototest",
                 "--scans", "0", "--batch", "0", "--no-ocrmypdf", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    ran = {(s["item"], s["system"]) for s in report["items"]}
    assert ran == {("phototest", "desk"), ("phototest", "tesseract"),
                   ("gen-2026-000-id_card_front-photo", "desk"), ("gen-2026-000-id_card_front-photo", "tesseract")}
    phototest = next(s for s in report["items"] if s["item"] == "phototest" and s["system"] == "tesseract")
    assert phototest["cer"] < 0.1 and phototest["seconds"] > 0  # Tesseract's own smoke-test page
    photo = report["kinds"]["photo"]["desk"]
    assert photo["corners"]["count"] == 1 and photo["found"] == [1, 1]
    assert report["batch"] is None and {c["key"] for c in report["targets"]} >= {"bench.capture.target.speed"}
