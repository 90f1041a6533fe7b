"""The keyword index both book formats print: one rule for which spellings are one entry, how
entries sort, and which letter group each belongs to, so a book's EPUB and PDF list the same
headwords in the same order.

Spellings that differ only in case, accents or surrounding punctuation are one entry, shown as
most articles write it (ties: the alphabetically first). Entries sort by that folded form;
keywords that start with a digit or a symbol come first, as one group.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..model import Article

__all__ = ["IndexEntry", "keyword_index", "SYMBOLS", "group_label"]

SYMBOLS = "#"  #: the group of keywords that start with a digit or a symbol
_PUNCTUATION = " \t\"'.,;:()[]\u2018\u2019\u201c\u201d"


@dataclass(frozen=True)
class IndexEntry:
    term: str  #: the headword, as most articles write it
    group: str  #: its initial (an ASCII capital) or SYMBOLS
    articles: tuple[Article, ...]  #: in the order given


@lru_cache(maxsize=1 << 16)  # a subject's keywords repeat: a book folds each one once
def fold(term: str) -> str:
    """The form that decides sameness and order: case, accents and outer punctuation dropped."""
    folded = unicodedata.normalize("NFKD", term.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).strip(_PUNCTUATION)


def _group(key: str) -> str:
    first = key[:1]
    return first.upper() if first.isalpha() and first.isascii() else SYMBOLS


def group_label(group: str) -> str:
    """The heading of a letter group."""
    return "Symbols and numbers" if group == SYMBOLS else group


def keyword_index(articles: Sequence[Article]) -> list[IndexEntry]:
    """Every keyword of `articles`, sorted, with the articles (in the given order) that list it."""
    spellings: dict[str, Counter[str]] = {}
    holders: dict[str, dict[str, Article]] = {}
    for article in articles:
        for keyword in article.keywords:
            term = " ".join(keyword.split())
            key = fold(term)
            if not key:
                continue
            if article.url not in holders.setdefault(key, {}):
                spellings.setdefault(key, Counter())[term] += 1
                holders[key][article.url] = article
    shown = {key: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]
             for key, c in spellings.items()}
    order = sorted(holders, key=lambda k: (_group(k) != SYMBOLS, k, shown[k]))
    return [IndexEntry(shown[k], _group(k), tuple(holders[k].values())) for k in order]
