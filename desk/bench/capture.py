"""`python -m desk bench capture`: desk's capture pipeline against plain Tesseract and OCRmyPDF, in one run.

Every item (the shared corpus plus generated camera photos) goes through each system in turn on
the same machine; the report prints per kind of material the quality figures and seconds per page
side by side, the items one by one, a multi-page batch with the pool and with one worker, and the
issue's targets with their verdicts. Progress goes to stderr, the report (or JSON) to stdout.
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
from desk.bench.materials import KINDS, BenchItem, MaterialError, corpus_items, generated_items, resolve_corpus
from desk.bench.report import render
from desk.bench.scoring import ItemScore, KindSummary, score, summarize
from desk.bench.systems import SYSTEMS, SystemRun, ocrmypdf_missing, run_desk, run_ocrmypdf, run_tesseract
from desk.bench.targets import TargetCheck, check_targets
from desk.i18n import t, use_language
from desk.settings import get_settings

_BATCH_LANG = "chi_sim+eng"


def bench_command(args: argparse.Namespace) -> int:
    """Run the capture benchmark; 0 when it ran (targets are reported, not enforced), 2 on bad setup."""
    with use_language(get_settings().default_language):
        try:
            return _run(args)
        except MaterialError as problem:
            print(t(problem.key, **problem.params), file=sys.stderr)
            return 2


def _run(args: argparse.Namespace) -> int:
    counts = (args.generated, getattr(args, "scans", 0), getattr(args, "batch", 20))
    if min(counts) < 0:
        raise MaterialError("bench.capture.bad_count")
    if shutil.which("tesseract") is None:
        raise MaterialError("bench.capture.no_tesseract")
    corpus = resolve_corpus(args.corpus)
    systems, notes = _systems(args)
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        scratch = Path(tmp)
        items = _selected(_generated(counts[0], counts[1], scratch) + corpus_items(corpus), getattr(args, "only", None))
        _warm_up(items)
        scores = _run_all(items, systems, scratch)
        batch = _time_batch(items, counts[2], scratch)
    kinds = _summaries(scores)
    targets = check_targets(kinds, scores, batch)
    print(_json(scores, kinds, batch, targets, notes) if args.json else render(kinds, scores, batch, targets, notes))
    return 0


def _generated(photos: int, scans: int, scratch: Path) -> list[BenchItem]:
    """The generated camera photos and flat scans, written into `scratch`."""
    if not photos and not scans:
        return []
    _progress(t("bench.capture.generating", photos=photos, scans=scans))
    return generated_items(photos, scratch) + generated_items(scans, scratch, seed=2027, flat=True)


def _json(scores: list[ItemScore], kinds: dict[str, dict[str, KindSummary]], batch: batch_timing.BatchTiming | None,
          targets: list[TargetCheck], notes: list[str]) -> str:
    """The run as one JSON document: items, kinds, batch, targets."""
    payload = {
        "items": [asdict(s) for s in scores],
        "kinds": {kind: {system: asdict(summary) for system, summary in per.items()} for kind, per in kinds.items()},
        "batch": None if batch is None else {**asdict(batch), "speedup": batch.speedup, "cores_busy": batch.cores_busy},
        "targets": [{**asdict(c), "text": t(c.key)} for c in targets],
        "notes": notes,
    }
    return json.dumps(payload, ensure_ascii=False, indent=1)


def _systems(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The systems this run compares, and a note when OCRmyPDF cannot take part."""
    if args.no_ocrmypdf:
        return ["desk", "tesseract"], []
    missing = ocrmypdf_missing()
    if missing:
        note = t("bench.capture.no_ocrmypdf", missing=missing)
        _progress(note)
        return ["desk", "tesseract"], [note]
    return list(SYSTEMS), []


def _selected(items: list[BenchItem], only: str | None) -> list[BenchItem]:
    """The items whose name contains one of the comma-separated parts of `only` (all when None)."""
    if not only:
        return items
    parts = [p.strip() for p in only.split(",") if p.strip()]
    chosen = [i for i in items if any(p in i.id for p in parts)]
    if not chosen:
        raise MaterialError("bench.capture.nothing_selected", only=only)
    return chosen


def _warm_up(items: list[BenchItem]) -> None:
    """One untimed desk run, so the first timed item does not pay for imports and caches."""
    images = [i for i in items if i.path.suffix.lower() != ".pdf"]
    if images:
        run_desk(min(images, key=lambda i: i.path.stat().st_size))


def _run_all(items: list[BenchItem], systems: list[str], scratch: Path) -> list[ItemScore]:
    """Every system on every item, one after another so no run competes with another for the cores."""
    runners = {"desk": lambda item: run_desk(item), "tesseract": lambda item: run_tesseract(item, scratch),
               "ocrmypdf": lambda item: run_ocrmypdf(item, scratch)}
    scores = []
    for done, item in enumerate(items, start=1):
        for system in systems:
            run: SystemRun = runners[system](item)
            scores.append(score(item, run))
            _progress(t("bench.capture.progress", done=done, total=len(items), item=item.id, system=system,
                        seconds=f"{run.seconds:.1f}"))
    return scores


def _time_batch(items: list[BenchItem], pages: int, scratch: Path) -> batch_timing.BatchTiming | None:
    """The pool-versus-one-worker batch, made of the run's camera photos (None: no batch asked or no photos)."""
    photos = [i.path for i in items if i.kind == "photo" and i.path.suffix.lower() != ".pdf"]
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
