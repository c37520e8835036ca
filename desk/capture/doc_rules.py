"""The classifier's rules as read from doc_types.toml: titles, labels, words and signs per type."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from desk.capture.keywords import max_edits, normalize

RULES_PATH = Path(__file__).with_name("doc_types.toml")
TITLE, LABEL, WORD = "title", "label", "word"  # what a keyword is to a type
LABEL_TIERS = ("key_label", "label", "common_label")  # toml keys, strongest first


@dataclass(frozen=True)
class SignRule:
    """Signs that must all be present, and the weight they add together."""

    signs: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class LabelGroup:
    """Synonymous labels that count once, and how much they weigh (a tier of LABEL_TIERS)."""

    keywords: tuple[str, ...]
    tier: str


@dataclass(frozen=True)
class DocTypeRule:
    """One document type: what it is titled, the labels and words it prints, its signs, its fields."""

    name: str
    titles: tuple[str, ...]
    labels: tuple[LabelGroup, ...]
    words: tuple[str, ...]
    signs: tuple[SignRule, ...]
    requires: tuple[str, ...]
    min_labels: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence weighs (doc_types.toml [weights])."""

    title: float
    key_label: float
    label: float
    common_label: float
    in_running_text: float
    word: float
    words_cap: float
    min_score: float

    def of_tier(self, tier: str) -> float:
        """The weight of a label of `tier`."""
        return float(getattr(self, tier))


@dataclass(frozen=True)
class SignSettings:
    """What the sign finders look for: account labels, bank names, a bank's name line."""

    card_number_labels: tuple[str, ...]
    bank_names: tuple[str, ...]
    bank_name_line: re.Pattern[str]
    not_bank_names: frozenset[str]


@dataclass(frozen=True)
class Term:
    """What one keyword is to one type: its title, a label of a group, or a body word."""

    doc_type: str
    role: str  # TITLE, LABEL or WORD
    group: int = -1  # index into the type's labels, for LABEL
    tier: str = ""


@dataclass(frozen=True)
class Rules:
    """Every type's rule, the weights, the sign settings, and every keyword with what it means."""

    types: tuple[DocTypeRule, ...]
    weights: Weights
    signs: SignSettings
    terms: dict[str, tuple[Term, ...]]  # keyword -> its meanings; a lookalike has none
    tolerant_titles: tuple[str, ...]  # title keywords long enough to be matched with a misread character
    tolerant_labels: tuple[str, ...]  # label keywords likewise

    def owners(self, keyword: str) -> frozenset[str]:
        """The types `keyword` speaks for (empty for a lookalike)."""
        return frozenset(term.doc_type for term in self.terms.get(keyword, ()))


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The rules of doc_types.toml, keywords normalised as page text is (keywords.normalize)."""
    data = tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))
    types = tuple(_type_rule(name, spec) for name, spec in data["types"].items())
    signs = data["signs"]
    settings = SignSettings(
        card_number_labels=_keywords(signs["card_number_labels"]),
        bank_names=_keywords(signs["bank_names"]),
        bank_name_line=re.compile(signs["bank_name_line"]),
        not_bank_names=frozenset(_keywords(signs["not_bank_names"])),
    )
    weights = Weights(**{name: float(value) for name, value in data["weights"].items()})
    terms = _terms(types, _keywords(data["lookalikes"]["words"]))
    return Rules(types, weights, settings, terms, _tolerant(terms, TITLE), _tolerant(terms, LABEL))


def _type_rule(name: str, spec: dict) -> DocTypeRule:
    groups = tuple(LabelGroup(_keywords(group), tier) for tier in LABEL_TIERS for group in spec.get(f"{tier}s", []))
    return DocTypeRule(
        name=name,
        titles=_keywords(spec.get("titles", [])),
        labels=groups,
        words=_keywords(spec.get("words", [])),
        signs=tuple(SignRule(tuple(entry["all"]), float(entry["weight"])) for entry in spec.get("signs", [])),
        requires=tuple(spec.get("requires", [])),
        min_labels=int(spec.get("min_labels", 0)),
        fields=tuple(spec.get("fields", [])),
    )


def _tolerant(terms: dict[str, tuple[Term, ...]], role: str) -> tuple[str, ...]:
    return tuple(
        keyword
        for keyword, meanings in terms.items()
        if max_edits(len(keyword)) > 0 and any(term.role == role for term in meanings)
    )


def _keywords(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalize(value) for value in values))


def _terms(types: tuple[DocTypeRule, ...], lookalikes: tuple[str, ...]) -> dict[str, tuple[Term, ...]]:
    terms: dict[str, list[Term]] = {keyword: [] for keyword in lookalikes}
    for rule in types:
        for keyword in rule.titles:
            terms.setdefault(keyword, []).append(Term(rule.name, TITLE))
        for index, group in enumerate(rule.labels):
            for keyword in group.keywords:
                terms.setdefault(keyword, []).append(Term(rule.name, LABEL, index, group.tier))
        for keyword in rule.words:
            terms.setdefault(keyword, []).append(Term(rule.name, WORD))
    return {keyword: tuple(meanings) for keyword, meanings in terms.items()}
