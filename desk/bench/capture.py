"""`python -m desk bench capture`: desk's capture pipeline against raw Tesseract, raw RapidOCR and OCRmyPDF,
in one run.

Every item (the shared corpus, generated camera photos of the tuning templates, of the held-out
templates with the held-out seeds, and generated flat scans) goes through each system in turn on
the same machine; the report prints per kind of material the quality figures and seconds per page
side by side, the items one by one, the English corpus scans against OCRmyPDF, a multi-page batch
with the pool and with one worker, and the issues' targets with their verdicts. Progress goes to
stderr, the report (or JSON) to stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from desk.bench import batch as batch_timing
from desk.bench import skew_hint
from desk.bench.materials import (
    CORPUS_PHOTO_KIND,
    GENERATED_PHOTO_KINDS,
    KINDS,
    BenchItem,
    MaterialError,
    corpus_items,
    generated_items,
    held_out_items,
    resolve_corpus,
)
from desk.bench.report import render
from desk.bench.scoring import ItemScore, KindSummary, score, summarize
from desk.bench.systems import (
    SYSTEMS,
    SystemRun,
    ocrmypdf_missing,
    rapidocr_missing,
    raw_rapidocr,
    run_desk,
    run_ocrmypdf,
    run_rapidocr,
    run_tesseract,
)
from desk.bench.targets import TargetCheck, check_targets
from desk.i18n import t, use_language
from desk.settings import get_settings

_BATCH_LANG = "chi_sim+eng"
_BATCH_KINDS = (*GENERATED_PHOTO_KINDS, CORPUS_PHOTO_KIND)


def bench_command(args: argparse.Namespace) -> int:
    """Run the capture benchmark; 0 when it ran (targets are reported, not enforced), 2 on bad setup."""
    with use_language(get_settings().default_language):
        try:
            return _run(args)
        except MaterialError as problem:
            print(t(problem.key, None, **problem.params), file=sys.stderr)
            return 2


def _run(args: argparse.Namespace) -> int:
    photos, held_out, scans, pages = args.generated, args.held_out, args.scans, args.batch
    if min(photos, held_out, scans, pages) < 0:
        raise MaterialError("bench.capture.bad_count")
    if shutil.which("tesseract") is None:
        raise MaterialError("bench.capture.no_tesseract")
    corpus = None if args.no_corpus else resolve_corpus(args.corpus)
    systems, notes = _systems(args)
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        scratch = Path(tmp)
        material = _generated(photos, held_out, scans, scratch) + (corpus_items(corpus) if corpus else [])
        items = _selected(material, args.only)
        _warm_up(items, systems)
        scores = _run_all(items, systems, scratch)
        batch = _time_batch(items, pages, scratch)
    hint = None if args.only else skew_hint.measure()  # --only runs just the named items
    kinds = _summaries(scores)
    targets = check_targets(kinds, scores, batch)
    if args.json:
        print(_json(scores, kinds, batch, targets, notes, hint))
    else:
        print(render(kinds, scores, batch, targets, notes) + (_hint_line(hint) + "\n" if hint else ""))
    return 0


def _hint_line(hint: skew_hint.SkewHint) -> str:
    """The skew error with and without the deskew package's hint, on the same card scenes."""
    with_hint, without_hint = hint.summaries()
    return t(
        "bench.capture.skew_hint",
        pages=hint.pages,
        with_mean=f"{with_hint.mean:.3f}",
        with_max=f"{with_hint.max:.3f}",
        with_s=f"{hint.seconds_with:.2f}",
        without_mean=f"{without_hint.mean:.3f}",
        without_max=f"{without_hint.max:.3f}",
        without_s=f"{hint.seconds_without:.2f}",
    )


def _generated(photos: int, held_out: int, scans: int, scratch: Path) -> list[BenchItem]:
    """The generated camera photos (tuning and held-out templates) and flat scans, written into `scratch`."""
    if not photos and not held_out and not scans:
        return []
    _progress(t("bench.capture.generating", photos=photos, held_out=held_out, scans=scans))
    return (
        generated_items(photos, scratch)
        + held_out_items(held_out, scratch)
        + generated_items(scans, scratch, seed=2027, flat=True)
    )


def _json(
    scores: list[ItemScore],
    kinds: dict[str, dict[str, KindSummary]],
    batch: batch_timing.BatchTiming | None,
    targets: list[TargetCheck],
    notes: list[str],
    hint: skew_hint.SkewHint | None = None,
) -> str:
    """The run as one JSON document: items, kinds, batch, targets, the skew hint's worth."""
    payload = {
        "items": [asdict(s) for s in scores],
        "kinds": {kind: {system: asdict(summary) for system, summary in per.items()} for kind, per in kinds.items()},
        "batch": None if batch is None else {**asdict(batch), "speedup": batch.speedup, "cores_busy": batch.cores_busy},
        "targets": [{**asdict(c), "text": t(c.key)} for c in targets],
        "notes": notes,
        "skew_hint": None if hint is None else {**asdict(hint), "pages": hint.pages},
    }
    return json.dumps(payload, ensure_ascii=False, indent=1)


def _systems(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The systems this run compares, and a note for each baseline that cannot take part."""
    systems, notes = list(SYSTEMS), []
    baselines = (
        ("rapidocr", False, rapidocr_missing, "bench.capture.no_rapidocr"),
        ("ocrmypdf", args.no_ocrmypdf, ocrmypdf_missing, "bench.capture.no_ocrmypdf"),
    )
    for system, skipped, missing, key in baselines:
        if skipped:
            systems.remove(system)
        elif absent := missing():
            systems.remove(system)
            notes.append(t(key, missing=absent))
            _progress(notes[-1])
    return systems, notes


def _selected(items: list[BenchItem], only: str | None) -> list[BenchItem]:
    """The items whose name contains one of the comma-separated parts of `only` (all when None)."""
    if not only:
        return items
    parts = [p.strip() for p in only.split(",") if p.strip()]
    chosen = [i for i in items if any(p in i.id for p in parts)]
    if not chosen:
        raise MaterialError("bench.capture.nothing_selected", only=only)
    return chosen


def _warm_up(items: list[BenchItem], systems: list[str]) -> None:
    """One untimed desk (and raw RapidOCR) run, so the first timed item does not pay for imports, models
    and caches."""
    images = [i for i in items if i.path.suffix.lower() != ".pdf"]
    if images:
        smallest = min(images, key=lambda i: i.path.stat().st_size)
        run_desk(smallest)
        if "rapidocr" in systems:
            raw_rapidocr()(str(smallest.path))


def _run_all(items: list[BenchItem], systems: list[str], scratch: Path) -> list[ItemScore]:
    """Every system on every item, one after another so no run competes with another for the cores."""
    runners = {
        "desk": lambda item: run_desk(item),
        "tesseract": lambda item: run_tesseract(item, scratch),
        "rapidocr": lambda item: run_rapidocr(item, scratch),
        "ocrmypdf": lambda item: run_ocrmypdf(item, scratch),
    }
    scores = []
    for done, item in enumerate(items, start=1):
        for system in systems:
            run: SystemRun = runners[system](item)
            scores.append(score(item, run))
            _progress(
                t(
                    "bench.capture.progress",
                    done=done,
                    total=len(items),
                    item=item.id,
                    system=system,
                    seconds=f"{run.seconds:.1f}",
                )
            )
    return scores


def _time_batch(items: list[BenchItem], pages: int, scratch: Path) -> batch_timing.BatchTiming | None:
    """The pool-versus-one-worker batch, made of the run's camera photos (None: no batch asked or no photos)."""
    photos = [i.path for i in items if i.kind in _BATCH_KINDS and i.path.suffix.lower() != ".pdf"]
    if not pages or not photos:
        return None
    _progress(t("bench.capture.batching", pages=pages))
    batch = batch_timing.build_batch(photos, pages, scratch / "batch.tif")
    return batch_timing.time_batch(batch, pages, _BATCH_LANG)


def _summaries(scores: list[ItemScore]) -> dict[str, dict[str, KindSummary]]:
    """kind -> system -> summary, for the kinds present in this run."""
    kinds: dict[str, dict[str, KindSummary]] = {}
    for kind in KINDS:
        for system in SYSTEMS:
            chosen = [s for s in scores if s.kind == kind and s.system == system]
            if chosen:
                kinds.setdefault(kind, {})[system] = summarize(chosen)
    return kinds


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
