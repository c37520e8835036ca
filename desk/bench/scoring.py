"""Score each system's run on an item against its ground truth, and fold the scores per kind of material.

Document type: desk reports its own; for the baselines desk's classifier is applied to their text,
so the column compares how well each system's text lets a document be recognised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from desk.bench.materials import BenchItem
from desk.bench.metrics import Summary, angle_error, cer, corner_error, share
from desk.bench.systems import PageOutput, SystemRun

# a page counts as found when desk's corners lie within this share of the image diagonal of the true
# ones on average: far looser than the 1% corner target, so it tells a page found roughly in place
# from an outline found elsewhere (part of the page, the desk, another sheet)
FOUND_CORNER_ERROR_MAX = 0.05


@dataclass
class ItemScore:
    """One system on one item: the per-page outcomes behind every figure of the report."""

    item: str
    kind: str
    system: str
    pages: int
    seconds: float
    cer: float | None = None
    skew_errors: list[float] = field(default_factory=list)  # against exactly known angles
    whole_degree_skew_errors: list[float] = field(default_factory=list)  # against whole-degree references
    corner_errors: list[float] = field(default_factory=list)
    found: list[bool] = field(default_factory=list)  # pages known to be fully visible
    dark_cards_found: list[bool] = field(default_factory=list)  # those of them that are cards on a dark desk
    rotation_right: list[bool] = field(default_factory=list)
    type_right: list[bool] = field(default_factory=list)
    id_recalled: list[bool] = field(default_factory=list)
    error: str | None = None
    generated: bool = False
    lang: str = ""


def score(item: BenchItem, run: SystemRun) -> ItemScore:
    """Compare `run` with `item`'s ground truth."""
    result = ItemScore(
        item.id,
        item.kind,
        run.system,
        pages=max(1, len(item.pages)),
        seconds=run.seconds,
        error=run.error,
        generated=item.generated,
        lang=item.lang,
    )
    if item.text is not None:
        hypothesis = "\n".join(page.text for page in run.pages)
        result.cer = cer(hypothesis, item.text, item.lang)  # a failed run read nothing: CER 1
    outputs: list[PageOutput | None] = list(run.pages) + [None] * (len(item.pages) - len(run.pages))
    for truth, output in zip(item.pages, outputs):
        _score_page(result, item, truth, output)
    return result


def _score_page(result: ItemScore, item: BenchItem, truth, output: PageOutput | None) -> None:
    if truth.fully_visible and result.system == "desk":
        result.found.append(_found(item, truth, output))
        if truth.dark_card:
            result.dark_cards_found.append(result.found[-1])
    if output is None:
        for known, outcomes in (
            (truth.rotation, result.rotation_right),
            (truth.doc_type, result.type_right),
            (truth.id_number, result.id_recalled),
        ):
            if known is not None:
                outcomes.append(False)
        return
    if truth.skew_deg is not None and output.skew_deg is not None:
        errors = result.whole_degree_skew_errors if truth.skew_whole_degree else result.skew_errors
        errors.append(angle_error(output.skew_deg, truth.skew_deg))
    if truth.corners is not None and output.corners is not None and item.size is not None:
        result.corner_errors.append(corner_error(output.corners, truth.corners, *item.size))
    if truth.rotation is not None and output.rotation is not None:
        result.rotation_right.append(output.rotation % 360 == truth.rotation % 360)
    if truth.doc_type is not None:
        result.type_right.append(_doc_type(output) == truth.doc_type)
    if truth.id_number is not None:
        result.id_recalled.append(truth.id_number.upper() in output.id_numbers)


def _found(item: BenchItem, truth, output: PageOutput | None) -> bool:
    """desk says it found the page, and where the outline is known its corners lie on it.

    A page "found" elsewhere in the frame is not found. The corners are compared whichever corner
    desk names first, so a page found but turned the wrong way still counts as found here (the
    orientation and corner-error rows say what is wrong with it).
    """
    if output is None or not output.found:
        return False
    if truth.corners is None or output.corners is None or item.size is None:
        return True
    shifts = (output.corners[k:] + output.corners[:k] for k in range(4))
    return min(corner_error(shifted, truth.corners, *item.size) for shifted in shifts) <= FOUND_CORNER_ERROR_MAX


def _doc_type(output: PageOutput) -> str:
    if output.doc_type is not None:
        return output.doc_type
    from desk.capture.classify import classify

    return classify(output.text).doc_type


@dataclass
class KindSummary:
    """One system over one kind of material."""

    items: int
    pages: int
    cer: Summary
    skew: Summary
    whole_degree_skew: Summary
    corners: Summary
    found: tuple[int, int]
    dark_cards_found: tuple[int, int]
    rotation: tuple[int, int]
    doc_type: tuple[int, int]
    id_recall: tuple[int, int]
    seconds_per_page: float | None
    errors: int


def summarize(scores: Iterable[ItemScore]) -> KindSummary:
    """Fold item scores (one system, one kind) into the figures of one report column."""
    scores = list(scores)
    pages = sum(s.pages for s in scores)
    return KindSummary(
        items=len(scores),
        pages=pages,
        cer=Summary.of(s.cer for s in scores),
        skew=Summary.of(e for s in scores for e in s.skew_errors),
        whole_degree_skew=Summary.of(e for s in scores for e in s.whole_degree_skew_errors),
        corners=Summary.of(e for s in scores for e in s.corner_errors),
        found=share(f for s in scores for f in s.found),
        dark_cards_found=share(f for s in scores for f in s.dark_cards_found),
        rotation=share(r for s in scores for r in s.rotation_right),
        doc_type=share(d for s in scores for d in s.type_right),
        id_recall=share(i for s in scores for i in s.id_recalled),
        seconds_per_page=sum(s.seconds for s in scores) / pages if pages else None,
        errors=sum(1 for s in scores if s.error),
    )
