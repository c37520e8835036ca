"""The capture targets of the issue, checked against the figures of one benchmark run."""

from __future__ import annotations

from dataclasses import dataclass

from desk.bench.batch import BatchTiming
from desk.bench.scoring import ItemScore, KindSummary

CORNER_ERROR_MAX = 0.01  # of the image diagonal, every camera page
CER_RATIO_MAX = 0.5  # camera photos: desk's mean CER at most half of OCRmyPDF's
SKEW_MEAN_MAX, SKEW_MAX_MAX = 0.05, 0.2  # flat scans, degrees
BATCH_SHARE_MIN = 0.75  # of the cores: the pool must keep at least this share busy and speed up as much


@dataclass
class TargetCheck:
    """One target: its message key, whether it was met (None: not measurable in this run) and the figure."""

    key: str
    passed: bool | None
    measured: str


Kinds = dict[str, dict[str, KindSummary]]


def check_targets(kinds: Kinds, scores: list[ItemScore], batch: BatchTiming | None) -> list[TargetCheck]:
    """Every target with its verdict."""
    return [_pages_found(kinds), _corners(kinds), _camera_cer(kinds), _scan_skew(kinds),
            _cer_per_corpus_item(scores), _cardinal(scores), _speed(scores), _batch(batch)]


def _desk(kinds: Kinds, kind: str) -> KindSummary | None:
    return kinds.get(kind, {}).get("desk")


def _pages_found(kinds: Kinds) -> TargetCheck:
    photo = _desk(kinds, "photo")
    if photo is None or not photo.found[1]:
        return TargetCheck("bench.capture.target.pages_found", None, "—")
    hits, total = photo.found
    return TargetCheck("bench.capture.target.pages_found", hits == total, f"{hits}/{total}")


def _corners(kinds: Kinds) -> TargetCheck:
    photo = _desk(kinds, "photo")
    if photo is None or photo.corners.max is None:
        return TargetCheck("bench.capture.target.corners", None, "—")
    measured = f"{photo.corners.mean:.2%} / {photo.corners.max:.2%}"
    return TargetCheck("bench.capture.target.corners", photo.corners.max <= CORNER_ERROR_MAX, measured)


def _camera_cer(kinds: Kinds) -> TargetCheck:
    desk, other = _desk(kinds, "photo"), kinds.get("photo", {}).get("ocrmypdf")
    if desk is None or other is None or desk.cer.mean is None or other.cer.mean is None:
        return TargetCheck("bench.capture.target.camera_cer", None, "—")
    measured = f"{desk.cer.mean:.1%} / {other.cer.mean:.1%}"
    return TargetCheck("bench.capture.target.camera_cer", desk.cer.mean <= CER_RATIO_MAX * other.cer.mean, measured)


def _scan_skew(kinds: Kinds) -> TargetCheck:
    scan = _desk(kinds, "scan")
    if scan is None or scan.skew.mean is None:
        return TargetCheck("bench.capture.target.scan_skew", None, "—")
    passed = scan.skew.mean <= SKEW_MEAN_MAX and scan.skew.max <= SKEW_MAX_MAX
    return TargetCheck("bench.capture.target.scan_skew", passed, f"{scan.skew.mean:.3f}° / {scan.skew.max:.3f}°")


def _cer_per_corpus_item(scores: list[ItemScore]) -> TargetCheck:
    # a run that failed read nothing (CER 1): it stays in, and the per-item table says why
    pairs = _paired(scores, "ocrmypdf", corpus_only=True, skip_errors=False)
    pairs = [(item, d.cer, o.cer) for item, d, o in pairs if d.cer is not None and o.cer is not None]
    if not pairs:
        return TargetCheck("bench.capture.target.cer_each", None, "—")
    worse = [f"{item} {d:.1%}>{o:.1%}" for item, d, o in pairs if d > o]
    measured = f"{len(pairs) - len(worse)}/{len(pairs)}" + (f" ({'; '.join(worse)})" if worse else "")
    return TargetCheck("bench.capture.target.cer_each", not worse, measured)


def _cardinal(scores: list[ItemScore]) -> TargetCheck:
    outcomes = [r for s in scores if s.system == "desk" and s.kind == "pdf" for r in s.rotation_right]
    if not outcomes:
        return TargetCheck("bench.capture.target.cardinal", None, "—")
    return TargetCheck("bench.capture.target.cardinal", all(outcomes), f"{sum(outcomes)}/{len(outcomes)}")


def _speed(scores: list[ItemScore]) -> TargetCheck:
    pairs = _paired(scores, "ocrmypdf", corpus_only=False, skip_errors=True)  # a failure is fast
    if not pairs:
        return TargetCheck("bench.capture.target.speed", None, "—")
    pages = sum(d.pages for _, d, _ in pairs)
    desk = sum(d.seconds for _, d, _ in pairs) / pages
    other = sum(o.seconds for _, _, o in pairs) / pages
    return TargetCheck("bench.capture.target.speed", desk < other, f"{desk:.2f} s / {other:.2f} s")


def _batch(batch: BatchTiming | None) -> TargetCheck:
    if batch is None:
        return TargetCheck("bench.capture.target.batch", None, "—")
    wanted = BATCH_SHARE_MIN * batch.workers
    passed = batch.workers > 1 and batch.speedup >= wanted and batch.cores_busy >= wanted
    return TargetCheck("bench.capture.target.batch", passed, f"×{batch.speedup:.2f}, {batch.cores_busy:.2f}/{batch.workers}")


def _paired(scores: list[ItemScore], other: str, *, corpus_only: bool,
            skip_errors: bool) -> list[tuple[str, ItemScore, ItemScore]]:
    """(item, desk score, other score) for every item both systems ran."""
    by_key = {(s.item, s.system): s for s in scores}
    out = []
    for s in scores:
        o = by_key.get((s.item, other))
        if s.system != "desk" or o is None or (corpus_only and s.generated):
            continue
        if not (skip_errors and (s.error or o.error)):
            out.append((s.item, s, o))
    return out
