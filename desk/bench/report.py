"""The capture benchmark's printed report: a table per kind of material, the items, the English corpus scans
against OCRmyPDF, the batch, the targets."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from desk.bench.batch import BatchTiming
from desk.bench.materials import KINDS
from desk.bench.metrics import Summary, ratio
from desk.bench.scoring import ItemScore, KindSummary
from desk.bench.systems import SYSTEMS
from desk.bench.targets import TargetCheck, is_english_scan
from desk.i18n import t

Kinds = dict[str, dict[str, KindSummary]]


def render(
    kinds: Kinds,
    scores: list[ItemScore],
    batch: BatchTiming | None,
    targets: list[TargetCheck],
    notes: Sequence[str] = (),
) -> str:
    """The whole report as text."""
    ran = {score.system for score in scores} | {system for per_system in kinds.values() for system in per_system}
    systems = [s for s in SYSTEMS if s in ran]
    parts = [*notes]
    for kind in KINDS:
        if kind in kinds:
            parts.append(_kind_table(kind, kinds[kind], systems))
    parts.append(_items_table(scores, systems))
    english = _english_scans(scores)
    if english:
        parts.append(english)
    if batch is not None:
        parts.append(
            t(
                "bench.capture.batch",
                pages=batch.pages,
                workers=batch.workers,
                pool=f"{batch.pool_seconds:.1f}",
                single=f"{batch.single_seconds:.1f}",
                speedup=f"{batch.speedup:.2f}",
                cores=f"{batch.cores_busy:.2f}",
            )
        )
    parts.append(_targets(targets))
    return "\n\n".join(parts) + "\n"


_ROWS: list[tuple[str, Callable[[KindSummary], str], Callable[[KindSummary], float | None]]] = [
    ("cer", lambda k: _mean_max(k.cer, "{:.1%}"), lambda k: k.cer.mean),
    ("skew", lambda k: _mean_max(k.skew, "{:.3f}°"), lambda k: None),
    ("skew_whole_degree", lambda k: _mean_max(k.whole_degree_skew, "{:.3f}°"), lambda k: None),
    ("corners", lambda k: _mean_max(k.corners, "{:.2%}"), lambda k: None),
    ("found", lambda k: _share(k.found), lambda k: None),
    ("dark_cards_found", lambda k: _share(k.dark_cards_found), lambda k: None),
    ("rotation", lambda k: _share(k.rotation), lambda k: None),
    ("doc_type", lambda k: _share(k.doc_type), lambda k: None),
    ("id_recall", lambda k: _share(k.id_recall), lambda k: None),
    ("seconds", lambda k: _number(k.seconds_per_page, "{:.2f}"), lambda k: k.seconds_per_page),
    ("errors", lambda k: str(k.errors), lambda k: None),
]


def _kind_table(kind: str, per_system: dict[str, KindSummary], systems: list[str]) -> str:
    first = next(iter(per_system.values()))
    heading = t(
        "bench.capture.heading", kind=t(f"bench.capture.kind.{kind}"), code=kind, items=first.items, pages=first.pages
    )
    header = [t("bench.capture.col.metric"), *systems]
    with_ratio = "desk" in per_system and "ocrmypdf" in per_system
    if with_ratio:
        header.append("desk/ocrmypdf")
    rows = [header]
    for key, show, value in _ROWS:
        row = [t(f"bench.capture.row.{key}")] + [show(per_system[s]) if s in per_system else "—" for s in systems]
        if with_ratio:
            row.append(_number(ratio(value(per_system["desk"]), value(per_system["ocrmypdf"])), "{:.2f}"))
        rows.append(row)
    return heading + "\n" + _grid(rows)


def _items_table(scores: list[ItemScore], systems: list[str]) -> str:
    by_key = {(s.item, s.system): s for s in scores}
    items = list(dict.fromkeys(s.item for s in scores))
    header = [t("bench.capture.col.item"), t("bench.capture.col.kind")]
    header += [f"CER {s}" for s in systems] + [
        f"{t('bench.capture.col.skew')} {s}" for s in ("desk", "ocrmypdf") if s in systems
    ]
    with_corners = "desk" in systems
    header += [f"{t('bench.capture.col.corners')} desk"] if with_corners else []
    header += [f"s/p {s}" for s in systems]
    rows, problems = [header], []
    for item in items:
        cells = [by_key.get((item, s)) for s in systems]
        first = next(c for c in cells if c is not None)
        row = [item, first.kind]  # the code, which the heading of the kind's table names
        row += [_number(c.cer, "{:.1%}") if c else "—" for c in cells]
        for system in ("desk", "ocrmypdf"):
            if system in systems:
                cell = by_key.get((item, system))
                row.append(_skew_cell(cell))
        if with_corners:
            desk = by_key.get((item, "desk"))
            row.append(_number(max(desk.corner_errors), "{:.2%}") if desk and desk.corner_errors else "—")
        row += [_number(c.seconds / c.pages, "{:.1f}") if c else "—" for c in cells]
        rows.append(row)
        problems += [f"  {item} · {c.system}: {c.error}" for c in cells if c is not None and c.error]
    text = t("bench.capture.items_heading") + "\n" + _grid(rows)
    if problems:
        text += "\n" + t("bench.capture.failures") + "\n" + "\n".join(problems)
    return text


def _english_scans(scores: list[ItemScore]) -> str:
    """desk's CER beside OCRmyPDF's on each English corpus scan with known text ("" when none ran both)."""
    by_key = {(s.item, s.system): s for s in scores}
    rows = [[t("bench.capture.col.item"), "CER desk", "CER ocrmypdf", "desk − ocrmypdf"]]
    for desk in scores:
        other = by_key.get((desk.item, "ocrmypdf"))
        if desk.system != "desk" or other is None or not is_english_scan(desk):
            continue
        if desk.cer is None or other.cer is None:
            continue
        mark = "✗" if desk.cer > other.cer else "✓"
        rows.append([desk.item, f"{desk.cer:.1%}", f"{other.cer:.1%}", f"{mark} {desk.cer - other.cer:+.1%}"])
    if len(rows) == 1:
        return ""
    return t("bench.capture.english_heading") + "\n" + _grid(rows)


def _skew_cell(cell: ItemScore | None) -> str:
    """The item's largest skew error; "≈" marks one against a whole-degree reference."""
    if cell is None:
        return "—"
    if cell.skew_errors:
        return _number(max(cell.skew_errors), "{:.2f}°")
    if cell.whole_degree_skew_errors:
        return "≈" + _number(max(cell.whole_degree_skew_errors), "{:.2f}°")
    return "—"


def _targets(checks: list[TargetCheck]) -> str:
    lines = [t("bench.capture.targets_heading")]
    for check in checks:
        mark = {True: "✓", False: "✗", None: "·"}[check.passed]
        lines.append(f"  {mark} {t(check.key)}: {check.measured}")
    return "\n".join(lines)


def _mean_max(summary: Summary, fmt: str) -> str:
    if summary.mean is None:
        return "—"
    return f"{fmt.format(summary.mean)} / {fmt.format(summary.max)}"


def _share(hits: tuple[int, int]) -> str:
    return f"{hits[0]}/{hits[1]}" if hits[1] else "—"


def _number(value: float | None, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _grid(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip() for row in rows
    )
