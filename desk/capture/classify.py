"""Document type from the page text, with the keywords that decided it (rules in doc_types.toml)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_FUZZY_MIN_LENGTH = 4  # shorter keywords must match exactly: one wrong character changes their meaning
_FUZZY_CREDIT = 0.8  # a keyword read with one wrong character counts a little less
_SPACE = re.compile(r"\s+")


@dataclass
class Classification:
    """The decided type ("other" when nothing scored enough), its score and the evidence."""

    doc_type: str
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)  # keywords found, as written in doc_types.toml


@dataclass(frozen=True)
class DocTypeRule:
    """One document type's keywords and the fields to read on it."""

    name: str
    strong: tuple[tuple[str, ...], ...]
    secondary: tuple[str, ...]
    fields: tuple[str, ...]


@lru_cache(maxsize=1)
def rules() -> tuple[tuple[DocTypeRule, ...], float, float]:
    """The rules of doc_types.toml, the strong-keyword weight and the minimum score."""
    data = tomllib.loads((Path(__file__).parent / "doc_types.toml").read_text(encoding="utf-8"))
    types = tuple(
        DocTypeRule(
            name=name,
            strong=tuple(tuple(group) for group in spec.get("strong", [])),
            secondary=tuple(spec.get("secondary", [])),
            fields=tuple(spec.get("fields", [])),
        )
        for name, spec in data["types"].items()
    )
    return types, float(data["strong_weight"]), float(data["min_score"])


def doc_type_names() -> list[str]:
    """Every type the classifier can answer, "other" last."""
    return [rule.name for rule in rules()[0]] + ["other"]


def fields_for(doc_type: str) -> tuple[str, ...]:
    """The labelled fields worth reading on `doc_type`."""
    return next((rule.fields for rule in rules()[0] if rule.name == doc_type), ())


def classify(text: str) -> Classification:
    """The best-scoring document type for `text`."""
    compact = _SPACE.sub("", text)
    types, strong_weight, min_score = rules()
    best = Classification("other")
    for rule in types:
        score, evidence = 0.0, []
        for group in rule.strong:
            credits = [_found(compact, keyword) for keyword in group]
            if all(credits):
                score += strong_weight * min(credits)
                evidence.extend(group)
        if score == 0:
            continue  # secondary words alone never decide a type
        for keyword in rule.secondary:
            credit = _found(compact, keyword)
            if credit:
                score += credit
                evidence.append(keyword)
        if score >= min_score and score > best.score:
            best = Classification(rule.name, score, evidence)
    return best


def _found(text: str, keyword: str) -> float:
    """1 when `keyword` is in `text`, _FUZZY_CREDIT when it is there with one character misread, else 0."""
    if keyword in text:
        return 1.0
    size = len(keyword)
    if size < _FUZZY_MIN_LENGTH:
        return 0.0
    for start in range(len(text) - size + 1):
        window = text[start: start + size]
        if sum(a != b for a, b in zip(window, keyword)) == 1:
            return _FUZZY_CREDIT
    return 0.0
