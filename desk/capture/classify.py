"""Document type of a page, and the evidence that decided it (rules in doc_types.toml).

A page is read as a reader at the counter reads it: its title first (the largest text near the
top), then the labels it prints (出租方：… 承租方：…), then the words of its body, and signs of
its layout and numbers (a card's shape and portrait, a valid ID or card number). Each type's
evidence adds up with the weights of doc_types.toml, so a type's words cited in another type's
text (a lease quoting a 不动产权证书 number, a form naming a bank) weigh little against the
page's own title and labels.

Evidence is a list of short strings, `kind:keyword,keyword` (e.g. "title:房屋租赁合同",
"labels:出租方,承租方,租金", "id_number", "bank_name:中国建设银行"); `describe_evidence` renders
one for a clerk in either language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from desk.capture import page_signs, page_text
from desk.capture.doc_rules import LABEL, TITLE, WORD, DocTypeRule, Rules, Term, rules
from desk.capture.keywords import Hit, before_colon, colon_ends, exact_hits, fuzzy_hit, fuzzy_hit_at, label_start
from desk.capture.page_text import PageText, Segment
from desk.capture.reading import Reading
from desk.i18n import t

OTHER = "other"
HEAD_CREDIT = 0.8  # a title keyword followed by another type's title keyword is not the title's head noun
_BLOCKER_MIN_CHARS = 3  # an exact keyword this long overrules a tolerant match read over it
_HEADING_EXTRA_CHARS = 6  # a title keyword standing alone in a segment this much longer is a heading
_HEADING = "heading"  # pseudo label group: a title keyword printed as a heading below the title


@dataclass
class Classification:
    """The decided type ("other" when nothing scored enough), its score and the evidence."""

    doc_type: str
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)  # "kind:keyword,keyword" or "kind"

    @property
    def keywords(self) -> list[str]:
        """Every keyword named in the evidence, in order."""
        return [word for item in self.evidence for word in item.partition(":")[2].split(",") if word]


@dataclass
class _Found:
    """One type's evidence on one page."""

    title: tuple[float, str] = (0.0, "")
    labels: dict[object, tuple[float, str, bool]] = field(default_factory=dict)  # group -> value, keyword, as label
    words: list[str] = field(default_factory=list)

    def add_label(self, group: object, value: float, keyword: str, as_label: bool) -> None:
        if value > self.labels.get(group, (0.0, "", False))[0]:
            self.labels[group] = (value, keyword, as_label)

    def add_word(self, keyword: str) -> None:
        if keyword not in self.words:
            self.words.append(keyword)


def classify_page(reading: Reading, image: np.ndarray | None = None) -> Classification:
    """The best-scoring document type for an engine's reading of a page.

    `image` is the page in the pixels the engine's boxes refer to (the page it read, before or after
    its own filtering); with it, the page's shape and an ID card's portrait count as evidence. A
    reading without lines (a PDF's text layer) is classified by its text.
    """
    size = (int(image.shape[1]), int(image.shape[0])) if image is not None else None
    return _decide(page_text.from_reading(reading, size), image)


def classify(text: str) -> Classification:
    """The best-scoring document type for plain text (a PDF's text layer, another system's OCR)."""
    return _decide(page_text.from_text(text), None)


def doc_type_names() -> list[str]:
    """Every type the classifier can answer, "other" last."""
    return [rule.name for rule in rules().types] + [OTHER]


def fields_for(doc_type: str) -> tuple[str, ...]:
    """The labelled fields worth reading on `doc_type`."""
    return next((rule.fields for rule in rules().types if rule.name == doc_type), ())


def describe_evidence(item: str, language: str | None = None, *, most: int | None = None) -> str:
    """One evidence string as a clerk reads it, e.g. "labels:出租方,承租方" → "栏目：出租方、承租方";
    with `most`, only that many keywords and "…"."""
    kind, _, detail = item.partition(":")
    joiner = t("capture.evidence.joiner", language)
    keywords = [word for word in detail.split(",") if word]
    shown = joiner.join(keywords[:most]) + ("…" if most is not None and len(keywords) > most else "")
    return t(f"capture.evidence.{kind}", language, keywords=shown)


def candidates(page: PageText, image: np.ndarray | None = None) -> dict[str, Classification]:
    """Every type that the page could be decided as, with its score and evidence (best first)."""
    table = rules()
    found = {rule.name: _Found() for rule in table.types}
    _read_titles(page, table, found)
    for index, segment in enumerate(page.segments):
        _read_segment(segment, index in page.title_segments, page.title_by_size, table, found)
    signs = page_signs.find_signs(page, table.signs, image)
    out = {}
    for rule in table.types:
        decided = _score(rule, found[rule.name], signs, table)
        if decided is not None:
            out[rule.name] = decided
    return dict(sorted(out.items(), key=lambda item: -item[1].score))


def _decide(page: PageText, image: np.ndarray | None) -> Classification:
    ranked = candidates(page, image)
    return next(iter(ranked.values()), Classification(OTHER))


def _score(rule: DocTypeRule, found: _Found, signs: dict[str, str], table: Rules) -> Classification | None:
    """The type's classification when its evidence reaches the minimum, else None."""
    weights = table.weights
    if any(sign not in signs for sign in rule.requires) or _labels_standing(rule, found) < rule.min_labels:
        return None
    met = [entry for entry in rule.signs if all(sign in signs for sign in entry.signs)]
    sign_score = sum(entry.weight for entry in met)
    title_score = weights.title * found.title[0]
    label_score = sum(value for value, _, _ in found.labels.values())
    supporting = sum(value for group, (value, _, _) in found.labels.items() if _tier(rule, group) == "common_label")
    word_score = min(weights.words_cap, weights.word * len(found.words))
    total = title_score + label_score + word_score + sign_score
    if total < weights.min_score or title_score + label_score - supporting + sign_score <= 0:
        return None
    used_signs = list(dict.fromkeys(sign for entry in met for sign in entry.signs))
    return Classification(rule.name, round(total, 2), _evidence(found, used_signs, signs))


def _evidence(found: _Found, used_signs: list[str], signs: dict[str, str]) -> list[str]:
    items = [f"title:{found.title[1]}"] if found.title[0] > 0 else []
    labels = [keyword for _, keyword, as_label in found.labels.values() if as_label]
    mentions = [keyword for _, keyword, as_label in found.labels.values() if not as_label]
    for kind, keywords in (("labels", labels), ("mentions", mentions), ("words", found.words)):
        if keywords:
            items.append(f"{kind}:{','.join(keywords)}")
    items += [f"{sign}:{signs[sign]}" if signs[sign] else sign for sign in used_signs]
    return items


def _labels_standing(rule: DocTypeRule, found: _Found) -> int:
    """How many of the type's own label groups (not common labels) are printed where labels stand."""
    return sum(
        1
        for group, (_, _, as_label) in found.labels.items()
        if as_label and isinstance(group, int) and _tier(rule, group) != "common_label"
    )


def _tier(rule: DocTypeRule, group: object) -> str:
    return rule.labels[group].tier if isinstance(group, int) else "label"


def _read_titles(page: PageText, table: Rules, found: dict[str, _Found]) -> None:
    """Title keywords on the title strings; the one that ends the title (its head noun) counts in full."""
    for title in page.titles:
        anywhere = partial(fuzzy_hit, title)
        hits = _resolve(_exact_and_tolerant(title, table, table.tolerant_titles, anywhere), table)
        titled = [hit for hit in hits if _terms_of(table, hit, TITLE)]
        if not titled:
            continue
        head_end = max(hit.end for hit in titled)
        for hit in titled:
            credit = hit.credit * (1.0 if hit.end >= head_end - 1 else HEAD_CREDIT)
            for term in _terms_of(table, hit, TITLE):
                if credit > found[term.doc_type].title[0]:
                    found[term.doc_type].title = (credit, hit.keyword)


def _read_segment(
    segment: Segment, in_title: bool, title_by_size: bool, table: Rules, found: dict[str, _Found]
) -> None:
    """Labels, body words, and title keywords printed below the title, in one segment."""
    if in_title and title_by_size:
        return  # the title itself, printed large: read by _read_titles
    text, weights = segment.text, table.weights
    start, ends = label_start(text), colon_ends(text)

    def where_labels_stand(keyword: str) -> Hit | None:
        tried = [fuzzy_hit_at(text, keyword, start=start)] + [fuzzy_hit_at(text, keyword, end=end) for end in ends]
        return min((hit for hit in tried if hit is not None), key=lambda hit: hit.edits, default=None)

    for hit in _resolve(_exact_and_tolerant(text, table, table.tolerant_labels, where_labels_stand), table):
        as_label = hit.start <= start or before_colon(text, hit.end)
        counts_fully = as_label or not segment.running_text
        for term in table.terms[hit.keyword]:
            if term.role == LABEL:
                share = 1.0 if counts_fully else weights.in_running_text
                value = weights.of_tier(term.tier) * hit.credit * share
                found[term.doc_type].add_label(term.group, value, hit.keyword, counts_fully)
            elif hit.edits:
                continue  # body words and headings count only as printed
            elif term.role == WORD:
                found[term.doc_type].add_word(hit.keyword)
            elif not in_title:
                if counts_fully and len(text) <= len(hit.keyword) + _HEADING_EXTRA_CHARS:
                    found[term.doc_type].add_label(_HEADING, weights.label, hit.keyword, True)
                else:
                    found[term.doc_type].add_word(hit.keyword)


def _exact_and_tolerant(
    text: str, table: Rules, tolerant: tuple[str, ...], tolerant_hit: Callable[[str], Hit | None]
) -> list[Hit]:
    """Every keyword printed exactly in `text`, and a tolerant hit for each of `tolerant` that is not."""
    hits = [hit for keyword in table.terms if keyword in text for hit in exact_hits(text, keyword)]
    printed = {hit.keyword for hit in hits}
    for keyword in tolerant:
        if keyword not in printed:
            close = tolerant_hit(keyword)
            if close is not None:
                hits.append(close)
    return hits


def _resolve(hits: list[Hit], table: Rules) -> list[Hit]:
    """Hits that stand: not a keyword inside a longer one (出生 in 出生地, 结婚证 in 结婚证字号), and
    not a tolerant match read where another keyword is printed exactly (结婚证 over 离婚证)."""
    exact = [hit for hit in hits if hit.edits == 0]
    kept = []
    for hit in hits:
        others = [other for other in exact if other.keyword != hit.keyword]
        if hit.edits == 0:
            if any(hit.inside(other) for other in others):
                continue
        elif any(
            len(other.keyword) >= _BLOCKER_MIN_CHARS and hit.overlaps(other) >= 2 and other.keyword not in hit.keyword
            for other in others
        ):
            continue  # (婚姻状况 printed within 婚姻状况声朋 is no reason to doubt 婚姻状况声明)
        kept.append(hit)
    return kept


def _terms_of(table: Rules, hit: Hit, role: str) -> list[Term]:
    return [term for term in table.terms[hit.keyword] if term.role == role]
