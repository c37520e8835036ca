"""How OCR text becomes search tokens, the same way for pages and for queries (pure functions).

Chinese has no spaces between words, so a run of CJK characters is indexed as overlapping
character bigrams (住房公积金 -> 住房 房公 公积 积金): any word of two or more characters is then
a phrase of consecutive bigrams. A lone character is found through a second, unordered set of the
page's distinct CJK characters. Latin letters and digits form lower-case words, so English words,
ID numbers (21020319900101123x) and case numbers are whole tokens.

Changing these rules changes the tokens of stored pages: rebuild the index afterwards
(`desk.archive.search_index.rebuild`).
"""

from __future__ import annotations

import re
import unicodedata

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_RUNS = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+")
# Tesseract puts a space between Chinese characters; it means nothing (design.md §4).
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])[ \\t\\u3000]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u3000]+")


def is_cjk_run(token: str) -> bool:
    """True when `token` is made of CJK characters only."""
    return bool(_CJK_RUN.fullmatch(token))


def normalize_text(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), no spaces between CJK characters,
    runs of spaces collapsed; line breaks are kept."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())


def runs(text: str) -> list[str]:
    """The searchable runs of `text`: CJK runs and lower-case letter/digit runs, in order."""
    return [match.group(0).lower() for match in _RUNS.finditer(normalize_text(text))]


def run_tokens(run: str) -> list[str]:
    """The tokens of one run: bigrams of a CJK run (a lone character stays itself), else the run."""
    if len(run) > 1 and is_cjk_run(run):
        return [run[i : i + 2] for i in range(len(run) - 1)]
    return [run]


def index_tokens(text: str) -> list[str]:
    """The positional tokens of a page: bigrams for CJK runs, lower-case words for the rest."""
    return [token for run in runs(text) for token in run_tokens(run)]


def distinct_cjk_chars(text: str) -> list[str]:
    """Each CJK character of `text` once, in order of first appearance (finds one-character queries)."""
    return list(dict.fromkeys(char for run in _CJK_RUN.findall(normalize_text(text)) for char in run))
