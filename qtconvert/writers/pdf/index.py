"""The keyword index at the back of a PDF volume: keyword -> the questions that carry it.

Keywords come from each article's `seo.page_keywords`. Spellings that differ only in case or
surrounding punctuation are one entry (shown as most articles write it), grouped under their
first letter. Page numbers are left to the stylesheet (`target-counter`), so each reference is
a link to the question's anchor.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ...model import Article

__all__ = ["IndexEntry", "keyword_index", "index_element"]

_SYMBOLS = "#"  # the group of keywords that start with a digit or a symbol


@dataclass(frozen=True)
class IndexEntry:
    term: str
    articles: tuple[Article, ...]  #: in book order


def _key(term: str) -> str:
    folded = unicodedata.normalize("NFKD", term.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).strip(" \t\"'.,;:()[]")


def keyword_index(articles: Sequence[Article]) -> list[IndexEntry]:
    """Every keyword of `articles`, sorted, with the articles (in the given order) that list it."""
    spellings: dict[str, Counter[str]] = {}
    holders: dict[str, dict[str, Article]] = {}
    for article in articles:
        for keyword in article.keywords:
            term = " ".join(keyword.split())
            key = _key(term)
            if not key:
                continue
            spellings.setdefault(key, Counter())[term] += 1
            holders.setdefault(key, {})[article.url] = article
    return [IndexEntry(spellings[key].most_common(1)[0][0], tuple(holders[key].values()))
            for key in sorted(holders, key=lambda k: (_group(k) != _SYMBOLS, k))]


def _group(key: str) -> str:
    first = key[:1]
    return first.upper() if first.isalpha() and first.isascii() else _SYMBOLS


def index_element(entries: Sequence[IndexEntry], title: str = "Index", scope: str = "book"
                  ) -> ET.Element:
    """`<section id="qt-index">`: letter groups of `term, page, page` lines."""
    section = ET.Element("section", {"id": "qt-index", "class": "qt-index"})
    heading = ET.SubElement(section, "h1", {"class": "qt-index-title"})
    heading.text = title
    note = ET.SubElement(section, "p", {"class": "qt-index-note"})
    note.text = f"The keywords of the questions in this {scope}, with the pages that answer them."
    columns = ET.SubElement(section, "div", {"class": "qt-index-columns"})
    group_list: ET.Element | None = None
    current = None
    for entry in entries:
        group = _group(_key(entry.term))
        if group != current:
            current = group
            block = ET.SubElement(columns, "div", {"class": "qt-index-group"})
            letter = ET.SubElement(block, "h2", {"class": "qt-index-letter"})
            letter.text = "Numbers and symbols" if group == _SYMBOLS else group
            group_list = ET.SubElement(block, "ul")
        assert group_list is not None
        item = ET.SubElement(group_list, "li")
        term = ET.SubElement(item, "span", {"class": "qt-index-term"})
        term.text = entry.term
        for article in entry.articles:
            ET.SubElement(item, "a", {"href": "#" + article.anchor, "class": "qt-pageref"})
    return section
